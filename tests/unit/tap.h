/*
 * tap.h -- a header-only TAP producer for the unit tier (after redis's
 * testhelp.h).  Every assertion prints "ok N - name" or "not ok N - name"
 * plus a file:line diagnostic on stderr; done_testing() prints the plan
 * "1..N" and returns the exit status (non-zero when anything failed).  The
 * *_at variants take the line of a table row, for table-driven cases.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int	 tap_n, tap_failed;

static int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list		 ap;
	char		 name[512];
	const char	*p;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	/* Names quote test input: keep each result on one TAP line. */
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			printf("\\x%02x", (unsigned char)*p);
		else
			printf("%s%c", *p == '#' ? "\\" : "", *p);
	printf("\n");
	fflush(stdout);
	if (!pass) {
		tap_failed++;
		fprintf(stderr, "#   Failed test %d at %s:%d\n", tap_n, file,
		    line);
	}
	return pass;
}

#define ok_at(line, c, ...)	tap_ok(!!(c), __FILE__, (line), __VA_ARGS__)
#define ok(c, ...)		ok_at(__LINE__, (c), __VA_ARGS__)

#define is_int_at(line, got, want, ...) do {				\
	long long tap_g = (long long)(got), tap_w = (long long)(want);	\
	if (!ok_at((line), tap_g == tap_w, __VA_ARGS__))		\
		fprintf(stderr, "#          got: %lld\n#     expected: %lld\n",\
		    tap_g, tap_w);					\
} while (0)
#define is_int(got, want, ...)						\
	is_int_at(__LINE__, got, want, __VA_ARGS__)

/*
 * NULL-safe: two NULLs are equal, NULL and a string are not.  Not inlined,
 * so that the compiler does not see a NULL branch reach the name's "%s".
 */
static int __attribute__((noinline))
tap_streq(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

#define is_str_at(line, got, want, ...) do {				\
	const char *tap_g = (got), *tap_w = (want);			\
	if (!ok_at((line), tap_streq(tap_g, tap_w), __VA_ARGS__))	\
		fprintf(stderr, "#          got: %s%s%s\n"		\
		    "#     expected: %s%s%s\n",				\
		    tap_g ? "'" : "", tap_g ? tap_g : "NULL",		\
		    tap_g ? "'" : "", tap_w ? "'" : "",			\
		    tap_w ? tap_w : "NULL", tap_w ? "'" : "");		\
} while (0)
#define is_str(got, want, ...)						\
	is_str_at(__LINE__, got, want, __VA_ARGS__)

/* Prints the plan; returns the exit status for main(). */
#define done_testing()	(printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif
