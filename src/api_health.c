/*
 * api_health.c -- /health (InfluxDB's shape; 503 "fail" while PostgreSQL
 * is unreachable), /ping and /ready.
 */
#include <stdio.h>
#include <time.h>

#include "api.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "banned.h"

int
api_health(struct req *r, struct apierr *e)
{
	int	 pass = db_run(r->db, STMT_PING, 0, NULL, r->arena, NULL) ==
	    DB_OK;

	http_send_json(r, pass ? 200 : 503, json_health_encode(r->arena, pass,
	    pass ? "ready for queries and writes" : "database unavailable"));
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
	static time_t	 started;
	char		 date[40];
	struct tm	 tm;

	if (started == 0)
		started = time(NULL);
	gmtime_r(&started, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	http_send_json(r, 200, arena_printf(r->arena, "{\"status\":\"ready\","
	    "\"started\":\"%s\",\"up\":\"%llds\"}", date,
	    (long long)(time(NULL) - started)));
	return 0;
}
