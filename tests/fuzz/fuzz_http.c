/*
 * fuzz_http.c -- the request as a FastCGI worker builds it: parameters,
 * then a body under the limit.  Input: "NAME=value" lines up to an empty
 * line, then the body; the first byte is the largest read the transport
 * returns (1..256 bytes: bodies arrive in pieces).  Checks the bounds the
 * rest of the program relies on, that query keys and values are UTF-8,
 * that no response header can be split, and the cross-site rule of csrf.c
 * on the same request (Origin, Host, Sec-Fetch-Site, Content-Type and
 * -Length as the client sent them).
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "http.c"
#include "csrf.h"


#define MAXP	32

struct fake {
	const char	*name[MAXP], *val[MAXP];
	size_t		 n;
	const uint8_t	*body;
	size_t		 len, off, chunk;
	char		*out;
	size_t		 outlen;
};

static struct cfg	 cfg;
static struct arena	*A;

static const char *
fake_param(void *ctx, const char *name)
{
	struct fake	*f = ctx;
	size_t		 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->val[i];
	return NULL;
}

static long
fake_read(void *ctx, char *buf, size_t n)
{
	struct fake	*f = ctx;

	if (n > f->len - f->off)
		n = f->len - f->off;
	if (n > f->chunk)
		n = f->chunk;
	memcpy(buf, f->body + f->off, n);
	f->off += n;
	return (long)n;
}

static int
fake_write(void *ctx, const char *buf, size_t n)
{
	struct fake	*f = ctx;

	f->out = arena_strndup(A, buf, n);
	f->outlen = n;
	return 0;
}

/* Every header line ends in CR LF, and no CR or LF stands alone. */
static void
check_headers(const char *out, size_t len)
{
	const char	*end = memmem(out, len, "\r\n\r\n", 4);
	const char	*p;

	FUZZ_CHECK(end != NULL);
	for (p = out; p < end; p++) {
		if (*p == '\r')
			FUZZ_CHECK(p[1] == '\n');
		if (*p == '\n')
			FUZZ_CHECK(p > out && p[-1] == '\r');
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 err[256];

	log_level = LOG_LVL_ERROR;
	if (cfg_load(&cfg, NULL, err, sizeof(err)) == -1)
		abort();
	/* The smallest limit the config allows: inputs reach past it. */
	cfg.body_limit = 1024;
	/* CORS headers are written for these, from the client's bytes. */
	free(cfg.allowed_origins);
	cfg.allowed_origins = strdup("https://app.example:8443 http://[::1]");
	A = arena_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hdrs[] = {
		"Authorization", "Cookie", "Origin", "Content-Type",
		"Zap-Trace-Span", "X-Forwarded-For",
	};
	static const char *const keys[] = {
		"limit", "offset", "after", "id", "name", "orgID", "userID",
		"descending", "",
	};
	struct fake	 f;
	struct req_io	 io;
	struct req	 r;
	struct apierr	 e;
	const uint8_t	*p, *end = data + size, *nl;
	const char	*eq, *cookie;
	long long	 cl;
	size_t		 i;
	int		 count;

	if (size < 1)
		return 0;
	memset(&f, 0, sizeof(f));
	f.chunk = (size_t)data[0] + 1;
	/* Parameters are C strings, as libfcgi hands them over. */
	for (p = data + 1; p < end && *p != '\n'; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (f.n < MAXP) {
			char *line = arena_strndup(A, (const char *)p,
			    (size_t)(nl - p));

			if ((eq = strchr(line, '=')) != NULL) {
				line[eq - line] = '\0';
				f.name[f.n] = line;
				f.val[f.n++] = eq + 1;
			}
		}
		if (nl == end)
			break;
	}
	if (p < end && *p == '\n')
		p++;
	f.body = p < end ? p : end;
	f.len = (size_t)(end - f.body);

	io.ctx = &f;
	io.param = fake_param;
	io.read = fake_read;
	io.write = fake_write;
	memset(&e, 0, sizeof(e));
	if (http_req_init(&r, A, &cfg, &io, &e) == -1) {
		FUZZ_CHECK(e.code == APIERR_INVALID);
		http_send_error(&r, &e);
		check_headers(f.out, f.outlen);
		goto out;
	}
	FUZZ_CHECK(r.path != NULL && r.path[0] != '\0');
	FUZZ_CHECK(r.nsegs <= HTTP_MAX_SEGS && r.nquery <= HTTP_MAX_QUERY);
	for (i = 0; i < r.nsegs; i++)
		FUZZ_CHECK(r.segs[i] != NULL && r.segs[i][0] != '\0');
	/* Handlers read query keys and values as UTF-8 C strings. */
	for (i = 0; i < r.nquery; i++)
		FUZZ_CHECK(util_utf8_valid(r.query[i].key,
		    strlen(r.query[i].key)) && util_utf8_valid(r.query[i].val,
		    strlen(r.query[i].val)));
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		(void)http_header(&r, hdrs[i]);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		(void)http_query(&r, keys[i]);
	cookie = http_cookie(&r, HTTP_SESSION_COOKIE, &count);
	FUZZ_CHECK((cookie == NULL) == (count == 0));

	/* Safe methods always pass; a refusal is one of the two errors. */
	if (csrf_check(&r, &e) == -1)
		FUZZ_CHECK(strcmp(r.method, "GET") != 0 &&
		    (e.code == APIERR_FORBIDDEN ||
		    e.code == APIERR_UNSUPPORTED_MEDIA));
	memset(&e, 0, sizeof(e));
	if (http_read_body(&r, &e) == 0) {
		FUZZ_CHECK((long long)r.body_len <= cfg.body_limit);
		FUZZ_CHECK(r.body[r.body_len] == '\0');
		FUZZ_CHECK(memcmp(r.body, f.body, r.body_len) == 0);
		eq = fake_param(&f, "CONTENT_LENGTH");
		if (eq != NULL && *eq != '\0' &&
		    util_parse_ll(eq, 0, 0x7fffffffffffffffLL, &cl) == 0)
			FUZZ_CHECK((long long)r.body_len == cl);
		http_send_json(&r, 200, "{}");
	} else {
		FUZZ_CHECK(e.code == APIERR_INVALID ||
		    e.code == APIERR_TOO_LARGE);
		http_send_error(&r, &e);
	}
	check_headers(f.out, f.outlen);
out:
	arena_reset(A);
	return 0;
}
