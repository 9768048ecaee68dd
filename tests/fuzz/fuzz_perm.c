/*
 * fuzz_perm.c -- the permission text "read:orgs/<org>/buckets/<id>", as
 * stored in PostgreSQL and read back for every request.  What perm_parse
 * accepts must format back to text that parses to the same permission,
 * and a permission always grants itself.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "perm.c"


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perm	 p, back;
	char		*s, buf[PERM_STR_MAX], again[PERM_STR_MAX];
	int		 n;

	/* The stored text is a C string: the input ends at its first NUL. */
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if ((n = perm_action_parse(s)) != -1)
		FUZZ_CHECK(strcmp(perm_action_name(n), s) == 0);
	if ((n = perm_type_parse(s)) != -1)
		FUZZ_CHECK(strcmp(perm_type_name(n), s) == 0);
	if (perm_parse(s, &p) == 0) {
		FUZZ_CHECK(p.action >= 0 && p.action < ACT__MAX);
		FUZZ_CHECK(p.type >= 0 && p.type < RT__MAX);
		FUZZ_CHECK(p.id[0] == '\0' || id_is_canonical(p.id));
		FUZZ_CHECK(p.org[0] == '\0' || id_is_canonical(p.org));
		perm_format(&p, buf);
		FUZZ_CHECK(strlen(buf) < PERM_STR_MAX);
		FUZZ_CHECK(perm_parse(buf, &back) == 0);
		FUZZ_CHECK(memcmp(&p, &back, sizeof(p)) == 0);
		FUZZ_CHECK(strcmp(perm_format(&back, again), buf) == 0);
		FUZZ_CHECK(perm_matches(&p, &p));
	}
	free(s);
	return 0;
}
