/*
 * fuzz_perm.c -- the permission text "read:orgs/<org>/buckets/<id>", as
 * stored in PostgreSQL and read back for every request.  What perm_parse
 * accepts must format back to text that parses to the same permission,
 * and a permission always grants itself.  The input, all its bytes, is
 * also a token's list (perm_list_parse): it keeps exactly the words,
 * split at spaces here apart, that are shorter than PERM_STR_MAX, hold no
 * NUL and perm_parse takes, in order; the list formats back to a text
 * that parses to the same list.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "perm.c"


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* perm_list_parse against the words of text, split by hand. */
static void
check_list(const char *text, size_t len)
{
	struct perm	*out, *back, want;
	char		*word, *fmt, *again;
	size_t		 n, bad, nback, badback, i, w, k = 0, nbad = 0;

	n = perm_list_max(text, len);
	if ((out = calloc(n, sizeof(*out))) == NULL ||
	    (back = calloc(n, sizeof(*back))) == NULL ||
	    (word = malloc(len + 1)) == NULL)
		abort();
	n = perm_list_parse(text, len, out, &bad);
	for (i = 0; i < len; i += w) {
		if (text[i] == ' ') {
			w = 1;
			continue;
		}
		for (w = 0; i + w < len && text[i + w] != ' '; w++)
			;
		memcpy(word, text + i, w);
		word[w] = '\0';
		if (w < PERM_STR_MAX && strlen(word) == w &&
		    perm_parse(word, &want) == 0) {
			FUZZ_CHECK(k < n && memcmp(&out[k], &want,
			    sizeof(want)) == 0);
			k++;
		} else
			nbad++;
	}
	FUZZ_CHECK(k == n && nbad == bad);
	if ((fmt = malloc(PERM_LIST_SIZE(n))) == NULL ||
	    (again = malloc(PERM_LIST_SIZE(n))) == NULL)
		abort();
	perm_list_format(out, n, fmt);
	FUZZ_CHECK(strlen(fmt) < PERM_LIST_SIZE(n));
	nback = perm_list_parse(fmt, strlen(fmt), back, &badback);
	FUZZ_CHECK(nback == n && badback == 0);
	FUZZ_CHECK(n == 0 || memcmp(out, back, n * sizeof(*out)) == 0);
	FUZZ_CHECK(strcmp(perm_list_format(back, nback, again), fmt) == 0);
	free(out);
	free(back);
	free(word);
	free(fmt);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perm	 p, back;
	char		*s, buf[PERM_STR_MAX], again[PERM_STR_MAX];
	int		 n;

	check_list((const char *)data, size);
	/* perm_parse takes a C string: the input ends at its first NUL. */
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
