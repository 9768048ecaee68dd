/*
 * fuzz_util.c -- the text checks every name and number goes through:
 * UTF-8 validity (against Unicode's table of well-formed sequences),
 * forbidden code points in names (against their byte patterns), the
 * user-name rule, and util_parse_ll (against a digit-by-digit reference).  The first byte picks the check.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include <limits.h>
#include <string.h>

#include "util.c"

#include "err.h"
#include "users.h"

/* Table 3-7 of the Unicode Standard, well-formed byte sequences, no NUL. */
static int
ref_utf8(const unsigned char *s, size_t n)
{
	size_t		 i = 0, len, k;
	unsigned char	 c, lo, hi;

	while (i < n) {
		c = s[i];
		lo = 0x80;
		hi = 0xbf;
		if (c == 0)
			return 0;
		if (c < 0x80)
			len = 1;
		else if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if (s[i + k] < (k == 1 ? lo : 0x80) ||
			    s[i + k] > (k == 1 ? hi : 0xbf))
				return 0;
		}
		i += len;
	}
	return 1;
}

/*
 * Well-formed UTF-8 without the bytes of a forbidden code point: C0, DEL,
 * C1 (C2 80-9F), U+2028-U+202E (E2 80 A8-AE), U+2066-U+2069 (E2 81 A6-A9).
 * In well-formed text these lead bytes start a code point, so a byte
 * match is a code point match.
 */
static int
ref_name(const unsigned char *s, size_t n)
{
	size_t	 i;

	if (!ref_utf8(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] == 0xc2 && s[i + 1] <= 0x9f)
			return 0;
		if (s[i] == 0xe2 && s[i + 1] == 0x80 && s[i + 2] >= 0xa8 &&
		    s[i + 2] <= 0xae)
			return 0;
		if (s[i] == 0xe2 && s[i + 1] == 0x81 && s[i + 2] >= 0xa6 &&
		    s[i + 2] <= 0xa9)
			return 0;
	}
	return 1;
}

/* A whole decimal number in [min, max]: '-'? digit+, nothing else. */
static int
ref_parse_ll(const char *s, long long min, long long max, long long *out)
{
	unsigned long long	 mag = 0, lim;
	int			 neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (mag > (lim - (unsigned long long)(*s - '0')) / 10)
			return -1;
		mag = mag * 10 + (unsigned long long)(*s - '0');
	}
	if (neg)
		*out = mag == 0 ? 0 : -(long long)(mag - 1) - 1;
	else
		*out = (long long)mag;
	return *out < min || *out > max ? -1 : 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s;
	char		*c;
	struct apierr	 e;
	long long	 min, max, got, want;
	size_t		 n;
	int		 rc;

	if (size < 1)
		return 0;
	s = (const char *)data + 1;
	n = size - 1;
	if (data[0] % 2 == 0) {
		FUZZ_CHECK(util_utf8_valid(s, n) ==
		    ref_utf8((const unsigned char *)s, n));
		FUZZ_CHECK(util_name_valid(s, n) ==
		    ref_name((const unsigned char *)s, n));
		if ((c = malloc(n + 1)) == NULL)
			abort();
		memcpy(c, s, n);
		c[n] = '\0';
		memset(&e, 0, sizeof(e));
		rc = users_check_name(c, 1, &e);
		/* A name the check lets through is what users.c stores. */
		if (rc == 0)
			FUZZ_CHECK(strlen(c) <= USER_NAME_MAX &&
			    ref_name((unsigned char *)c, strlen(c)));
		else
			FUZZ_CHECK(e.code == APIERR_INVALID ||
			    e.code == APIERR_EMPTY_VALUE);
		free(c);
		return 0;
	}
	if (n < 16)
		return 0;
	memcpy(&min, s, sizeof(min));
	memcpy(&max, s + 8, sizeof(max));
	/* Small bounds half the time, so the range checks get exercised. */
	if (data[0] & 2) {
		min %= 100000;
		max %= 100000;
	}
	if (min > max) {
		got = min;
		min = max;
		max = got;
	}
	if ((c = malloc(n - 16 + 1)) == NULL)
		abort();
	memcpy(c, s + 16, n - 16);
	c[n - 16] = '\0';
	got = want = 12345;
	rc = util_parse_ll(c, min, max, &got);
	FUZZ_CHECK(rc == ref_parse_ll(c, min, max, &want));
	if (rc == 0)
		FUZZ_CHECK(got == want);
	free(c);
	return 0;
}
