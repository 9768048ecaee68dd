/*
 * ctl.c -- what usersctl.c's table and the commands of ctl_*.c both use:
 * a command's usage printed from its row, its options, its usage errors,
 * and the reporting helpers.  Below both, so no command calls back into
 * the file that calls it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "banned.h"

#define HELP_COL	34	/* where a description starts */

const char ctl_usage_head[] =
    "usage: usersctl [-c FILE] [-i INSTANCE] COMMAND [ARGS]\n\n";

/* Prints s, each '\n' in it followed by indent blanks; the last column. */
static int
print_wrapped(FILE *f, const char *s, int col, int indent)
{
	const char	*nl;

	for (; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
		fprintf(f, "%.*s\n%*s", (int)(nl - s), s, indent, "");
		col = indent;
	}
	return col + fprintf(f, "%s", s);
}

void
ctl_print_cmd(FILE *f, const struct ctl_cmd *c)
{
	int	 col;

	col = fprintf(f, "  %s%s", c->name, *c->args ? " " : "");
	col = print_wrapped(f, c->args, col, 2 + (int)strlen(c->name) + 1);
	if (*c->help == '\0') {
		fputc('\n', f);
		return;
	}
	if (col + 2 > HELP_COL) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", HELP_COL - col, "");
	print_wrapped(f, c->help, HELP_COL, HELP_COL);
	fputc('\n', f);
}

const char *
ctl_opt(const struct ctl_args *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].name, name) == 0)
			return a->opts[i].value;
	fatalx("%s has no option --%s", a->cmd->name, name);
}

int
ctl_usage_error(const struct ctl_args *a, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "usersctl: %s: ", a->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", ctl_usage_head);
	ctl_print_cmd(stderr, a->cmd);
	return 2;
}

int
ctl_die_api(const char *what, const struct apierr *e)
{
	fprintf(stderr, "usersctl: %s: %s (%s)\n", what, e->msg,
	    apierr_string(e->code));
	return 1;
}

long
ctl_read_secret(char *buf, size_t size)
{
	size_t	 n;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password: ");
	if (fgets(buf, (int)size, stdin) == NULL) {
		buf[0] = '\0';
		return 0;
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return (long)n;
}
