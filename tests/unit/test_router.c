/*
 * test_router.c -- every route of router.c's table, without credentials.
 * A route the router authenticates (R_AUTH) or whose handler does
 * (R_SELF_AUTH) must answer 401 `unauthorized` before it reads anything:
 * the database here is unreachable, so a route that asked it first would
 * answer 503 instead.  The routes that answer without credentials
 * (R_PUBLIC) are exactly the documented ones below (docs/permissions.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.c"

#include "fake_io.h"
#include "metrics.h"
#include "tap.h"

/*
 * The routes answered without credentials, and what they answer with the
 * database down: the probes, and onboarding until it is done.
 */
static const struct {
	const char	*method, *pattern;
	int		 status;
} public_routes[] = {
	{ "GET",  "/health",		503 },	/* says the database is down */
	{ "GET",  "/ping",		204 },
	{ "HEAD", "/ping",		204 },
	{ "GET",  "/ready",		200 },
	{ "GET",  "/api/v2/setup",	503 },	/* asks whether it is done */
	{ "POST", "/api/v2/setup",	400 },	/* no body: refused first */
};

#define NPUBLIC	(sizeof(public_routes) / sizeof(public_routes[0]))

static struct db	*DOWN;

/* pattern with each ":x" made id. */
static const char *
concrete(const char *pattern, const char *id)
{
	struct abuf	 b;
	const char	*p;

	abuf_init(&b, A, 64);
	for (p = pattern; *p != '\0'; p++) {
		if (*p != ':') {
			abuf_printf(&b, "%c", *p);
			continue;
		}
		abuf_adds(&b, id);
		while (p[1] != '\0' && p[1] != '/')
			p++;
	}
	return b.data;
}

/* The response status of method path, sent without credentials. */
static int
status_of(const char *method, const char *path, struct fake *f)
{
	struct req	 r;
	struct apierr	 e;

	memset(f, 0, sizeof(*f));
	memset(&e, 0, sizeof(e));
	fake_set(f, "REQUEST_METHOD", method);
	fake_set(f, "REMOTE_ADDR", "127.0.0.1");
	if (init_req(&r, f, path, &e) == -1)
		return -1;
	r.db = DOWN;
	router_dispatch(&r);
	return r.status;
}

static int
documented_public(const struct route *rt, int *status)
{
	size_t	 i;

	for (i = 0; i < NPUBLIC; i++)
		if (strcmp(public_routes[i].method, rt->method) == 0 &&
		    strcmp(public_routes[i].pattern, rt->pattern) == 0) {
			*status = public_routes[i].status;
			return 1;
		}
	return 0;
}

static void
test_every_route(void)
{
	const struct route	*rt;
	struct fake		 f;
	const char		*body;
	size_t			 i, npublic = 0;
	int			 kinds, status, want = 0;

	for (i = 0; i < NROUTES; i++) {
		rt = &routes[i];
		kinds = !!(rt->flags & R_AUTH) + !!(rt->flags & R_SELF_AUTH) +
		    !!(rt->flags & R_PUBLIC);
		is_int(kinds, 1, "%s %s: one of R_AUTH, R_SELF_AUTH, R_PUBLIC",
		    rt->method, rt->pattern);
		status = status_of(rt->method, concrete(rt->pattern,
		    "0a0a0a0a0a0a0a0a"), &f);
		body = out_body(&f);
		if (rt->flags & R_PUBLIC) {
			npublic++;
			ok(documented_public(rt, &want), "%s %s: answered "
			    "without credentials, and documented so",
			    rt->method, rt->pattern);
			is_int(status, want, "%s %s: %d without credentials",
			    rt->method, rt->pattern, want);
			continue;
		}
		is_int(status, 401, "%s %s: 401 without credentials",
		    rt->method, rt->pattern);
		is_str(body, "{\"code\":\"unauthorized\",\"message\":"
		    "\"unauthorized access\"}", "%s %s: the body is the "
		    "unauthorized error", rt->method, rt->pattern);
		/* A malformed id is the request's: credentials come first. */
		if (strchr(rt->pattern, ':') != NULL)
			is_int(status_of(rt->method, concrete(rt->pattern,
			    "bad"), &f), 401, "%s %s: 401 with a malformed id "
			    "too", rt->method, rt->pattern);
	}
	is_int((int)npublic, (int)NPUBLIC,
	    "every documented public route is in the table");
}

int
main(void)
{
	char	 err[256];

	if (cfg_load(&CFG, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "test_router: %s\n", err);
		return 2;
	}
	A = arena_new();
	/* The default metrics = token: /metrics asks for a token. */
	if (metrics_master_init(&CFG) == -1 || metrics_proc_init(&CFG) == -1)
		return 2;
	DOWN = db_new("host=/nonexistent/usersd-test-router port=1 "
	    "connect_timeout=1", &CFG);
	test_every_route();
	db_free(DOWN);
	arena_free(A);
	cfg_release(&CFG);
	return done_testing();
}
