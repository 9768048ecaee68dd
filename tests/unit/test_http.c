/*
 * test_http.c -- the request layer through the fake transport of
 * fake_io.h.
 */
#include "http.c"

#include <stdlib.h>
#include <string.h>

#include "fake_io.h"
#include "tap.h"

static void
test_unescape(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 plus;
		const char	*want;
		size_t		 len;
	} t[] = {
		{ __LINE__, "", 0, "", 0 },
		{ __LINE__, "abc", 0, "abc", 3 },
		{ __LINE__, "%41%62", 0, "Ab", 2 },
		{ __LINE__, "%4a%4A", 0, "JJ", 2 },
		{ __LINE__, "a%2Fb", 0, "a/b", 3 },
		{ __LINE__, "%zz", 0, "%zz", 3 },
		{ __LINE__, "%4", 0, "%4", 2 },
		{ __LINE__, "%4g", 0, "%4g", 3 },
		{ __LINE__, "%g4", 0, "%g4", 3 },
		{ __LINE__, "a%", 0, "a%", 2 },
		{ __LINE__, "%", 0, "%", 1 },
		{ __LINE__, "%%41", 0, "%A", 2 },
		{ __LINE__, "%2541", 0, "%41", 3 },
		{ __LINE__, "a+b", 0, "a+b", 3 },
		{ __LINE__, "a+b", 1, "a b", 3 },
		{ __LINE__, "%2B+", 1, "+ ", 2 },
		{ __LINE__, "%c3%a9", 0, "\xc3\xa9", 2 },
	};
	char	 buf[64];
	size_t	 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		n = http_unescape(buf, t[i].plus);
		is_str_at(t[i].line, buf, t[i].want,
		    "http_unescape(\"%s\", %d) is \"%s\"", t[i].in, t[i].plus,
		    t[i].want);
		is_int_at(t[i].line, n, t[i].len,
		    "http_unescape(\"%s\", %d) returns %zu", t[i].in,
		    t[i].plus, t[i].len);
	}
	snprintf(buf, sizeof(buf), "a%%00b");
	n = http_unescape(buf, 0);
	ok(n == 3 && memcmp(buf, "a\0b", 4) == 0,
	    "http_unescape(\"a%%00b\") decodes the NUL and returns 3");
}

static void
test_path(void)
{
	static const struct {
		int		 line;
		const char	*uri;
		const char	*path;
		const char	*segs;	/* joined with '|' */
		int		 too_deep;
	} t[] = {
		{ __LINE__, "/", "/", "", 0 },
		{ __LINE__, "/api/v2/users", "/api/v2/users", "api|v2|users",
		  0 },
		{ __LINE__, "/api/v2/users/", "/api/v2/users/", "api|v2|users",
		  0 },
		{ __LINE__, "/api/v2/users?limit=1", "/api/v2/users",
		  "api|v2|users", 0 },
		{ __LINE__, "/api/v2/users/a%2Fb", "/api/v2/users/a%2Fb",
		  "api|v2|users|a/b", 0 },
		{ __LINE__, "/api/v2/users/a%2fb/c", "/api/v2/users/a%2fb/c",
		  "api|v2|users|a/b|c", 0 },
		{ __LINE__, "/api/v2/%75sers", "/api/v2/%75sers",
		  "api|v2|users", 0 },
		{ __LINE__, "/a%20b/%e2%82%ac", "/a%20b/%e2%82%ac",
		  "a b|\xe2\x82\xac", 0 },
		{ __LINE__, "/a+b", "/a+b", "a+b", 0 },
		{ __LINE__, "/api/v2/users/ab%00cd", "/api/v2/users/ab%00cd",
		  "api|v2|users|ab%00cd", 0 },
		{ __LINE__, "/x/%zz", "/x/%zz", "x|%zz", 0 },
		{ __LINE__, "/api//v2", "/api//v2", NULL, 1 },
		{ __LINE__, "//api/v2", "//api/v2", NULL, 1 },
		{ __LINE__, "/api/v2//", "/api/v2//", NULL, 1 },
		{ __LINE__, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16",
		  "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16",
		  "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16", 0 },
		{ __LINE__, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/",
		  "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/",
		  "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16", 0 },
		{ __LINE__, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
		  "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", NULL, 1 },
	};
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	struct abuf	 j;
	size_t		 i, k;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&f, 0, sizeof(f));
		rc = init_req(&r, &f, t[i].uri, &e);
		is_int_at(t[i].line, rc, 0, "%s: http_req_init succeeds",
		    t[i].uri);
		is_str_at(t[i].line, r.path, t[i].path, "%s: path is \"%s\"",
		    t[i].uri, t[i].path);
		is_int_at(t[i].line, r.path_too_deep, t[i].too_deep,
		    "%s: path_too_deep is %d", t[i].uri, t[i].too_deep);
		if (t[i].segs == NULL)
			continue;
		abuf_init(&j, A, 64);
		for (k = 0; k < r.nsegs; k++)
			abuf_printf(&j, "%s%s", k ? "|" : "", r.segs[k]);
		is_str_at(t[i].line, j.data, t[i].segs,
		    "%s: segments are \"%s\"", t[i].uri, t[i].segs);
	}
}

static void
test_query(void)
{
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	struct abuf	 uri;
	int		 i;

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/api/v2/users?name=a+b&x=%41%42&amp=%26%3D"
	    "&sp=%20+%2B", &e);
	is_str(http_query(&r, "name"), "a b", "query: '+' is a space");
	is_str(http_query(&r, "x"), "AB", "query: %%XX is decoded");
	is_str(http_query(&r, "amp"), "&=",
	    "query: encoded '&' and '=' stay in the value");
	is_str(http_query(&r, "sp"), "  +", "query: %%20, '+' and %%2B");
	is_str(http_query(&r, "missing"), NULL, "query: an absent key is NULL");
	is_str(http_query(&r, "NAME"), NULL, "query: keys are case-sensitive");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/u?a=1&a=2&b=&flag&&%6Eame=n&c=x=y", &e);
	is_str(http_query(&r, "a"), "1", "query: the first of repeated keys "
	    "wins");
	is_int(r.nquery, 6, "query: every non-empty pair is kept");
	is_str(http_query(&r, "b"), "", "query: \"b=\" is the empty string");
	is_str(http_query(&r, "flag"), "",
	    "query: a key without '=' is the empty string");
	is_str(http_query(&r, "name"), "n", "query: the key is decoded too");
	is_str(http_query(&r, "c"), "x=y", "query: the value keeps a later "
	    "'='");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/u?", &e);
	is_int(r.nquery, 0, "query: \"?\" alone has no parameters");
	is_str(r.path, "/u", "query: \"?\" alone is cut from the path");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/u", &e);
	is_int(r.nquery, 0, "query: none without '?'");

	memset(&f, 0, sizeof(f));
	abuf_init(&uri, A, 1024);
	abuf_adds(&uri, "/u?");
	for (i = 0; i < HTTP_MAX_QUERY + 6; i++)
		abuf_printf(&uri, "k%d=%d&", i, i);
	init_req(&r, &f, uri.data, &e);
	is_int(r.nquery, HTTP_MAX_QUERY, "query: at most HTTP_MAX_QUERY kept");
	is_str(http_query(&r, "k63"), "63", "query: the 64th is kept");
	is_str(http_query(&r, "k64"), NULL, "query: the 65th is dropped");
}

#define QMSG	"query parameters must be valid UTF-8 without NUL characters"

/*
 * A decoded query key or value with a NUL or invalid UTF-8 refuses the
 * whole request: read as a C string, "name=%00" would be no filter and
 * "limit=1%00" would be 1.
 */
static void
test_query_refused(void)
{
	static const struct {
		int		 line;
		const char	*uri;
		int		 rc;
	} t[] = {
		{ __LINE__, "/u?name=%00", -1 },
		{ __LINE__, "/u?name=a%00b", -1 },
		{ __LINE__, "/u?limit=1%00", -1 },
		{ __LINE__, "/u?%00=1", -1 },
		{ __LINE__, "/u?na%00me=x", -1 },
		{ __LINE__, "/u?%00", -1 },
		{ __LINE__, "/u?name=%C3", -1 },
		{ __LINE__, "/u?name=%ff", -1 },
		{ __LINE__, "/u?name=%c0%af", -1 },
		{ __LINE__, "/u?name=%ed%a0%80", -1 },
		{ __LINE__, "/u?name=%f4%90%80%80", -1 },
		{ __LINE__, "/u?%c3=1", -1 },
		{ __LINE__, "/u?a=1&b=%00", -1 },
		{ __LINE__, "/u?name=\xff", -1 },
		{ __LINE__, "/u?name=%C3%A9", 0 },
		{ __LINE__, "/u?name=%E2%80%AE", 0 },	/* a lookup's business */
		{ __LINE__, "/u?name=%01", 0 },
		{ __LINE__, "/u?name=%F0%9F%98%80", 0 },
		{ __LINE__, "/u?name=\xc3\xa9", 0 },
		{ __LINE__, "/u?name=%250", 0 },
		{ __LINE__, "/u?name=%0", 0 },
		{ __LINE__, "/u?name=%zz", 0 },
		{ __LINE__, "/u?&&", 0 },
	};
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	struct abuf	 uri;
	size_t		 i;
	int		 k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&f, 0, sizeof(f));
		memset(&e, 0, sizeof(e));
		is_int_at(t[i].line, init_req(&r, &f, t[i].uri, &e), t[i].rc,
		    "%s is %s", t[i].uri, t[i].rc ? "refused" : "accepted");
		if (t[i].rc == 0)
			continue;
		is_int_at(t[i].line, e.code, APIERR_INVALID,
		    "%s is 400 invalid", t[i].uri);
		is_str_at(t[i].line, e.msg, QMSG, "%s says why", t[i].uri);
		is_str_at(t[i].line, r.path, "/u", "%s keeps its path to log",
		    t[i].uri);
	}

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/u?name=%C3%A9&x=%E2%82%AC", &e);
	is_str(http_query(&r, "name"), "\xc3\xa9",
	    "query: encoded UTF-8 decodes");
	is_str(http_query(&r, "x"), "\xe2\x82\xac",
	    "query: a 3-byte sequence decodes");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "PATH_INFO", "/u");
	fake_set(&f, "QUERY_STRING", "limit=1%00");
	memset(&e, 0, sizeof(e));
	is_int(init_req(&r, &f, NULL, &e), -1,
	    "QUERY_STRING with %%00 is refused too");
	is_str(e.msg, QMSG, "QUERY_STRING with %%00 says why");

	/* Past HTTP_MAX_QUERY pairs are dropped, but still checked. */
	memset(&f, 0, sizeof(f));
	abuf_init(&uri, A, 1024);
	abuf_adds(&uri, "/u?");
	for (k = 0; k < HTTP_MAX_QUERY; k++)
		abuf_printf(&uri, "k%d=%d&", k, k);
	abuf_adds(&uri, "late=%00");
	is_int(init_req(&r, &f, uri.data, &e), -1,
	    "a NUL in a pair past HTTP_MAX_QUERY is refused");

	/* As fcgi.c renders it: InfluxDB's error shape. */
	memset(&f, 0, sizeof(f));
	memset(&e, 0, sizeof(e));
	init_req(&r, &f, "/api/v2/users?name=%00", &e);
	http_send_error(&r, &e);
	ok(strncmp(f.out ? f.out : "", "Status: 400 Bad Request\r\n", 25) ==
	    0, "refused query: Status 400");
	ok(has_line(&f, "X-Platform-Error-Code: invalid"),
	    "refused query: X-Platform-Error-Code: invalid");
	is_str(out_body(&f), "{\"code\":\"invalid\",\"message\":\"" QMSG
	    "\"}", "refused query: the body is {\"code\",\"message\"}");
}

static void
test_init(void)
{
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	char		*long_uri;

	/* REQUEST_URI wins; CGI's split form is the fallback. */
	memset(&f, 0, sizeof(f));
	fake_set(&f, "SCRIPT_NAME", "/api");
	fake_set(&f, "PATH_INFO", "/v2/orgs");
	fake_set(&f, "QUERY_STRING", "from=cgi");
	init_req(&r, &f, "/api/v2/users?from=uri", &e);
	is_str(r.path, "/api/v2/users", "REQUEST_URI wins over PATH_INFO");
	is_str(http_query(&r, "from"), "uri",
	    "REQUEST_URI's query wins over QUERY_STRING");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "SCRIPT_NAME", "/api");
	fake_set(&f, "PATH_INFO", "/v2/users/a%2Fb");
	fake_set(&f, "QUERY_STRING", "limit=5&x=a+b");
	is_int(init_req(&r, &f, NULL, &e), 0,
	    "without REQUEST_URI, init succeeds");
	is_str(r.path, "/api/v2/users/a%2Fb",
	    "without REQUEST_URI: SCRIPT_NAME + PATH_INFO");
	is_int(r.nsegs, 4, "without REQUEST_URI: segments are split");
	is_str(http_query(&r, "limit"), "5",
	    "without REQUEST_URI: QUERY_STRING is parsed");
	is_str(http_query(&r, "x"), "a b",
	    "without REQUEST_URI: QUERY_STRING '+' is a space");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "PATH_INFO", "/v2/users");
	init_req(&r, &f, "", &e);
	is_str(r.path, "/v2/users", "an empty REQUEST_URI falls back too");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, NULL, &e);
	is_str(r.path, "/", "no path at all is \"/\"");
	is_int(r.nsegs, 0, "\"/\" has no segments");
	is_str(r.method, "GET", "REQUEST_METHOD defaults to GET");
	is_str(r.remote_addr, "-", "REMOTE_ADDR defaults to \"-\"");
	is_int(r.https, 0, "no HTTPS: https is 0");
	is_str(r.instance, NULL, "no USERSD_INSTANCE: instance is NULL");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "REQUEST_METHOD", "PATCH");
	fake_set(&f, "REMOTE_ADDR", "192.0.2.1");
	fake_set(&f, "HTTPS", "ON");
	fake_set(&f, "USERSD_INSTANCE", "eu");
	fake_set(&f, "HTTP_ZAP_TRACE_SPAN", "span");
	init_req(&r, &f, "/", &e);
	is_str(r.method, "PATCH", "REQUEST_METHOD is read");
	is_str(r.remote_addr, "192.0.2.1", "REMOTE_ADDR is read");
	is_int(r.https, 1, "HTTPS=ON (any case) sets https");
	is_str(r.instance, "eu", "USERSD_INSTANCE is read");
	is_str(r.trace, "span", "Zap-Trace-Span is read");
	ok(r.reqid[0] != '\0', "a request id is assigned");

	memset(&f, 0, sizeof(f));
	long_uri = arena_alloc(A, HTTP_MAX_URI + 2);
	memset(long_uri, 'a', HTTP_MAX_URI + 1);
	long_uri[0] = '/';
	memset(&e, 0, sizeof(e));
	is_int(init_req(&r, &f, long_uri, &e), -1,
	    "a request target over HTTP_MAX_URI is refused");
	is_str(e.msg, "request target is too long",
	    "a long request target says so");
	is_str(r.path, "/", "a long request target leaves path \"/\"");
	memset(&f, 0, sizeof(f));
	long_uri[HTTP_MAX_URI] = '\0';
	is_int(init_req(&r, &f, long_uri, &e), 0,
	    "a request target of exactly HTTP_MAX_URI is accepted");
}

static void
test_header(void)
{
	static const struct {
		int		 line;
		const char	*name;
		const char	*param;
	} t[] = {
		{ __LINE__, "Content-Type", "CONTENT_TYPE" },
		{ __LINE__, "content-type", "CONTENT_TYPE" },
		{ __LINE__, "Authorization", "HTTP_AUTHORIZATION" },
		{ __LINE__, "X-Forwarded-For", "HTTP_X_FORWARDED_FOR" },
		{ __LINE__, "zap-trace-span", "HTTP_ZAP_TRACE_SPAN" },
		{ __LINE__, "Cookie", "HTTP_COOKIE" },
		{ __LINE__, "Origin", "HTTP_ORIGIN" },
	};
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	size_t		 i;

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_TYPE", "application/json");
	fake_set(&f, "HTTP_X_FORWARDED_FOR", "198.51.100.7");
	init_req(&r, &f, "/", &e);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		f.last_param = NULL;
		http_header(&r, t[i].name);
		is_str_at(t[i].line, f.last_param, t[i].param,
		    "http_header(\"%s\") reads %s", t[i].name, t[i].param);
	}
	is_str(http_header(&r, "Content-Type"), "application/json",
	    "http_header(\"Content-Type\") returns CONTENT_TYPE");
	is_str(http_header(&r, "x-forwarded-for"), "198.51.100.7",
	    "http_header is case-insensitive");
	is_str(http_header(&r, "Authorization"), NULL,
	    "http_header of an absent header is NULL");
}

static void
test_cookie(void)
{
	static const struct {
		int		 line;
		const char	*header;	/* NULL: no Cookie header */
		const char	*want;
		int		 count;
	} t[] = {
		{ __LINE__, "influxdb-oss-session=abc", "abc", 1 },
		{ __LINE__, "a=1; influxdb-oss-session=abc; b=2", "abc", 1 },
		{ __LINE__, "a=1;influxdb-oss-session=abc;b=2", "abc", 1 },
		{ __LINE__, "influxdb-oss-session=\"abc\"", "abc", 1 },
		{ __LINE__, "influxdb-oss-session=abc  ", "abc", 1 },
		{ __LINE__, "influxdb-oss-session=a=b", "a=b", 1 },
		{ __LINE__, "influxdb-oss-session=x; influxdb-oss-session=y",
		  NULL, 2 },
		{ __LINE__, "a=1; b=2", NULL, 0 },
		{ __LINE__, "xinfluxdb-oss-session=abc", NULL, 0 },
		{ __LINE__, "influxdb-oss-session-2=abc", NULL, 0 },
		{ __LINE__, "influxdb-oss-session", NULL, 0 },
		{ __LINE__, "", NULL, 0 },
		{ __LINE__, NULL, NULL, 0 },
	};
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	const char	*v;
	size_t		 i;
	int		 count;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&f, 0, sizeof(f));
		if (t[i].header != NULL)
			fake_set(&f, "HTTP_COOKIE", t[i].header);
		init_req(&r, &f, "/", &e);
		count = -1;
		v = http_cookie(&r, HTTP_SESSION_COOKIE, &count);
		is_int_at(t[i].line, count, t[i].count,
		    "Cookie \"%s\": count is %d", t[i].header ? t[i].header :
		    "(none)", t[i].count);
		if (t[i].count <= 1)
			is_str_at(t[i].line, v, t[i].want,
			    "Cookie \"%s\": value is %s", t[i].header ?
			    t[i].header : "(none)", t[i].want ? t[i].want :
			    "NULL");
	}
}

static void
test_body(void)
{
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	char		*big;
	size_t		 n;

	n = (size_t)CFG.body_limit + 1;
	big = arena_alloc(A, n + 1);
	memset(big, 'x', n);

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", "5");
	f.body = "hello, extra";
	f.body_len = 12;
	f.chunk = 2;
	init_req(&r, &f, "/", &e);
	is_int(http_read_body(&r, &e), 0, "body: exact CONTENT_LENGTH reads");
	is_str(r.body, "hello", "body: CONTENT_LENGTH bytes, short reads "
	    "joined, NUL-terminated");
	is_int(r.body_len, 5, "body: body_len is CONTENT_LENGTH");
	is_int(f.off, 5, "body: nothing past CONTENT_LENGTH is read");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", "0");
	init_req(&r, &f, "/", &e);
	is_int(http_read_body(&r, &e), 0, "body: CONTENT_LENGTH 0 reads");
	ok(r.body != NULL && r.body_len == 0 && r.body[0] == '\0',
	    "body: CONTENT_LENGTH 0 is the empty string");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", arena_printf(A, "%lld",
	    CFG.body_limit));
	f.body = big;
	f.body_len = (size_t)CFG.body_limit;
	init_req(&r, &f, "/", &e);
	is_int(http_read_body(&r, &e), 0,
	    "body: CONTENT_LENGTH equal to the limit is accepted");
	is_int(r.body_len, CFG.body_limit, "body: all of it is read");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", arena_printf(A, "%zu", n));
	f.body = big;
	f.body_len = n;
	init_req(&r, &f, "/", &e);
	memset(&e, 0, sizeof(e));
	is_int(http_read_body(&r, &e), -1,
	    "body: CONTENT_LENGTH over the limit is refused");
	is_int(e.code, APIERR_TOO_LARGE, "body: over the limit is TOO_LARGE");
	is_int(apierr_status(e.code), 413, "body: over the limit is 413");
	is_str(e.msg, arena_printf(A, "request body is larger than %lld bytes",
	    CFG.body_limit), "body: the 413 message names the limit");
	ok(r.body == NULL && r.body_len == 0,
	    "body: over the limit, nothing is buffered");
	is_int(f.off, n, "body: over the limit, the body is drained");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", "99999999999999");
	init_req(&r, &f, "/", &e);
	is_int(http_read_body(&r, &e), -1,
	    "body: a huge CONTENT_LENGTH is refused before any allocation");
	is_int(e.code, APIERR_TOO_LARGE, "body: a huge CONTENT_LENGTH is 413");

	memset(&f, 0, sizeof(f));
	f.body = big;
	f.body_len = 10000;
	f.chunk = 777;
	init_req(&r, &f, "/", &e);
	is_int(http_read_body(&r, &e), 0,
	    "body: without CONTENT_LENGTH the buffer grows");
	ok(r.body_len == 10000 && memcmp(r.body, big, 10000) == 0 &&
	    r.body[10000] == '\0',
	    "body: without CONTENT_LENGTH all 10000 bytes arrive");

	memset(&f, 0, sizeof(f));
	f.body = big;
	f.body_len = (size_t)CFG.body_limit;
	init_req(&r, &f, "/", &e);
	memset(&e, 0, sizeof(e));
	is_int(http_read_body(&r, &e), 0,
	    "body: without CONTENT_LENGTH, exactly the limit is accepted");
	is_int(r.body_len, CFG.body_limit,
	    "body: without CONTENT_LENGTH, the limit's bytes arrive");

	memset(&f, 0, sizeof(f));
	f.body = big;
	f.body_len = n;
	init_req(&r, &f, "/", &e);
	memset(&e, 0, sizeof(e));
	is_int(http_read_body(&r, &e), -1,
	    "body: without CONTENT_LENGTH, limit + 1 bytes are refused");
	is_int(e.code, APIERR_TOO_LARGE,
	    "body: without CONTENT_LENGTH, over the limit is 413");
	is_int(f.off, n, "body: without CONTENT_LENGTH, the rest is drained");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", "10");
	f.body = "short";
	f.body_len = 5;
	init_req(&r, &f, "/", &e);
	memset(&e, 0, sizeof(e));
	is_int(http_read_body(&r, &e), -1, "body: a short body is refused");
	is_int(e.code, APIERR_INVALID, "body: a short body is 400 invalid");
	is_str(e.msg, "request body ended early",
	    "body: a short body \"ended early\"");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", "10");
	f.body = "short";
	f.body_len = 5;
	f.read_error = 1;
	init_req(&r, &f, "/", &e);
	memset(&e, 0, sizeof(e));
	is_int(http_read_body(&r, &e), -1, "body: a read error is refused");
	is_str(e.msg, "error reading the request body",
	    "body: a read error says so");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "CONTENT_LENGTH", "");
	f.body = "{}";
	f.body_len = 2;
	init_req(&r, &f, "/", &e);
	is_int(http_read_body(&r, &e), 0,
	    "body: an empty CONTENT_LENGTH reads to the end");
	is_str(r.body, "{}", "body: an empty CONTENT_LENGTH gets the body");
}

static void
test_bad_length(void)
{
	static const struct {
		int		 line;
		const char	*cl;
	} t[] = {
		{ __LINE__, "abc" }, { __LINE__, "-1" }, { __LINE__, "+5" },
		{ __LINE__, " 5" }, { __LINE__, "5 " }, { __LINE__, "5x" },
		{ __LINE__, "0x10" }, { __LINE__, "99999999999999999999999" },
	};
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&f, 0, sizeof(f));
		fake_set(&f, "CONTENT_LENGTH", t[i].cl);
		f.body = "{}";
		f.body_len = 2;
		init_req(&r, &f, "/", &e);
		memset(&e, 0, sizeof(e));
		rc = http_read_body(&r, &e);
		ok_at(t[i].line, rc == -1 && e.code == APIERR_INVALID &&
		    strcmp(e.msg, "invalid Content-Length") == 0,
		    "CONTENT_LENGTH \"%s\" is 400 \"invalid Content-Length\"",
		    t[i].cl);
	}
}

static void
test_send(void)
{
	struct fake	 f;
	struct req	 r;
	struct apierr	 e;
	const char	*want;
	char		*saved_origins;

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	apierr_set(&e, APIERR_NOT_FOUND, "user \"bob\" not found");
	http_send_error(&r, &e);
	want = "{\"code\":\"not found\",\"message\":\"user \\\"bob\\\" not "
	    "found\"}";
	ok(strncmp(f.out ? f.out : "", "Status: 404 Not Found\r\n", 23) == 0,
	    "error: the first line is \"Status: 404 Not Found\"");
	ok(has_line(&f, "Content-Type: application/json; charset=utf-8"),
	    "error: Content-Type is JSON with charset");
	ok(has_line(&f, "X-Platform-Error-Code: not found"),
	    "error: X-Platform-Error-Code carries the code");
	ok(has_line(&f, arena_printf(A, "Content-Length: %zu", strlen(want))),
	    "error: Content-Length is the body's length");
	is_str(out_body(&f), want, "error: the body is {\"code\",\"message\"}");
	is_int(r.status, 404, "error: req->status is 404");
	is_int(r.sent, 1, "error: req->sent is set");

	/* Once sent, nothing else goes out. */
	http_send_empty(&r, 204);
	is_int(r.status, 404, "a second send is ignored");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	apierr_set(&e, APIERR_INTERNAL, "pq: relation \"users\" missing");
	http_send_error(&r, &e);
	ok(strncmp(f.out ? f.out : "", "Status: 500 Internal Server Error\r\n",
	    35) == 0, "internal: Status 500");
	is_str(out_body(&f),
	    "{\"code\":\"internal error\",\"message\":\"internal error\"}",
	    "internal: the body is generic");
	ok(f.out != NULL && strstr(f.out, "relation") == NULL,
	    "internal: the detail never leaves the process");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	apierr_set(&e, APIERR_TOO_MANY_REQUESTS, "too many failed sign-ins");
	e.retry_after = 7;
	http_send_error(&r, &e);
	ok(strncmp(f.out ? f.out : "", "Status: 429 Too Many Requests\r\n",
	    31) == 0, "429: Status 429");
	ok(has_line(&f, "Retry-After: 7"), "429: Retry-After is sent");
	ok(has_line(&f, "X-Platform-Error-Code: too many requests"),
	    "429: X-Platform-Error-Code is \"too many requests\"");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	apierr_set(&e, APIERR_TOO_MANY_REQUESTS, "slow down");
	http_send_error(&r, &e);
	ok(f.out != NULL && strstr(f.out, "Retry-After") == NULL,
	    "429 without retry_after: no Retry-After");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	apierr_set(&e, APIERR_UNAVAILABLE, "database unavailable");
	e.retry_after = 7;
	http_send_error(&r, &e);
	ok(f.out != NULL && strstr(f.out, "Retry-After") == NULL,
	    "503 with retry_after: no Retry-After (429 only)");
	ok(strncmp(f.out ? f.out : "", "Status: 503 Service Unavailable\r\n",
	    33) == 0, "503: Status 503");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	apierr_set(&e, APIERR_CONFLICT, "user with name bob already exists");
	http_send_error(&r, &e);
	ok(strncmp(f.out ? f.out : "", "Status: 422 Unprocessable Entity\r\n",
	    34) == 0, "conflict: Status 422, as InfluxDB");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	http_send_empty(&r, 204);
	ok(strncmp(f.out ? f.out : "", "Status: 204 No Content\r\n", 24) == 0,
	    "204: Status 204 No Content");
	ok(f.out != NULL && strstr(f.out, "Content-Length") == NULL,
	    "204: no Content-Length");
	ok(f.out != NULL && strstr(f.out, "Content-Type") == NULL,
	    "204: no Content-Type");
	is_str(out_body(&f), "", "204: nothing after the blank line");

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	http_add_header(&r, "Location", "/api/v2/users/0000000000000001");
	http_send_json(&r, 201, "{\"id\":\"0000000000000001\"}");
	ok(has_line(&f, "Location: /api/v2/users/0000000000000001"),
	    "http_add_header: the header is sent");
	ok(has_line(&f, "Content-Length: 25"), "201: Content-Length");
	is_str(out_body(&f), "{\"id\":\"0000000000000001\"}", "201: the body");
	ok(has_line(&f, "X-Influxdb-Build: OSS"), "X-Influxdb-Build: OSS");

	memset(&f, 0, sizeof(f));
	fake_set(&f, "HTTP_ORIGIN", "https://app.example");
	init_req(&r, &f, "/", &e);
	http_send_empty(&r, 204);
	ok(f.out != NULL && strstr(f.out, "Access-Control") == NULL,
	    "an Origin not in allowed_origins gets no CORS header");
	saved_origins = CFG.allowed_origins;
	CFG.allowed_origins = (char *)"http://x.example https://app.example";
	memset(&f, 0, sizeof(f));
	fake_set(&f, "HTTP_ORIGIN", "https://APP.example");
	init_req(&r, &f, "/", &e);
	http_send_empty(&r, 204);
	ok(has_line(&f, "Access-Control-Allow-Origin: https://APP.example") &&
	    has_line(&f, "Access-Control-Allow-Credentials: true") &&
	    has_line(&f, "Vary: Origin"),
	    "an allowed Origin (any case) gets Allow-Origin with credentials");
	memset(&f, 0, sizeof(f));
	fake_set(&f, "HTTP_ORIGIN", "https://app.example.evil");
	init_req(&r, &f, "/", &e);
	http_send_empty(&r, 204);
	ok(f.out != NULL && strstr(f.out, "Access-Control") == NULL,
	    "an Origin that only starts with an allowed one gets none");
	memset(&f, 0, sizeof(f));
	fake_set(&f, "HTTP_ORIGIN", "https://a\r\nSet-Cookie: x=1");
	init_req(&r, &f, "/", &e);
	http_send_empty(&r, 204);
	ok(f.out != NULL && strstr(f.out, "Set-Cookie") == NULL &&
	    strstr(f.out, "Access-Control-Allow-Origin") == NULL,
	    "an Origin with CR LF is not echoed (no header injection)");
	CFG.allowed_origins = saved_origins;

	memset(&f, 0, sizeof(f));
	init_req(&r, &f, "/", &e);
	http_send(&r, 299, "text/plain", "ok", 2);
	ok(strncmp(f.out ? f.out : "", "Status: 299 Unknown\r\n", 21) == 0,
	    "an unknown status has the reason \"Unknown\"");
}

int
main(void)
{
	char	 err[256];

	if (cfg_load(&CFG, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "test_http: %s\n", err);
		return 2;
	}
	A = arena_new();
	test_unescape();
	test_path();
	test_query();
	test_query_refused();
	test_init();
	test_header();
	test_cookie();
	test_body();
	test_bad_length();
	test_send();
	arena_free(A);
	cfg_release(&CFG);
	return done_testing();
}
