/*
 * api_health.c -- /health (InfluxDB's shape; 503 "fail", with the failing
 * part in the check's message, while no PostgreSQL server takes writes),
 * /ping and /ready.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "banned.h"

/* Which part of "a server that takes writes" is missing. */
static const char *
failure_text(enum dbfail f)
{
	switch (f) {
	case DBFAIL_CONNECT:
		return "connect: no database server reachable";
	case DBFAIL_READONLY:
		return "read-write: the servers reached are read-only "
		    "(standby, or no primary yet)";
	case DBFAIL_TIMEOUT:
		return "query: no answer within statement_timeout";
	default:
		return "query: the connection to the database broke";
	}
}

int
api_health(struct req *r, struct apierr *e)
{
	struct dbrows	 rows;
	const char	*why = NULL;
	enum dbres	 rc;

	rc = db_run(r->db, STMT_PING, 0, NULL, r->arena, &rows);
	if (rc != DB_OK)
		why = rc == DB_UNAVAILABLE ? failure_text(db_failure(r->db)) :
		    "query: the health check failed";
	else if (strcmp(dbrows_get(&rows, 0, 0), "t") != 0) {
		/* Connected before it turned read-only: look again next time. */
		why = failure_text(DBFAIL_READONLY);
		db_close(r->db);
	}
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
