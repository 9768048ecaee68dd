/*
 * fuzz_auth.c -- the credentials of a request: the Authorization header
 * (Token, Bearer, Basic) and the session cookie.  Input: the Authorization
 * value, then a newline and the Cookie value.  credentials() must pick at
 * most one credential and only a well-formed one; auth_basic must split
 * exactly the decoded bytes.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "auth.c"


static struct cfg	 cfg;
static struct arena	*A;
static const char	*hdr_auth, *hdr_cookie;

static const char *
fake_param(void *ctx, const char *name)
{
	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return hdr_auth;
	if (strcmp(name, "HTTP_COOKIE") == 0)
		return hdr_cookie;
	if (strcmp(name, "REQUEST_URI") == 0)
		return "/api/v2/me";
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 err[256];

	log_level = LOG_LVL_ERROR;
	if (cfg_load(&cfg, NULL, err, sizeof(err)) == -1)
		abort();
	A = arena_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_io	 io = { NULL, fake_param, NULL, NULL };
	struct req	 r;
	struct apierr	 e;
	const char	*nl, *token, *session;
	char		*in, *user, *pw;
	size_t		 pwlen;

	/* Header values are C strings: the input ends at its first NUL. */
	in = arena_strndup(A, (const char *)data, size);
	hdr_auth = in;
	hdr_cookie = NULL;
	if ((nl = strchr(in, '\n')) != NULL) {
		in[nl - in] = '\0';
		hdr_cookie = nl + 1;
	}
	if (http_req_init(&r, A, &cfg, &io, &e) == -1)
		abort();

	if (credentials(&r, &token, &session) == 0) {
		FUZZ_CHECK((token == NULL) != (session == NULL));
		FUZZ_CHECK(valid_cred(token != NULL ? token : session));
		if (token != NULL)
			FUZZ_CHECK(token >= hdr_auth &&
			    token < hdr_auth + strlen(hdr_auth));
	}

	if (auth_basic(&r, &user, &pw, &pwlen) == 0) {
		FUZZ_CHECK(user != NULL && pw != NULL);
		FUZZ_CHECK(strchr(user, ':') == NULL);
		/* The password is all that follows the colon, NUL-free. */
		FUZZ_CHECK(strlen(pw) == pwlen);
		FUZZ_CHECK(strlen(user) + 1 + pwlen <= 1024);
		crypto_wipe(pw, pwlen);
	} else
		FUZZ_CHECK(user == NULL && pw == NULL && pwlen == 0);
	arena_reset(A);
	return 0;
}
