/*
 * util.h -- small parsers shared by the layers: bounded integers, UTF-8
 * validity of any text and of names, and client addresses as limit keys.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>

/*
 * Parses a whole decimal integer in [min, max] (strtonum-style): no sign
 * other than '-', no spaces, no trailing bytes.  Returns 0 and sets *out, or
 * -1 when s is not such a number.
 */
int	util_parse_ll(const char *s, long long min, long long max,
	    long long *out);
/* 1 when the n bytes at s are valid UTF-8 without NUL, else 0. */
int	util_utf8_valid(const char *s, size_t n);
/*
 * 1 when the n bytes at s are valid UTF-8 fit for a user or org name: no
 * C0 or C1 control, DEL, U+2028/U+2029, bidi override or isolate
 * (U+202A-U+202E, U+2066-U+2069) or surrogate; else 0.
 */
int	util_name_valid(const char *s, size_t n);
/*
 * The key the sign-in limits count a client address under, into out
 * (UTIL_ADDR_KEY_MAX bytes): an IPv4 address as itself, an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) as that IPv4 address, any other IPv6
 * address as its prefix of v6bits (1-128) bits, "2001:db8:1:2::/64".
 * Returns 1 for an IPv6 prefix, 0 for an IPv4 address, -1 (out empty)
 * for anything else.
 */
#define UTIL_ADDR_KEY_MAX	64
int	util_addr_key(const char *addr, int v6bits,
	    char out[UTIL_ADDR_KEY_MAX]);

#endif
