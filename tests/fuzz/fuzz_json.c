/*
 * fuzz_json.c -- every JSON decoder a handler uses.  The first byte picks
 * the decoder; the rest is the body.  What a decoder accepts must be what
 * the rest of the program assumes: strings valid UTF-8 without NUL (and
 * without a U+FFFD the body did not spell: no lone surrogate), ids
 * canonical, permissions that format and parse back to themselves; and a
 * decoded user must survive json.c's own encoder and decode unchanged.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "json.c"


static struct arena	*A;

/* The body of the input being decoded. */
static const char	*in_body;
static size_t		 in_len;

/*
 * 1 when the body spells U+FFFD itself, raw or as an escape: only then may
 * a decoded string hold it (json-c would make a lone surrogate into one).
 */
static int
body_has_fffd(void)
{
	size_t	 i;

	for (i = 0; i + 2 < in_len; i++)
		if (memcmp(in_body + i, "\xef\xbf\xbd", 3) == 0 ||
		    (i + 5 < in_len && in_body[i] == '\\' &&
		    in_body[i + 1] == 'u' &&
		    strncasecmp(in_body + i + 2, "fffd", 4) == 0))
			return 1;
	return 0;
}

/* NULL, or a NUL-terminated valid UTF-8 string. */
static void
check_str(const char *s)
{
	if (s == NULL)
		return;
	FUZZ_CHECK(util_utf8_valid(s, strlen(s)));
	if (strstr(s, "\xef\xbf\xbd") != NULL)
		FUZZ_CHECK(body_has_fffd());
}

static int
same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void
user_roundtrip(const struct user_in *in)
{
	struct user	 u;
	struct user_in	 back;
	struct apierr	 e;
	const char	*text;

	/* Ids come from PostgreSQL, canonical: user_write links them raw. */
	memset(&u, 0, sizeof(u));
	u.id = "00000000000000a1";
	u.name = in->name;
	u.status = in->status;
	text = json_user_encode(A, &u);
	FUZZ_CHECK(json_user_decode(A, text, strlen(text), &back, &e) == 0);
	/* The encoder writes "" for an absent name, and leaves out an absent
	 * status (a user the caller may not read: docs/compatibility.md). */
	FUZZ_CHECK(same(back.id, u.id));
	FUZZ_CHECK(same(back.name, in->name ? in->name : ""));
	FUZZ_CHECK(same(back.status, in->status));
}

static void
check_perm(const struct perm *p)
{
	struct perm	 back;
	char		 buf[PERM_STR_MAX];

	FUZZ_CHECK(p->action >= 0 && p->action < ACT__MAX);
	FUZZ_CHECK(p->type >= 0 && p->type < RT__MAX);
	FUZZ_CHECK(p->id[0] == '\0' || id_is_canonical(p->id));
	FUZZ_CHECK(p->org[0] == '\0' || id_is_canonical(p->org));
	/* tokens.c stores the text form: it must read back the same. */
	FUZZ_CHECK(perm_parse(perm_format(p, buf), &back) == 0);
	FUZZ_CHECK(memcmp(&back, p, sizeof(back)) == 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	A = arena_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct user_in	 u;
	struct setup_in	 s;
	struct authz_in	 z;
	struct org_in	 o;
	struct apierr	 e;
	const char	*body, *id, *name;
	char		*pw;
	size_t		 i, len;

	if (size < 1)
		return 0;
	/* An exact-size copy, so ASan sees a read past the body. */
	len = size - 1;
	body = len > 0 ? memcpy(arena_alloc(A, len), data + 1, len) : NULL;
	in_body = body;
	in_len = len;
	memset(&e, 0, sizeof(e));
	switch (data[0] % 7) {
	case 0:
		if (json_user_decode(A, body, len, &u, &e) == 0) {
			check_str(u.id);
			check_str(u.name);
			check_str(u.status);
			FUZZ_CHECK(u.has_name == (u.name != NULL));
			user_roundtrip(&u);
		}
		break;
	case 1:
		if (json_password_decode(A, body, len, &pw, &e) == 0)
			check_str(pw);
		break;
	case 2:
		if (json_setup_decode(A, body, len, &s, &e) == 0) {
			check_str(s.username);
			check_str(s.password);
			check_str(s.org);
			check_str(s.bucket);
			check_str(s.token);
			FUZZ_CHECK(s.retention >= 0);
		}
		break;
	case 3:
	case 4:
		if (json_authz_decode(A, body, len, data[0] % 7 == 3, &z,
		    &e) == 0) {
			check_str(z.status);
			check_str(z.description);
			check_str(z.org_id);
			check_str(z.user_id);
			FUZZ_CHECK(z.nperms <= 256);
			for (i = 0; i < z.nperms; i++)
				check_perm(&z.perms[i]);
		}
		break;
	case 5:
		if (json_org_decode(A, body, len, &o, &e) == 0) {
			check_str(o.name);
			check_str(o.description);
		}
		break;
	case 6:
		if (json_member_decode(A, body, len, &id, &name, &e) == 0) {
			check_str(id);
			check_str(name);
		}
		break;
	}
	/* Every refusal is a 400 `invalid` (or internal when out of memory). */
	if (e.code != APIERR_OK)
		FUZZ_CHECK(e.code == APIERR_INVALID);
	arena_reset(A);
	return 0;
}
