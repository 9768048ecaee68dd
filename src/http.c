/*
 * http.c -- request parsing and response rendering for CGI-style
 * parameters.  The router sees the path the client sent (REQUEST_URI), so
 * routing is the same behind Apache, lighttpd and nginx.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "version.h"
#include "banned.h"

#define DRAIN_MAX	(64L * 1024 * 1024)

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
http_unescape(char *s, int plus)
{
	char	*r = s, *w = s;
	int	 hi, lo;

	while (*r != '\0') {
		if (*r == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else if (*r == '+' && plus) {
			*w++ = ' ';
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static const char *
param(struct req *r, const char *name)
{
	return r->io.param(r->io.ctx, name);
}

/* Splits the path into percent-decoded segments; a trailing '/' is ignored. */
static void
split_path(struct req *r)
{
	char	*p, *seg, *save = NULL;

	r->nsegs = 0;
	p = arena_strdup(r->arena, r->path);
	for (seg = strtok_r(p, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		if (r->nsegs == HTTP_MAX_SEGS) {
			r->path_too_deep = 1;
			return;
		}
		/* A decoded NUL would end the segment early: keep it raw. */
		if (strstr(seg, "%00") == NULL)
			http_unescape(seg, 0);
		r->segs[r->nsegs++] = seg;
	}
	/* "//" inside the path is not a path we serve. */
	if (strstr(r->path, "//") != NULL)
		r->path_too_deep = 1;
}

/* Decodes s in place: -1 when it then holds a NUL or is not UTF-8. */
static int
query_decode(char *s)
{
	return util_utf8_valid(s, http_unescape(s, 1)) ? 0 : -1;
}

/*
 * Splits and decodes the query string into r->query.  A decoded key or
 * value with a NUL or invalid UTF-8 refuses the request: handlers read
 * them as C strings, so "?name=%00" would read as no filter at all and
 * "?limit=1%00" as 1.  Every pair is checked, kept or not.
 */
static int
parse_query(struct req *r, const char *qs, struct apierr *e)
{
	char	*q, *pair, *save = NULL, *eq;

	r->nquery = 0;
	if (qs == NULL || *qs == '\0')
		return 0;
	q = arena_strdup(r->arena, qs);
	for (pair = strtok_r(q, "&", &save); pair != NULL;
	    pair = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(pair, '=')) != NULL)
			*eq++ = '\0';
		if (query_decode(pair) == -1 ||
		    (eq != NULL && query_decode(eq) == -1))
			return apierr_set(e, APIERR_INVALID, "query parameters "
			    "must be valid UTF-8 without NUL characters");
		if (r->nquery == HTTP_MAX_QUERY)
			continue;
		r->query[r->nquery].key = pair;
		r->query[r->nquery].val = eq != NULL ? eq : pair + strlen(pair);
		r->nquery++;
	}
	return 0;
}

/*
 * The client address in canonical form, or "-" when the web server sent
 * none or something that is no IP address: anything that can write to the
 * FastCGI socket chooses REMOTE_ADDR, and it goes into the throttle, the
 * audit log and the lines fail2ban reads.
 */
static const char *
client_addr(struct arena *a, const char *s)
{
	unsigned char	 bin[sizeof(struct in6_addr)];
	char		 text[INET6_ADDRSTRLEN];
	int		 af;

	if (s == NULL)
		return "-";
	af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, s, bin) != 1 ||
	    inet_ntop(af, bin, text, sizeof(text)) == NULL)
		return "-";
	return arena_strdup(a, text);
}

int
http_req_init(struct req *r, struct arena *a, const struct cfg *cfg,
    const struct req_io *io, struct apierr *e)
{
	const char	*uri, *q, *qs = NULL, *https;
	static unsigned long counter;
	/* Asked once: the master forks workers before any request. */
	static pid_t	 pid;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->cfg = cfg;
	r->io = *io;
	r->route = -1;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	abuf_init(&r->hdrs, a, 256);
	if (pid == 0)
		pid = getpid();
	snprintf(r->reqid, sizeof(r->reqid), "%d-%lu", (int)pid, ++counter);

	r->method = param(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	r->remote_addr = client_addr(a, param(r, "REMOTE_ADDR"));
	https = param(r, "HTTPS");
	r->https = https != NULL && strcasecmp(https, "on") == 0;
	r->instance = param(r, "USERSD_INSTANCE");
	r->trace = param(r, "HTTP_ZAP_TRACE_SPAN");

	/* The path as the client sent it; CGI's split form as a fallback. */
	uri = param(r, "REQUEST_URI");
	if (uri != NULL && *uri != '\0') {
		if (strlen(uri) > HTTP_MAX_URI) {
			r->path = "/";
			return apierr_set(e, APIERR_INVALID,
			    "request target is too long");
		}
		q = strchr(uri, '?');
		r->path = q ? arena_strndup(a, uri, (size_t)(q - uri)) :
		    arena_strdup(a, uri);
		qs = q ? q + 1 : NULL;
	} else {
		const char *sn = param(r, "SCRIPT_NAME");
		const char *pi = param(r, "PATH_INFO");

		r->path = arena_printf(a, "%s%s", sn ? sn : "", pi ? pi : "");
		qs = param(r, "QUERY_STRING");
	}
	if (*r->path == '\0')
		r->path = "/";
	split_path(r);
	/* Last: a refused query string still leaves a path to log. */
	return parse_query(r, qs, e);
}

const char *
http_header(struct req *r, const char *name)
{
	char	 env[128];
	size_t	 i, o;

	o = (size_t)snprintf(env, sizeof(env), "HTTP_");
	for (i = 0; name[i] != '\0' && o < sizeof(env) - 1; i++, o++)
		env[o] = name[i] == '-' ? '_' :
		    (char)((name[i] >= 'a' && name[i] <= 'z') ?
		    name[i] - 32 : name[i]);
	env[o] = '\0';
	/* CGI passes these two without the HTTP_ prefix. */
	if (strcasecmp(name, "Content-Type") == 0)
		return param(r, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return param(r, "CONTENT_LENGTH");
	return param(r, env);
}

const char *
http_query(const struct req *r, const char *key)
{
	size_t	 i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, key) == 0)
			return r->query[i].val;
	return NULL;
}

const char *
http_cookie(struct req *r, const char *name, int *count)
{
	const char	*hdr, *p, *found = NULL;
	size_t		 nlen = strlen(name);

	*count = 0;
	if ((hdr = http_header(r, "Cookie")) == NULL ||
	    strlen(hdr) > HTTP_MAX_HEADER)
		return NULL;
	for (p = hdr; *p != '\0';) {
		const char *end;

		while (*p == ' ' || *p == ';' || *p == '\t')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t vlen = (size_t)(end - v);

			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			/* RFC 6265 allows a quoted value. */
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			found = arena_strndup(r->arena, v, vlen);
			(*count)++;
		}
		p = end;
	}
	return found;
}

static void
drain(struct req *r)
{
	char	 buf[16384];
	long	 n, total = 0;

	while (total < DRAIN_MAX &&
	    (n = r->io.read(r->io.ctx, buf, sizeof(buf))) > 0)
		total += n;
}

int
http_read_body(struct req *r, struct apierr *e)
{
	const char	*cl = param(r, "CONTENT_LENGTH");
	long long	 want = -1, limit = r->cfg->body_limit;
	size_t		 got = 0, cap;
	long		 n;

	if (cl != NULL && *cl != '\0' &&
	    util_parse_ll(cl, 0, 0x7fffffffffffffffLL, &want) == -1)
		return apierr_set(e, APIERR_INVALID,
		    "invalid Content-Length");
	if (want > limit) {
		drain(r);
		return apierr_set(e, APIERR_TOO_LARGE,
		    "request body is larger than %lld bytes", limit);
	}
	/* Without Content-Length, read up to one byte past the limit. */
	cap = want >= 0 ? (size_t)want : 4096;
	r->body = arena_alloc(r->arena, cap + 1);
	for (;;) {
		if (want >= 0 && got == (size_t)want)
			break;
		if (got == cap) {
			char *p;

			if ((long long)got > limit) {
				drain(r);
				return apierr_set(e, APIERR_TOO_LARGE,
				    "request body is larger than %lld bytes",
				    limit);
			}
			cap = cap * 2 > (size_t)limit + 1 ?
			    (size_t)limit + 1 : cap * 2;
			p = arena_alloc(r->arena, cap + 1);
			memcpy(p, r->body, got);
			r->body = p;
		}
		n = r->io.read(r->io.ctx, r->body + got, cap - got);
		if (n < 0)
			return apierr_set(e, APIERR_INVALID,
			    "error reading the request body");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (want >= 0 && got < (size_t)want)
		return apierr_set(e, APIERR_INVALID,
		    "request body ended early");
	if ((long long)got > limit) {
		drain(r);
		return apierr_set(e, APIERR_TOO_LARGE,
		    "request body is larger than %lld bytes", limit);
	}
	r->body[got] = '\0';
	r->body_len = got;
	return 0;
}

void
http_add_header(struct req *r, const char *name, const char *value)
{
	abuf_printf(&r->hdrs, "%s: %s\r\n", name, value);
}

void
http_send(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	struct abuf	 out;
	const char	*origin;

	if (r->sent)
		return;
	r->sent = 1;
	r->status = status;
	abuf_init(&out, r->arena, 512 + len);
	abuf_printf(&out, "Status: %d %s\r\n", status, apierr_reason(status));
	abuf_adds(&out, "X-Influxdb-Build: OSS\r\n"
	    "X-Influxdb-Version: " USERSD_COMPAT_VERSION "\r\n");
	/* CORS for the configured origins only; never an echo of any. */
	if ((origin = http_header(r, "Origin")) != NULL &&
	    cfg_origin_allowed(r->cfg, origin, strlen(origin)))
		abuf_printf(&out, "Access-Control-Allow-Origin: %s\r\n"
		    "Access-Control-Allow-Credentials: true\r\nVary: Origin\r\n",
		    origin);
	if (ctype != NULL)
		abuf_printf(&out, "Content-Type: %s\r\n", ctype);
	if (status != 204)
		abuf_printf(&out, "Content-Length: %zu\r\n", len);
	abuf_add(&out, r->hdrs.data, r->hdrs.len);
	abuf_adds(&out, "\r\n");
	if (len > 0)
		abuf_add(&out, body, len);
	if (r->io.write(r->io.ctx, out.data, out.len) == -1)
		log_warnx("client went away before the response was sent");
}

void
http_send_json(struct req *r, int status, const char *json)
{
	http_send(r, status, "application/json; charset=utf-8", json,
	    strlen(json));
}

void
http_send_empty(struct req *r, int status)
{
	http_send(r, status, NULL, NULL, 0);
}

void
http_send_error(struct req *r, const struct apierr *e)
{
	const char	*msg = e->msg;
	char		 num[24];

	if (e->code == APIERR_INTERNAL)
		msg = "internal error";
	http_add_header(r, "X-Platform-Error-Code", apierr_string(e->code));
	if (e->code == APIERR_TOO_MANY_REQUESTS && e->retry_after > 0) {
		snprintf(num, sizeof(num), "%d", e->retry_after);
		http_add_header(r, "Retry-After", num);
	}
	http_send_json(r, apierr_status(e->code),
	    json_error_encode(r->arena, apierr_string(e->code), msg));
}

double
http_elapsed_ms(const struct req *r)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
}
