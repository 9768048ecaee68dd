/*
 * util.h -- small parsers shared by the layers: bounded integers and UTF-8
 * validity, of any text and of names.
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

#endif
