/*
 * ids.h -- InfluxDB IDs: 64-bit, never 0, written as exactly 16 lowercase hex
 * digits.  IDs travel through this program in that text form (struct id_text)
 * and are stored so in PostgreSQL, where the database generates new ones.
 */
#ifndef IDS_H
#define IDS_H

#include "err.h"

#define ID_LEN	16

struct idstr {
	char	s[ID_LEN + 1];
};

/*
 * Parses s as an ID.  Upper-case hex is accepted (as InfluxDB does) and the
 * result is lower case.  On failure sets e to 400 `invalid` with InfluxDB's
 * message ("id must have a length of 16 bytes" or "invalid ID"), prefixed
 * with prefix when it is not NULL, and returns -1; 0 on success.
 */
int	id_parse(const char *s, struct idstr *out, const char *prefix,
	    struct apierr *e);
/* 1 when s is a canonical (lowercase, non-zero) ID, else 0. */
int	id_is_canonical(const char *s);

#endif
