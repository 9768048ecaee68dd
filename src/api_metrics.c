/*
 * api_metrics.c -- GET /metrics: the counters of metrics.c in Prometheus'
 * text format, for the whole master (or every process sharing the metrics
 * file).  The setting "metrics" decides who may read them: nobody (404, as
 * if there were no such path), anyone the web server lets through, or an
 * operator: a token that may read every resource type of the instance, or
 * an instance owner's session.  An operator of another instance than the
 * default one sees that instance's series only: its vhost is a tenant's.
 */
#include <string.h>

#include "api.h"
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "http.h"
#include "metrics.h"
#include "password.h"
#include "perm.h"
#include "router.h"
#include "tokens.h"
#include "banned.h"

#define PROM_CTYPE	"text/plain; version=0.0.4; charset=utf-8"

/* 1 when p may read the whole instance (what an operator token holds). */
static int
is_operator(const struct principal *p)
{
	int	 t;

	if (policy_allowed(p, ACT_READ, RT_INSTANCE, NULL, NULL))
		return 1;
	for (t = 0; t < RT__MAX; t++)
		if (t != RT_INSTANCE &&
		    !policy_allowed(p, ACT_READ, (enum rtype)t, NULL, NULL))
			return 0;
	return 1;
}

int
api_metrics(struct req *r, struct apierr *e)
{
	struct metrics_view	 v;
	struct token_stats	 stats;
	struct apierr		 te;
	struct abuf		 out;

	if (r->cfg->metrics == METRICS_OFF)
		return apierr_set(e, APIERR_NOT_FOUND, "path not found");
	if (!metrics_enabled())
		return apierr_set(e, APIERR_UNAVAILABLE, "metrics are "
		    "unavailable (the log says why)");
	memset(&v, 0, sizeof(v));
	if (r->cfg->metrics == METRICS_TOKEN) {
		if (auth_authenticate(r, e) == -1)
			return -1;
		if (!is_operator(r->principal))
			return apierr_set(e, APIERR_FORBIDDEN, "read:instance "
			    "is unauthorized: /metrics needs an operator "
			    "token");
		if (r->instance != NULL && *r->instance != '\0')
			v.only_instance = r->instance;
	}
	v.nroutes = router_patterns(&v.routes);
	v.hash_slots = pw_concurrency(r->cfg);
	v.hash_busy = pw_slots_busy();
	/* A database that does not answer costs the token gauges only. */
	if (tokens_stats(r->db, r->arena, &stats, &te) == 0) {
		v.tokens = &stats;
		v.tokens_instance = r->instance ? r->instance : "";
	}
	abuf_init(&out, r->arena, 65536);
	metrics_render(&out, &v);
	http_send(r, 200, PROM_CTYPE, out.data, out.len);
	return 0;
}
