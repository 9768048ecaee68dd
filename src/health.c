/*
 * health.c -- the health service: one ping that says whether a server
 * that takes writes is reached, translated into what /health reports, and
 * the process's start time for /ready.
 */
#include <time.h>

#include "db.h"
#include "db_admin.h"
#include "health.h"
#include "banned.h"

/* Set before any fork, so it is the same in every worker of a master. */
static time_t started;

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

const char *
health_check(struct db *db, struct arena *a)
{
	enum dbres	 rc;
	int		 writable;

	rc = db_ping(db, a, &writable);
	if (rc == DB_UNAVAILABLE)
		return failure_text(db_failure(db));
	if (rc != DB_OK)
		return "query: the health check failed";
	if (!writable) {
		/* Connected before it turned read-only: look again next time. */
		db_close(db);
		return failure_text(DBFAIL_READONLY);
	}
	return NULL;
}

void
health_init(void)
{
	started = time(NULL);
}

time_t
health_started(void)
{
	return started;
}
