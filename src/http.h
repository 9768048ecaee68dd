/*
 * http.h -- one request and its response, independent of the transport:
 * fcgi.c fills in struct req_io for FastCGI or plain CGI.  Parsing of
 * untrusted input (path, query, cookies, body) happens here, under explicit
 * bounds, before any handler runs.  The only renderer of API errors.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "err.h"

#define HTTP_MAX_SEGS		16
#define HTTP_MAX_QUERY		64	/* query parameters kept */
#define HTTP_MAX_URI		8192	/* longer request targets: 400 */
#define HTTP_MAX_HEADER		8192	/* longest header value we read */
#define HTTP_SESSION_COOKIE	"influxdb-oss-session"
/* A device that signed in before (session_signin); sent to sign-in only. */
#define HTTP_DEVICE_COOKIE	"usersd-device"
#define HTTP_DEVICE_PATH	"/api/v2/signin"
#define HTTP_DEVICE_MAX_AGE	31536000	/* a year, as its row */

struct cfg;
struct db;
struct principal;

/* The transport under a request; all strings it returns outlive the request. */
struct req_io {
	void		*ctx;
	/* A CGI/FastCGI parameter, or NULL. */
	const char	*(*param)(void *ctx, const char *name);
	/* Up to n body bytes into buf: count read, 0 at end, -1 on error. */
	long		 (*read)(void *ctx, char *buf, size_t n);
	/* Writes all of buf; 0 or -1. */
	int		 (*write)(void *ctx, const char *buf, size_t n);
};

struct qparam {
	char		*key;
	char		*val;
};

struct req {
	struct arena		*arena;
	const struct cfg	*cfg;
	struct req_io		 io;
	struct db		*db;		/* the instance's connection */
	struct principal	*principal;	/* set by auth, or NULL */

	const char	*method;
	const char	*path;		/* as sent, without the query */
	char		*segs[HTTP_MAX_SEGS];	/* percent-decoded */
	size_t		 nsegs;
	int		 path_too_deep;
	char		*args[4];	/* path parameters matched by the router */
	size_t		 nargs;
	struct qparam	 query[HTTP_MAX_QUERY];
	size_t		 nquery;
	const char	*remote_addr;
	const char	*instance;	/* USERSD_INSTANCE, or NULL */
	const char	*trace;		/* Zap-Trace-Span, or NULL */
	int		 https;
	char		 reqid[32];
	struct timespec	 start;

	char		*body;		/* NUL-terminated; set by http_read_body */
	size_t		 body_len;

	int		 route;		/* the router's pattern index, or -1 */
	int		 status;	/* response status once sent */
	struct abuf	 hdrs;		/* extra response header lines */
	int		 sent;
};

/*
 * Prepares req from the transport's parameters.  Everything is allocated in
 * arena.  Returns 0, or -1 with e set when the request line itself is bad
 * (the caller renders e).
 */
int		 http_req_init(struct req *, struct arena *,
		    const struct cfg *, const struct req_io *,
		    struct apierr *e);

/* A request header by its HTTP name ("Authorization"), or NULL. */
const char	*http_header(struct req *, const char *name);
/* The first value of a query parameter, or NULL. */
const char	*http_query(const struct req *, const char *key);
/*
 * The value of cookie name, or NULL.  *count receives how many cookies of
 * that name the request carried (two is an error the caller decides on).
 */
const char	*http_cookie(struct req *, const char *name, int *count);

/*
 * Reads the whole body under cfg->body_limit into req->body.  Over the
 * limit: 413 `request too large`; the rest is drained, never buffered.
 * Returns 0 or -1 with e set.
 */
int		 http_read_body(struct req *, struct apierr *e);

/* Adds "Name: value\r\n" to the response headers. */
void		 http_add_header(struct req *, const char *name,
		    const char *value);
/* Sends status, headers and body (len bytes; NULL and 0 for none). */
void		 http_send(struct req *, int status, const char *ctype,
		    const char *body, size_t len);
/* Sends a JSON body with the JSON content type. */
void		 http_send_json(struct req *, int status, const char *json);
/* Sends an empty response (204 and the like). */
void		 http_send_empty(struct req *, int status);
/*
 * Renders e: status from err.c, Content-Type JSON, X-Platform-Error-Code,
 * body {"code","message"}.  INTERNAL always goes out with a generic message.
 */
void		 http_send_error(struct req *, const struct apierr *e);

/* Percent-decodes in place ('+' becomes ' ' when plus is set); new length. */
size_t		 http_unescape(char *s, int plus);
/* Milliseconds since req->start. */
double		 http_elapsed_ms(const struct req *);

#endif
