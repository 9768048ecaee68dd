/*
 * api_health.c -- /health (InfluxDB's shape; 503 "fail", with the failing
 * part in the check's message, while no PostgreSQL server takes writes),
 * /ping and /ready (since when the process serves: a master's workers give
 * the master's start).
 */
#include <time.h>

#include "api.h"
#include "health.h"
#include "http.h"
#include "json.h"
#include "banned.h"

int
api_health(struct req *r, struct apierr *e)
{
	const char	*why;

	why = health_check(r->db, r->arena);
	http_send_json(r, why == NULL ? 200 : 503, json_health_encode(r->arena,
	    why == NULL, why == NULL ? "ready for queries and writes" :
	    "database unavailable", why));
	return 0;
}

int
api_ping(struct req *r, struct apierr *e)
{
	http_send_empty(r, 204);
	return 0;
}

int
api_ready(struct req *r, struct apierr *e)
{
	time_t		 started = health_started();
	char		 date[40];
	struct tm	 tm;

	gmtime_r(&started, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	http_send_json(r, 200, arena_printf(r->arena, "{\"status\":\"ready\","
	    "\"started\":\"%s\",\"up\":\"%llds\"}", date,
	    (long long)(time(NULL) - started)));
	return 0;
}
