/*
 * csrf.c -- the origin and content-type rule for writes made with the
 * session cookie (csrf.h).  An HTML form on another site can send neither
 * a foreign Origin that passes nor a JSON content type, and fetch() from
 * another origin cannot send that content type without a preflight, which
 * only allowed_origins pass (router.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "csrf.h"
#include "http.h"
#include "banned.h"

static int
unsafe(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "OPTIONS") != 0;
}

/* The length of host[:port] without the scheme's default port. */
static size_t
host_len(const char *host, const char *dflt)
{
	size_t	 n = strlen(host), d = strlen(dflt);

	if (n > d && strcmp(host + n - d, dflt) == 0)
		n -= d;
	return n;
}

/* 1 when origin is scheme://host[:port] of the request itself. */
static int
same_origin(struct req *r, const char *origin)
{
	const char	*scheme = r->https ? "https://" : "http://";
	const char	*dflt = r->https ? ":443" : ":80";
	const char	*host = http_header(r, "Host");
	size_t		 n = strlen(scheme), hl;

	if (host == NULL || strncasecmp(origin, scheme, n) != 0)
		return 0;
	origin += n;
	/* Browsers leave the default port out; Host may carry it. */
	hl = host_len(host, dflt);
	return host_len(origin, dflt) == hl &&
	    strncasecmp(origin, host, hl) == 0;
}

/* 1 when the request carries a body. */
static int
has_body(struct req *r)
{
	const char	*cl = http_header(r, "Content-Length");

	return r->body_len > 0 ||
	    (cl != NULL && *cl != '\0' && strspn(cl, "0") != strlen(cl));
}

/* 1 when the media type (parameters aside) is application/json. */
static int
json_type(const char *ct)
{
	size_t	 n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

int
csrf_check(struct req *r, struct apierr *e)
{
	const char	*origin = http_header(r, "Origin");
	const char	*site = http_header(r, "Sec-Fetch-Site");

	if (!unsafe(r->method))
		return 0;
	if (origin != NULL) {
		if (!same_origin(r, origin) &&
		    !cfg_origin_allowed(r->cfg, origin, strlen(origin)))
			return apierr_set(e, APIERR_FORBIDDEN, "cross-site "
			    "request refused: with the session cookie, writes "
			    "come only from this server's own origin or one "
			    "listed in allowed_origins");
	} else if (site != NULL && strcasecmp(site, "cross-site") == 0)
		return apierr_set(e, APIERR_FORBIDDEN, "cross-site request "
		    "refused (Sec-Fetch-Site: cross-site): with the session "
		    "cookie, writes come only from this server's own origin");
	if (has_body(r) && !json_type(http_header(r, "Content-Type")))
		return apierr_set(e, APIERR_UNSUPPORTED_MEDIA, "with the "
		    "session cookie, a request body must be sent as "
		    "Content-Type: application/json");
	return 0;
}
