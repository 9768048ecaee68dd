/*
 * ids.c -- the ID codec of kit/platform/id.go: length first, then hex, then
 * non-zero.
 */
#include <ctype.h>
#include <string.h>

#include "ids.h"
#include "banned.h"

int
id_parse(const char *s, struct idstr *out, const char *prefix,
    struct apierr *e)
{
	const char	*pre = prefix ? prefix : "";
	const char	*sep = prefix ? ": " : "";
	size_t		 i;
	int		 nonzero = 0;

	if (s == NULL || strlen(s) != ID_LEN)
		return apierr_set(e, APIERR_INVALID,
		    "%s%sid must have a length of 16 bytes", pre, sep);
	for (i = 0; i < ID_LEN; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isxdigit(c))
			return apierr_set(e, APIERR_INVALID, "%s%sinvalid ID",
			    pre, sep);
		if (c != '0')
			nonzero = 1;
		out->s[i] = (char)tolower(c);
	}
	out->s[ID_LEN] = '\0';
	if (!nonzero)
		return apierr_set(e, APIERR_INVALID, "%s%sinvalid ID", pre,
		    sep);
	return 0;
}

int
id_is_canonical(const char *s)
{
	struct idstr	 id;
	struct apierr	 e;

	return id_parse(s, &id, NULL, &e) == 0 && strcmp(id.s, s) == 0;
}
