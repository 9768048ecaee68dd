/*
 * fuzz_ids.c -- the ID codec (path segments, query values, JSON fields):
 * exactly 16 hex digits, not all zero, lowered; canonical means lower case
 * already.  Checked against the definition, not against the code.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "ids.c"


/* The definition of a valid ID, written out independently. */
static int
want_valid(const char *s, int *lower)
{
	size_t	 i;
	int	 nonzero = 0;

	*lower = 1;
	if (strlen(s) != ID_LEN)
		return 0;
	for (i = 0; i < ID_LEN; i++) {
		if (s[i] >= 'A' && s[i] <= 'F')
			*lower = 0;
		else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
		if (s[i] != '0')
			nonzero = 1;
	}
	return nonzero;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idstr	 id;
	struct apierr	 e;
	char		*s;
	size_t		 i;
	int		 rc, lower, valid;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&e, 0, sizeof(e));
	valid = want_valid(s, &lower);
	rc = id_parse(s, &id, size % 2 ? "decoding after" : NULL, &e);
	FUZZ_CHECK((rc == 0) == valid);
	if (rc == 0) {
		FUZZ_CHECK(strlen(id.s) == ID_LEN);
		for (i = 0; i < ID_LEN; i++)
			FUZZ_CHECK(id.s[i] == s[i] || id.s[i] == s[i] + 32);
		FUZZ_CHECK(id_is_canonical(id.s));
	} else {
		FUZZ_CHECK(e.code == APIERR_INVALID);
		FUZZ_CHECK(strlen(e.msg) < sizeof(e.msg));
	}
	FUZZ_CHECK(id_is_canonical(s) == (valid && lower));
	free(s);
	return 0;
}
