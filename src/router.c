/*
 * router.c -- the route table (after git's http-backend services[]) and
 * the checks that run before every handler: path, method, body limit,
 * authentication.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "banned.h"

/*
 * Every route has exactly one of R_AUTH, R_SELF_AUTH and R_PUBLIC
 * (tests/unit/test_router.c walks the table, without credentials).
 */
#define R_BODY		0x01	/* read the body (under the limit) first */
#define R_AUTH		0x02	/* authenticate before the handler */
#define R_SELF_AUTH	0x04	/* the handler authenticates: it reads
				 * something in the same round trip, or
				 * takes other credentials (Basic) */
#define R_PUBLIC	0x08	/* answered without credentials: probes,
				 * and onboarding until it is done */
#define R_EXACT		0x10	/* only on the path as written, byte for
				 * byte: the web servers route exactly that
				 * to a pool of its own (sign-in), so no
				 * other spelling (a trailing slash, "%69")
				 * may reach the handler from another pool */

struct route {
	const char	*method;
	const char	*pattern;	/* ":x" matches one segment */
	int		 (*fn)(struct req *, struct apierr *);
	unsigned	 flags;
};

static const struct route routes[] = {
	{ "GET",    "/health",				api_health, R_PUBLIC },
	{ "GET",    "/ping",				api_ping, R_PUBLIC },
	{ "HEAD",   "/ping",				api_ping, R_PUBLIC },
	{ "GET",    "/ready",				api_ready, R_PUBLIC },
	/* A token only when metrics = token (the default). */
	{ "GET",    "/metrics",				api_metrics, R_SELF_AUTH },
	{ "GET",    "/api/v2/setup",			api_setup_get, R_PUBLIC },
	{ "POST",   "/api/v2/setup",			api_setup_post,
	    R_BODY | R_PUBLIC },
	/* Basic credentials, and the session cookie. */
	{ "POST",   "/api/v2/signin",			api_signin,
	    R_SELF_AUTH | R_EXACT },
	{ "POST",   "/api/v2/signout",			api_signout, R_SELF_AUTH },
	/* GET /me and GET /users/:id read the user in the same round
	 * trip as the credential. */
	{ "GET",    "/api/v2/me",			api_me_get, R_SELF_AUTH },
	{ "PUT",    "/api/v2/me/password",		api_me_password_put,
	    R_BODY | R_AUTH },
	/* The list rides along with authentication too (a pipeline). */
	{ "GET",    "/api/v2/users",			api_users_list, R_SELF_AUTH },
	{ "POST",   "/api/v2/users",			api_users_create,
	    R_BODY | R_AUTH },
	{ "GET",    "/api/v2/users/:id",		api_user_get, R_SELF_AUTH },
	{ "PATCH",  "/api/v2/users/:id",		api_user_patch,
	    R_BODY | R_AUTH },
	{ "DELETE", "/api/v2/users/:id",		api_user_delete, R_AUTH },
	{ "POST",   "/api/v2/users/:id/password",	api_user_password_post,
	    R_BODY | R_AUTH },
	{ "PUT",    "/api/v2/users/:id/password",	api_user_password_put,
	    R_BODY | R_AUTH },
	/* Sign-in sessions (an extension: docs/compatibility.md). */
	{ "GET",    "/api/v2/me/sessions",		api_me_sessions_list, R_AUTH },
	{ "DELETE", "/api/v2/me/sessions",		api_me_sessions_end, R_AUTH },
	{ "DELETE", "/api/v2/me/sessions/:id",		api_me_session_end, R_AUTH },
	{ "GET",    "/api/v2/users/:id/sessions",	api_user_sessions_list,
	    R_AUTH },
	{ "DELETE", "/api/v2/users/:id/sessions",	api_user_sessions_end,
	    R_AUTH },
	{ "GET",    "/api/v2/authorizations",		api_tokens_list, R_AUTH },
	{ "POST",   "/api/v2/authorizations",		api_tokens_create,
	    R_BODY | R_AUTH },
	{ "GET",    "/api/v2/authorizations/:id",	api_token_get, R_AUTH },
	{ "PATCH",  "/api/v2/authorizations/:id",	api_token_patch,
	    R_BODY | R_AUTH },
	{ "DELETE", "/api/v2/authorizations/:id",	api_token_delete, R_AUTH },
	/* A new secret for a token (an extension: docs/compatibility.md). */
	{ "POST",   "/api/v2/authorizations/:id/rotate", api_token_rotate,
	    R_BODY | R_AUTH },
	{ "GET",    "/api/v2/orgs",			api_orgs_list, R_AUTH },
	{ "POST",   "/api/v2/orgs",			api_orgs_create,
	    R_BODY | R_AUTH },
	{ "GET",    "/api/v2/orgs/:id",			api_org_get, R_AUTH },
	{ "PATCH",  "/api/v2/orgs/:id",			api_org_patch,
	    R_BODY | R_AUTH },
	{ "DELETE", "/api/v2/orgs/:id",			api_org_delete, R_AUTH },
	{ "GET",    "/api/v2/orgs/:id/members",		api_members_list, R_AUTH },
	{ "POST",   "/api/v2/orgs/:id/members",		api_members_add,
	    R_BODY | R_AUTH },
	{ "DELETE", "/api/v2/orgs/:id/members/:uid",	api_member_remove, R_AUTH },
	{ "GET",    "/api/v2/orgs/:id/owners",		api_owners_list, R_AUTH },
	{ "POST",   "/api/v2/orgs/:id/owners",		api_owners_add,
	    R_BODY | R_AUTH },
	{ "DELETE", "/api/v2/orgs/:id/owners/:uid",	api_owner_remove, R_AUTH },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* Each route's index among the distinct patterns; filled in once. */
static int		 pattern_of[NROUTES];
static const char	*patterns[NROUTES];
static size_t		 npatterns;

static void
index_patterns(void)
{
	size_t	 i, j;

	for (i = 0; i < NROUTES; i++) {
		for (j = 0; j < npatterns; j++)
			if (strcmp(patterns[j], routes[i].pattern) == 0)
				break;
		if (j == npatterns)
			patterns[npatterns++] = routes[i].pattern;
		pattern_of[i] = (int)j;
	}
}

size_t
router_patterns(const char *const **out)
{
	if (npatterns == 0)
		index_patterns();
	*out = patterns;
	return npatterns;
}

/*
 * 1 when the request path matches pattern; path parameters go to r->args.
 * Walks the pattern in place: this runs for every route of every request.
 */
static int
match(struct req *r, const char *pattern)
{
	const char	*p = pattern, *end;
	size_t		 i = 0, len;

	r->nargs = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (i >= r->nsegs)
			return 0;
		if (*p == ':') {
			if (r->nargs < sizeof(r->args) / sizeof(r->args[0]))
				r->args[r->nargs++] = r->segs[i];
		} else if (strlen(r->segs[i]) != len ||
		    memcmp(p, r->segs[i], len) != 0)
			return 0;
		i++;
		p = end;
	}
	return i == r->nsegs;
}

static void
cors_preflight(struct req *r)
{
	http_add_header(r, "Access-Control-Allow-Methods",
	    "POST, GET, OPTIONS, PUT, DELETE, PATCH");
	http_add_header(r, "Access-Control-Allow-Headers", "Accept, "
	    "Content-Type, Content-Length, Accept-Encoding, Authorization, "
	    "User-Agent");
	http_send_empty(r, 204);
}

void
router_dispatch(struct req *r)
{
	const struct route	*rt = NULL;
	struct apierr		 e;
	char			 allow[128] = "";
	const char		*origin;
	size_t			 i;
	int			 path_known = 0;

	memset(&e, 0, sizeof(e));
	if (npatterns == 0)
		index_patterns();
	if (r->path_too_deep)
		goto notfound;
	for (i = 0; i < NROUTES; i++) {
		if (!match(r, routes[i].pattern) ||
		    ((routes[i].flags & R_EXACT) &&
		    strcmp(r->path, routes[i].pattern) != 0))
			continue;
		if (!path_known)
			r->route = pattern_of[i];
		path_known = 1;
		if (strstr(allow, routes[i].method) == NULL)
			snprintf(allow + strlen(allow), sizeof(allow) -
			    strlen(allow), "%s%s", *allow ? ", " : "",
			    routes[i].method);
		if (strcmp(routes[i].method, r->method) == 0 && rt == NULL)
			rt = &routes[i];
	}
	if (rt == NULL && path_known && strcmp(r->method, "OPTIONS") == 0 &&
	    (origin = http_header(r, "Origin")) != NULL) {
		if (cfg_origin_allowed(r->cfg, origin, strlen(origin))) {
			cors_preflight(r);
			return;
		}
		apierr_set(&e, APIERR_FORBIDDEN, "cross-origin requests are "
		    "answered only for the origins in allowed_origins");
		goto fail;
	}
	if (rt == NULL && path_known) {
		http_add_header(r, "Allow", allow);
		apierr_set(&e, APIERR_METHOD_NOT_ALLOWED, "allow: %s", allow);
		http_send_error(r, &e);
		return;
	}
	if (rt == NULL)
		goto notfound;
	r->route = pattern_of[rt - routes];
	/* Re-match to restore this route's path parameters. */
	match(r, rt->pattern);
	if ((rt->flags & R_BODY) && http_read_body(r, &e) == -1)
		goto fail;
	if ((rt->flags & R_AUTH) && auth_authenticate(r, &e) == -1)
		goto fail;
	if (rt->fn(r, &e) == 0) {
		if (!r->sent) {
			log_warnx("handler for %s %s sent nothing", rt->method,
			    rt->pattern);
			apierr_internal(&e);
			http_send_error(r, &e);
		}
		return;
	}
fail:
	http_send_error(r, &e);
	return;
notfound:
	apierr_set(&e, APIERR_NOT_FOUND, "path not found");
	http_send_error(r, &e);
}
