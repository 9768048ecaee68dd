/*
 * fuzz_request.c -- a whole request through the router, the handlers, the
 * services and the policy, over fakedb.c's world (the typed database layer
 * faked; nothing else is).  The input reads like HTTP:
 *
 *	!fail 3 1		optional lines first: the 3rd database call
 *	!empty			fails with class 1 (fakedb_fail); an instance
 *	!https			not set up yet; a request over HTTPS
 *	PATCH /api/v2/users/$U2?x=1
 *	Authorization: Token $T1
 *	Content-Type: application/json
 *
 *	{"name":"bobby"}
 *
 * Headers become CGI parameters (HTTP_*, CONTENT_TYPE, CONTENT_LENGTH;
 * the body's length unless one is given).  $T0..$T6 stand for the
 * world's tokens, $S0..$S5 its session cookies, $B0..$B5 users' Basic
 * credentials (base64 of name:password), and $U $N $O $A $I for user ids
 * and names, org ids, token ids and session ids (fakedb_name), so that
 * mutations reach past authentication.
 *
 * The oracle (check_*) aborts when
 *  - a write ran for a request without the credential it needs: a valid
 *    token or session (and it is the write's actor), a read-only token
 *    wrote, a user that is no instance owner wrote another user or an org
 *    it does not own, a sign-in without the user's password, a sign-out
 *    without the session's cookie, a setup of an instance that has users;
 *  - a request that failed changed something (no database failure
 *    injected), or answered 500/503 without one;
 *  - the response is not one well-formed CGI response: JSON with
 *    "application/json; charset=utf-8", an error as {"code","message"}
 *    with its X-Platform-Error-Code; or a 204 without a body; or
 *    /metrics' text;
 *  - an error message holds internal text (SQL, SQLSTATE, a path, a
 *    format directive, a pointer) that the request did not send itself;
 *  - any response holds a secret of the world (a token, a cookie, a
 *    password, or a hash of one) that the request did not send itself.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

/* fuzz.h first: banned.h, through the headers below, breaks later ones. */
#include "fuzz.h"

#include "auth.h"
#include "cfg.h"
#include "crypto.h"
#include "fakedb.h"
#include "health.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "password.h"
#include "router.h"

#define MAXP		40
#define JSON_CTYPE	"application/json; charset=utf-8"
#define PROM_CTYPE	"text/plain; version=0.0.4; charset=utf-8"
#define ADDR		"192.0.2.7"

struct fake {
	const char	*name[MAXP], *val[MAXP];
	size_t		 n;
	const char	*body;
	size_t		 len, off;
	char		*out;
	size_t		 outlen;
	int		 writes;
};

/* The request as the harness sent it, for the oracle. */
struct sent {
	const char	*input;		/* expanded */
	const char	*decoded;	/* ... and percent-decoded */
	const char	*body_strings;	/* the JSON body's strings, if any */
	int		 empty;		/* !empty */
	unsigned	 fail_at, fail_cls;	/* !fail */
	const char	*basic_pw;	/* the Basic password, or NULL */
	size_t		 basic_len;
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
	f->writes++;
	return 0;
}

static void
set_param(struct fake *f, const char *name, const char *val)
{
	if (f->n < MAXP) {
		f->name[f->n] = name;
		f->val[f->n++] = val;
	}
}

static char *
b64(struct arena *a, const char *s)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t		 n = strlen(s), i, o = 0;
	char		*out = arena_alloc(a, 4 * (n / 3 + 1) + 1);

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 |
		    (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);

		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = i + 1 < n ? al[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? al[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* The input with its $X<digit> names replaced (NUL-terminated). */
static char *
expand(const uint8_t *data, size_t size)
{
	struct abuf	 b;
	const char	*v;
	size_t		 i;

	abuf_init(&b, A, size * 2 + 64);
	for (i = 0; i < size; i++) {
		v = NULL;
		if (data[i] == '$' && i + 2 < size) {
			/* Any byte after the kind picks one: mutations move
			 * from one credential or id to another in a step. */
			unsigned k = (unsigned char)(data[i + 2] - '0');

			if (data[i + 1] == 'B') {
				const char *p = fakedb_name('P', k);

				v = b64(A, arena_printf(A, "%s:%s",
				    fakedb_name('N', k), p ? p : ""));
			} else
				v = fakedb_name((char)data[i + 1], k);
		}
		if (v != NULL) {
			abuf_adds(&b, v);
			i += 2;
		} else
			abuf_add(&b, &data[i], 1);
	}
	abuf_add(&b, "", 1);
	return b.data;
}

/* "Some-Header" as CGI names it. */
static const char *
cgi_name(const char *h)
{
	char	*s;
	size_t	 i;

	if (strcasecmp(h, "Content-Type") == 0)
		return "CONTENT_TYPE";
	if (strcasecmp(h, "Content-Length") == 0)
		return "CONTENT_LENGTH";
	s = arena_printf(A, "HTTP_%s", h);
	for (i = 5; s[i] != '\0'; i++)
		s[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
	return s;
}

/* Every string (and key) of a JSON value, space-separated. */
static void
json_strings(struct json_object *o, struct abuf *b)
{
	size_t	 i;

	switch (json_object_get_type(o)) {
	case json_type_string:
		abuf_printf(b, "%s ", json_object_get_string(o));
		break;
	case json_type_array:
		for (i = 0; i < json_object_array_length(o); i++)
			json_strings(json_object_array_get_idx(o, i), b);
		break;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			abuf_printf(b, "%s ", k);
			json_strings(v, b);
		}
		break;
	}
	default:
		break;
	}
}

/* Parses s whole as JSON: the value, or NULL. */
static struct json_object *
json_whole(const char *s, size_t len)
{
	struct json_tokener	*tok = json_tokener_new();
	struct json_object	*o;

	if (tok == NULL)
		abort();
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Builds the request from the input; 0, or -1 when it names no request. */
static int
build(char *in, struct fake *f, struct sent *s)
{
	char		*line, *next, *sp, *colon, *dec;
	const char	*cl = NULL, *h;
	struct json_object *o;
	struct abuf	 b;
	int		 first = 1;

	memset(f, 0, sizeof(*f));
	memset(s, 0, sizeof(*s));
	s->input = arena_strdup(A, in);	/* in is cut into lines below */
	for (line = in; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0' && !first)
			break;
		if (line[0] == '!') {
			if (strcmp(line, "!empty") == 0)
				s->empty = 1;
			else if (strcmp(line, "!https") == 0)
				set_param(f, "HTTPS", "on");
			else
				(void)sscanf(line, "!fail %u %u", &s->fail_at,
				    &s->fail_cls);
			continue;
		}
		if (first) {
			if ((sp = strchr(line, ' ')) == NULL)
				return -1;
			*sp = '\0';
			set_param(f, "REQUEST_METHOD", line);
			set_param(f, "REQUEST_URI", sp + 1);
			first = 0;
			continue;
		}
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		set_param(f, cgi_name(line), colon);
		if (strcasecmp(line, "Content-Length") == 0)
			cl = colon;
	}
	if (first)
		return -1;
	f->body = next != NULL ? next : "";
	f->len = strlen(f->body);
	if (cl == NULL && f->len > 0)
		set_param(f, "CONTENT_LENGTH", arena_printf(A, "%zu", f->len));
	set_param(f, "REMOTE_ADDR", ADDR);

	/* What the request carried, as the oracle needs it. */
	dec = arena_strdup(A, s->input);
	http_unescape(dec, 0);
	s->decoded = dec;
	abuf_init(&b, A, 256);
	if ((o = json_whole(f->body, f->len)) != NULL) {
		json_strings(o, &b);
		json_object_put(o);
	}
	s->body_strings = b.data;
	if ((h = fake_param(f, "HTTP_AUTHORIZATION")) != NULL &&
	    strncasecmp(h, "Basic ", 6) == 0) {
		unsigned char	*raw = arena_alloc(A, strlen(h));
		long		 n;
		char		*c;

		while (h[6] == ' ')
			h++;
		if ((n = crypto_b64_decode(h + 6, strlen(h + 6), raw)) > 0 &&
		    (c = memchr(raw, ':', (size_t)n)) != NULL) {
			s->basic_pw = c + 1;
			s->basic_len = (size_t)n - (size_t)(c + 1 - (char *)raw);
		}
	}
	return 0;
}

/* ---- The oracle ------------------------------------------------------ */

static int
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* 1 when the request sent t itself (in any of its spellings). */
static int
sent_it(const struct sent *s, const char *t)
{
	return has(s->input, t) || has(s->decoded, t) ||
	    has(s->body_strings, t);
}

/*
 * Internal text in an error message: SQL and PostgreSQL's words, a
 * SQLSTATE, source and system paths, format directives, pointers.
 */
static void
check_leak(const struct sent *s, const char *msg)
{
	static const char *const words[] = {
		"SELECT", "INSERT", "UPDATE ", "DELETE FROM", "WHERE ",
		"SQLSTATE", "ERROR:", "DETAIL:", "pg_", "PQ", "libpq",
		"relation \"", "violates", "duplicate key", "syntax error",
		"usersd_", ".c:", "/src/", "/build/", "/usr/", "/tmp/",
		"/home/", "/run/", "%s", "%d", "%z", "%l", "%p", "0x",
		"(nil)", "(null)",
	};
	const char	*p;
	size_t		 i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(msg, words[i]) != NULL && !sent_it(s, words[i])) {
			fprintf(stderr, "leak: \"%s\" in \"%s\"\n", words[i],
			    msg);
			FUZZ_CHECK(!"an error message leaks internal text");
		}
	/* A SQLSTATE on its own: five of [0-9A-Z], two digits or more. */
	for (p = msg; *p != '\0'; p++) {
		char	 code[6];
		size_t	 digits = 0;

		if (p != msg && isalnum((unsigned char)p[-1]))
			continue;
		for (n = 0; n < 6 && (isdigit((unsigned char)p[n]) ||
		    isupper((unsigned char)p[n])); n++)
			digits += isdigit((unsigned char)p[n]) != 0;
		if (n != 5 || digits < 2 || isalnum((unsigned char)p[5]))
			continue;
		memcpy(code, p, 5);
		code[5] = '\0';
		if (!sent_it(s, code)) {
			fprintf(stderr, "leak: \"%s\" in \"%s\"\n", code, msg);
			FUZZ_CHECK(!"an error message leaks a SQLSTATE");
		}
	}
}

/* The value of response header name (its line up to CR), or NULL. */
static const char *
header(const char *out, const char *end, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p, *eol;

	for (p = out; p < end; p = eol + 2) {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return arena_strndup(A, p + n + 2,
			    (size_t)(eol - p - (long)n - 2));
	}
	return NULL;
}

/* One well-formed response; returns its status. */
static int
check_response(const struct req *r, const struct fake *f,
    const struct sent *s)
{
	const char	*end, *p, *ctype, *len, *code_hdr, *body;
	const char	*secret;
	struct json_object *o, *code, *msg;
	size_t		 blen, i;
	int		 status;

	FUZZ_CHECK(f->writes == 1 && f->out != NULL);
	FUZZ_CHECK(strncmp(f->out, "Status: ", 8) == 0);
	status = (int)strtol(f->out + 8, NULL, 10);
	FUZZ_CHECK(status >= 200 && status <= 599);
	end = memmem(f->out, f->outlen, "\r\n\r\n", 4);
	FUZZ_CHECK(end != NULL);
	/* No header can be split: every CR is a CRLF, every LF one's. */
	for (p = f->out; p < end; p++) {
		if (*p == '\r')
			FUZZ_CHECK(p[1] == '\n');
		if (*p == '\n')
			FUZZ_CHECK(p > f->out && p[-1] == '\r');
		FUZZ_CHECK(*p != '\0');
	}
	/* No secret leaves, in a header or the body, but what was sent. */
	for (i = 0; (secret = fakedb_secret(i)) != NULL; i++)
		FUZZ_CHECK(*secret == '\0' || !has(f->out, secret) ||
		    sent_it(s, secret));
	end += 2;
	body = end + 2;
	blen = f->outlen - (size_t)(body - f->out);
	ctype = header(f->out, end, "Content-Type");
	len = header(f->out, end, "Content-Length");
	code_hdr = header(f->out, end, "X-Platform-Error-Code");
	/* Never the fake's internal text, in any answer. */
	if (status == 204) {
		FUZZ_CHECK(blen == 0 && ctype == NULL);
		return status;
	}
	FUZZ_CHECK(len != NULL && strtoull(len, NULL, 10) == blen);
	FUZZ_CHECK(ctype != NULL);
	if (strcmp(ctype, PROM_CTYPE) == 0) {
		/* Only /metrics answers text. */
		FUZZ_CHECK(status == 200 && r->nsegs == 1 &&
		    strcmp(r->segs[0], "metrics") == 0);
		return status;
	}
	FUZZ_CHECK(strcmp(ctype, JSON_CTYPE) == 0);
	o = json_whole(body, blen);
	FUZZ_CHECK(o != NULL);
	/* /health answers InfluxDB's health shape, 503 included. */
	if (status >= 400 && !(r->nsegs == 1 && strcmp(r->segs[0],
	    "health") == 0)) {
		FUZZ_CHECK(json_object_is_type(o, json_type_object));
		FUZZ_CHECK(json_object_object_get_ex(o, "code", &code) &&
		    json_object_is_type(code, json_type_string));
		FUZZ_CHECK(json_object_object_get_ex(o, "message", &msg) &&
		    json_object_is_type(msg, json_type_string));
		FUZZ_CHECK(code_hdr != NULL &&
		    strcmp(code_hdr, json_object_get_string(code)) == 0);
		if (status == 500)
			FUZZ_CHECK(strcmp(json_object_get_string(msg),
			    "internal error") == 0);
		check_leak(s, json_object_get_string(msg));
	} else
		FUZZ_CHECK(json_object_is_type(o, json_type_object) ||
		    json_object_is_type(o, json_type_array));
	json_object_put(o);
	/* Nor the fake's internal text anywhere else in an answer. */
	FUZZ_CHECK(!has(body, "/build/src/db.c") ||
	    sent_it(s, "/build/src/db.c"));
	return status;
}

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* 1 when id is a word of the space-separated list. */
static int
in_words(const char *list, const char *id)
{
	size_t		 n = strlen(id);
	const char	*p;

	for (p = list; n > 0 && p != NULL && (p = strstr(p, id)) != NULL;
	    p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return 1;
	return 0;
}

/* Each write had what it needs; a failed request changed nothing. */
static void
check_writes(const struct sent *s, int status)
{
	const struct fake_authed *au = fakedb_authed();
	const struct fake_write_rec *w;
	const char	*pw;
	size_t		 i, n = fakedb_writes(&w);

	for (i = 0; i < n; i++) {
		switch (w[i].need) {
		case NEED_PRINCIPAL:
			FUZZ_CHECK(au->valid);
			FUZZ_CHECK(same(w[i].actor_user, au->user_id) &&
			    same(w[i].actor_auth, au->auth_id));
			FUZZ_CHECK(!au->read_only);
			/* What a user may write (docs/permissions.md): its
			 * own user and the orgs it owns; an instance owner,
			 * everything.  A token only narrows that. */
			if (!au->instance_owner)
				FUZZ_CHECK((w[i].target_user == NULL ||
				    same(w[i].target_user, au->user_id)) &&
				    (w[i].target_org == NULL ||
				    in_words(au->owned_orgs, w[i].target_org)));
			break;
		case NEED_SESSION:
			FUZZ_CHECK(au->valid && au->session &&
			    same(w[i].hash, au->hash));
			break;
		case NEED_TOKEN:
			FUZZ_CHECK(au->valid && !au->session &&
			    same(w[i].hash, au->auth_id));
			break;
		case NEED_PASSWORD:
			pw = fakedb_password_of(w[i].user);
			FUZZ_CHECK(pw != NULL && s->basic_pw != NULL &&
			    s->basic_len == strlen(pw) &&
			    memcmp(s->basic_pw, pw, s->basic_len) == 0);
			break;
		case NEED_COOKIE:
			/* Ending a session takes its cookie. */
			FUZZ_CHECK(!w[i].changed || (w[i].cookie != NULL &&
			    strstr(s->input, w[i].cookie) != NULL));
			break;
		case NEED_ONBOARDING:
			FUZZ_CHECK(s->empty);
			break;
		case NEED_NOTHING:
			break;
		}
		/* A refusal changes nothing but the count of attempts. */
		if (status >= 400 && !fakedb_failed() && w[i].changed)
			FUZZ_CHECK(w[i].need == NEED_NOTHING ||
			    w[i].need == NEED_SESSION ||
			    w[i].need == NEED_TOKEN ||
			    w[i].kind == FW_THROTTLE_SUCCESS);
	}
	/* Only a failing database makes a 500 or a 503. */
	if (status == 500 || status == 503)
		FUZZ_CHECK(fakedb_failed());
}

/* ---- libFuzzer ------------------------------------------------------- */

/* The metrics block is mapped from a file: made, mapped and removed. */
static void
metrics_start(void)
{
	char		 dir[] = "/tmp/usersd-fuzz-XXXXXX";
	DIR		*d;
	struct dirent	*de;

	if (mkdtemp(dir) == NULL)
		abort();
	free(cfg.run_dir);
	cfg.run_dir = strdup(dir);
	cfg.metrics = METRICS_TOKEN;
	if (metrics_proc_init(&cfg) == -1)
		abort();
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 err[256];

	log_level = LOG_LVL_ERROR;
	if (cfg_load(&cfg, NULL, err, sizeof(err)) == -1)
		abort();
	/* The cheapest hash argon2id takes: sign-in runs for real. */
	cfg.argon2_memory = 8;
	cfg.argon2_iterations = 1;
	cfg.body_limit = 4096;
	free(cfg.allowed_origins);
	cfg.allowed_origins = strdup("https://app.example");
	metrics_start();
	pw_init(&cfg);
	health_init();
	fakedb_init();
	/* Only the oracle's own test sets it (fakedb.h). */
	fakedb_plant(getenv("FUZZ_REQUEST_PLANT"));
	A = arena_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_io	 io;
	struct fake	 f;
	struct sent	 s;
	struct req	 r;
	struct apierr	 e;
	char		*in;
	int		 status;

	in = expand(data, size);
	if (build(in, &f, &s) == -1)
		goto out;
	fakedb_reset(s.empty);
	fakedb_fail(s.fail_at, s.fail_cls);
	io.ctx = &f;
	io.param = fake_param;
	io.read = fake_read;
	io.write = fake_write;
	memset(&e, 0, sizeof(e));
	/* As fcgi.c serves a request of the default instance. */
	if (http_req_init(&r, A, &cfg, &io, &e) == -1)
		http_send_error(&r, &e);
	else {
		r.db = fakedb_db();
		metrics_set_instance(r.instance);
		pw_set_instance(r.instance);
		router_dispatch(&r);
	}
	/* Any method and status is counted (and /metrics shows them). */
	metrics_request(r.route, r.method, r.status, 0);
	if (getenv("FUZZ_REQUEST_SHOW") != NULL)
		fprintf(stderr, "%s\n---\n%.*s\n===\n", in, (int)f.outlen,
		    f.out);
	status = check_response(&r, &f, &s);
	check_writes(&s, status);
out:
	arena_reset(A);
	return 0;
}
