/*
 * util.c -- strtonum-style integer parsing and UTF-8 validation (json-c
 * validates JSON text, but names also arrive in query strings and headers).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/*
 * Code points a name must not hold: they reorder or break the text around
 * a name wherever it is shown (logs, UIs, the terminal of usersctl), so
 * "admin\u202egnp.exe" could pass for another name.  Surrogates cannot be
 * decoded from valid UTF-8; they are listed for completeness.
 */
static const struct {
	unsigned int	 lo, hi;
} forbidden[] = {
	{ 0x0000, 0x001f },	/* C0 controls */
	{ 0x007f, 0x009f },	/* DEL and C1 controls */
	{ 0x2028, 0x2029 },	/* line and paragraph separators */
	{ 0x202a, 0x202e },	/* bidi embeddings and overrides */
	{ 0x2066, 0x2069 },	/* bidi isolates */
	{ 0xd800, 0xdfff },	/* surrogates */
};

int
util_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Decodes the code point at s[*i] into *cp and moves *i past it.  Returns
 * 0, or -1 at a NUL byte or at bytes that are not UTF-8 (overlong forms,
 * surrogates, values past U+10FFFF, cut sequences).
 */
static int
utf8_next(const unsigned char *s, size_t n, size_t *i, unsigned int *cp)
{
	unsigned char	 c = s[*i];
	size_t		 len, k;

	if (c == 0)
		return -1;
	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		*cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		*cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		*cp = c & 0x07;
	} else
		return -1;
	if (len > n - *i)
		return -1;
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		*cp = (*cp << 6) | (s[*i + k] & 0x3f);
	}
	if ((len == 2 && *cp < 0x80) || (len == 3 && *cp < 0x800) ||
	    (len == 4 && *cp < 0x10000) || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return -1;
	*i += len;
	return 0;
}

int
util_utf8_valid(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0;
	unsigned int		 cp;

	while (i < n)
		if (utf8_next(s, n, &i, &cp) == -1)
			return 0;
	return 1;
}

int
util_name_valid(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, k;
	unsigned int		 cp;

	while (i < n) {
		if (utf8_next(s, n, &i, &cp) == -1)
			return 0;
		for (k = 0; k < sizeof(forbidden) / sizeof(forbidden[0]); k++)
			if (cp >= forbidden[k].lo && cp <= forbidden[k].hi)
				return 0;
	}
	return 1;
}

/*
 * One host holds a whole IPv6 /64 (and often a /48): counted per address,
 * it could spray guesses from 2^64 of them.  An IPv4-mapped address is the
 * IPv4 host it names, whichever socket family the web server used.
 */
int
util_addr_key(const char *addr, int v6bits, char out[UTIL_ADDR_KEY_MAX])
{
	unsigned char	 b[sizeof(struct in6_addr)];
	char		 text[INET6_ADDRSTRLEN];
	int		 i;

	out[0] = '\0';
	if (inet_pton(AF_INET, addr, b) == 1) {
		if (inet_ntop(AF_INET, b, out, UTIL_ADDR_KEY_MAX) == NULL)
			return -1;
		return 0;
	}
	if (v6bits < 1 || v6bits > 128 || inet_pton(AF_INET6, addr, b) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)b)) {
		if (inet_ntop(AF_INET, b + 12, out, UTIL_ADDR_KEY_MAX) == NULL)
			return -1;
		return 0;
	}
	for (i = 0; i < 16; i++)
		if (i * 8 >= v6bits)
			b[i] = 0;
		else if (i * 8 + 8 > v6bits)
			b[i] &= (unsigned char)(0xff << (8 - v6bits % 8));
	if (inet_ntop(AF_INET6, b, text, sizeof(text)) == NULL)
		return -1;
	snprintf(out, UTIL_ADDR_KEY_MAX, "%s/%d", text, v6bits);
	return 1;
}
