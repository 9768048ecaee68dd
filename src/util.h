/*
 * util.h -- small parsers shared by the layers: bounded integers and UTF-8
 * validity.
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
/* 1 when s holds a C0 control character or DEL, else 0. */
int	util_has_control(const char *s, size_t n);

#endif
