/*
 * db.c -- libpq connection lifecycle and the statement table.  Every SQL
 * text the program runs is in stmts.def, made into stmts[] here (after
 * openradtool); each is prepared once per connection, lazily on first
 * use, and run only as a prepared statement (exec_bounded: PQexecPrepared
 * with a deadline).  SQLSTATEs become enum dbres here and nowhere else.
 * The typed functions of db_<entity>.c are db_run's callers.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "cfg.h"
#include "db.h"
#include "fields.h"
#include "log.h"
#include "metrics.h"
#include "model.h"
#include "banned.h"

#define STMT_SQL
/* An instance's object in a statement: see qualify(). */
#define T_MARK	'\001'
#define T(name)	"\001" #name
enum retry { RETRY_ONCE = 0, RETRY_SAFE };

static const struct stmt_def {
	const char	*name;		/* for log lines */
	int		 params;
	int		 columns;
	enum retry	 retry;
	const char	*sql;
} stmts[STMT__MAX] = {
#define STMT(name, params, columns, retry, sql) \
	[STMT_##name] = { #name, params, columns, RETRY_##retry, sql },
#include "stmts.def"
#undef STMT
};

/* The prepared bits of a hosted instance: struct db_schema's words. */
#define SCHEMA_BITS	(8 * sizeof(((struct db_schema *)0)->prepared))
_Static_assert(STMT__MAX <= SCHEMA_BITS, "struct db_schema's prepared "
    "bits hold every statement");

struct db {
	PGconn		*conn;
	char		*conninfo;
	const struct cfg *cfg;
	unsigned char	 prepared[STMT__MAX];	/* for schema == NULL */
	struct db_schema *schema;	/* the hosted instance served now */
	unsigned long	 epoch;		/* connections made so far */
	char		 constraint[128];
	char		 raised[256];
	struct timespec	 failed_at;	/* last failed connect, or zero */
	enum dbfail	 fail;		/* why the last DB_UNAVAILABLE */
};

/* After a failed connect, answer "unavailable" at once for this long. */
#define RECONNECT_PAUSE_MS	250
/*
 * How long past statement_timeout db_run waits for an answer.  The server
 * ends a slow statement itself at statement_timeout; what it does not end
 * is a commit waiting for a synchronous standby that is down (the wait
 * comes after the statement), or a server that stopped answering.
 */
#define DEADLINE_GRACE_MS	1000

struct db *
db_new(const char *conninfo, const struct cfg *cfg)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->conninfo = strdup(conninfo ? conninfo : "")) == NULL)
		fatal("db_new");
	db->cfg = cfg;
	return db;
}

static void
db_disconnect(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	memset(db->prepared, 0, sizeof(db->prepared));
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db->conninfo);
	free(db);
}

/* libpq's notices (e.g. "relation exists, skipping") belong in the debug log. */
static void
notice(void *arg, const char *msg)
{
	log_debug("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* libpq says one line per host tried: keep them all, on one line. */
static void
oneline(char *s)
{
	size_t	 n;

	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\t')
			*s = ' ';
	for (n = strlen(s); n > 0 && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
}

/*
 * Whether the server has ended an idle connection: between statements
 * nothing is due from it, so anything to read is its last word (a FATAL
 * for a shutdown or a terminated backend) or end of file.  Seen before
 * sending, a statement goes to a new connection instead of being lost.
 */
static int
ended(struct db *db)
{
	struct pollfd	 pfd;

	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd < 0 || poll(&pfd, 1, 0) > 0;
}

/*
 * Names resolve in pg_catalog alone on every connection, whatever the
 * conninfo, the role's or the database's settings say: each statement
 * names its instance's objects with their schema (qualify), so nothing
 * of a schema on a search_path -- "$user", public, a tenant's -- can
 * overload a built-in function or operator under a statement.
 */
static int
pin_search_path(struct db *db, char *err, size_t errsz)
{
	PGresult	*res;
	int		 ok;

	res = PQexecParams(db->conn,
	    "SELECT pg_catalog.set_config('search_path', 'pg_catalog', false)",
	    0, NULL, NULL, NULL, NULL, 0);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok) {
		snprintf(err, errsz, "pinning the search_path: %s",
		    PQerrorMessage(db->conn));
		oneline(err);
		db->fail = DBFAIL_CONNECT;
		db_disconnect(db);
		clock_gettime(CLOCK_MONOTONIC, &db->failed_at);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

int
db_connect(struct db *db, char *err, size_t errsz)
{
	char		 timeout[16], options[512];
	const char	*keys[6], *vals[6], *pgopts;
	struct timespec	 now;
	int		 intx;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK) {
		if (!ended(db))
			return 0;
		/*
		 * Nothing was sent yet, so any statement may go to a new
		 * connection -- unless a transaction was open on the old one.
		 */
		intx = PQtransactionStatus(db->conn) != PQTRANS_IDLE;
		log_warnx("the database server ended the connection; "
		    "reconnecting");
		db_disconnect(db);
		if (intx) {
			db->fail = DBFAIL_LOST;
			snprintf(err, errsz, "connection lost inside a "
			    "transaction");
			return -1;
		}
	}
	db_disconnect(db);
	/* A down server must not cost every request a connect attempt. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (db->failed_at.tv_sec != 0 &&
	    (now.tv_sec - db->failed_at.tv_sec) * 1000 +
	    (now.tv_nsec - db->failed_at.tv_nsec) / 1000000 <
	    RECONNECT_PAUSE_MS) {
		snprintf(err, errsz, "reconnecting is paused after a failure");
		return -1;
	}
	snprintf(timeout, sizeof(timeout), "%lld", db->cfg->connect_timeout);
	/*
	 * Generic plans: every statement is a key lookup or a short index
	 * range, and PostgreSQL's default would re-plan one like the users
	 * page (LIMIT $2) on every execution (the bench: 3 lseeks each).
	 */
	/* PGOPTIONS still counts (e.g. -c usersd.role_prefix=... to migrate). */
	pgopts = getenv("PGOPTIONS");
	snprintf(options, sizeof(options), "%s -c statement_timeout=%lld "
	    "-c plan_cache_mode=force_generic_plan", pgopts ? pgopts : "",
	    db->cfg->statement_timeout);
	/*
	 * Our defaults first: the admin's conninfo (dbname) overrides them.
	 * With several hosts (host=a,b), libpq tries them in turn and keeps
	 * only a server that takes writes: after a failover, the next connect
	 * finds the promoted standby.
	 */
	keys[0] = "connect_timeout";	vals[0] = timeout;
	keys[1] = "application_name";	vals[1] = "usersd";
	keys[2] = "options";		vals[2] = options;
	keys[3] = "target_session_attrs"; vals[3] = "read-write";
	keys[4] = "dbname";		vals[4] = db->conninfo;
	keys[5] = NULL;			vals[5] = NULL;
	if (*db->conninfo == '\0')
		keys[4] = vals[4] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		snprintf(err, errsz, "%s", db->conn ?
		    PQerrorMessage(db->conn) : "out of memory");
		oneline(err);
		db->fail = db->conn != NULL &&
		    (strstr(PQerrorMessage(db->conn), "read-only") != NULL ||
		    strstr(PQerrorMessage(db->conn), "hot standby") != NULL) ?
		    DBFAIL_READONLY : DBFAIL_CONNECT;
		db_disconnect(db);
		clock_gettime(CLOCK_MONOTONIC, &db->failed_at);
		metrics_pg_connect_failed();
		return -1;
	}
	memset(&db->failed_at, 0, sizeof(db->failed_at));
	if (pin_search_path(db, err, errsz) == -1)
		return -1;
	/* Every schema's statements are gone with the old connection. */
	db->epoch++;
	PQsetNoticeProcessor(db->conn, notice, NULL);
	return 0;
}

void
db_use_schema(struct db *db, struct db_schema *s)
{
	db->schema = s;
}

const char *
db_instance_name(const struct db *db)
{
	return db->schema != NULL ? db->schema->name : "";
}

int
hosted_name_valid(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n >= sizeof(((struct db_schema *)0)->name) - 8 ||
	    strncmp(name, "pg_", 3) == 0 || strcmp(name, "public") == 0 ||
	    strcmp(name, "information_schema") == 0 ||
	    !(islower((unsigned char)name[0]) ||
	    isdigit((unsigned char)name[0])))
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return 0;
	return 1;
}

/*
 * stmts[s] in schema: each object of an instance, marked T(name) in
 * stmts.def (the marker byte, then the name), becomes "schema".name.
 * tests/unit/test_stmts.c proves every table, view and function of the
 * migrations a statement names is marked, so none resolves elsewhere
 * (the connection's search_path is pg_catalog alone).  Free the result.
 */
static char *
qualify(const char *sql, const char *schema)
{
	size_t		 cap = strlen(sql) + 1, len = 0;
	const char	*p;
	char		*out;

	for (p = sql; *p != '\0'; p++)
		if (*p == T_MARK)
			cap += strlen(schema) + 2;	/* "schema". for the mark */
	if ((out = malloc(cap)) == NULL)
		fatal("qualify");
	for (p = sql; *p != '\0'; p++) {
		if (*p == T_MARK)
			len += (size_t)snprintf(out + len, cap - len, "\"%s\".",
			    schema);
		else
			out[len++] = *p;
	}
	out[len] = '\0';
	return out;
}

/* The name statement s is prepared under on this connection. */
static void
stmt_name(const struct db *db, enum stmt s, char *buf, size_t bufsz)
{
	if (db->schema != NULL)
		snprintf(buf, bufsz, "s%d.%s.%u", (int)s, db->schema->name,
		    db->schema->gen);
	else
		snprintf(buf, bufsz, "s%d", (int)s);
}

/*
 * SQLSTATEs of a hosted instance's schema that is not there (dropped), or
 * was made again under a prepared statement ("cached plan must not change
 * result type": its types are new).
 */
static int
is_gone(const char *state)
{
	return strcmp(state, "3F000") == 0 || strcmp(state, "42P01") == 0 ||
	    strcmp(state, "42883") == 0 || strcmp(state, "42704") == 0 ||
	    strcmp(state, "0A000") == 0;
}

static enum dbres
classify(struct db *db, PGresult *res)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char	*cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	const char	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	snprintf(db->constraint, sizeof(db->constraint), "%s",
	    cons ? cons : "");
	snprintf(db->raised, sizeof(db->raised), "%s", msg ? msg : "");
	db->fail = DBFAIL_NONE;
	if (PQstatus(db->conn) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strcmp(state, "53300") == 0) {
		db->fail = DBFAIL_LOST;
		return DB_UNAVAILABLE;
	}
	/* A standby, or a primary fenced read-only: nothing was written. */
	if (strcmp(state, "25006") == 0) {
		db->fail = DBFAIL_READONLY;
		return DB_UNAVAILABLE;
	}
	if (strcmp(state, "23505") == 0)
		return DB_CONFLICT;
	if (strcmp(state, "23503") == 0)
		return DB_FOREIGN;
	/* Refused values: CHECK, NOT NULL, too long, bad encoding. */
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 ||
	    strcmp(state, "22001") == 0 || strcmp(state, "22021") == 0)
		return DB_CHECK;
	if (strcmp(state, "P0001") == 0)
		return DB_RAISED;
	if (strcmp(state, "UA001") == 0)
		return DB_REFUSED;
	if (strcmp(state, "57014") == 0) {	/* statement timeout */
		db->fail = DBFAIL_TIMEOUT;
		return DB_UNAVAILABLE;
	}
	if (db->schema != NULL && is_gone(state)) {
		db->schema->gone = 1;
		return DB_UNAVAILABLE;
	}
	return DB_ERROR;
}

static int
prepare(struct db *db, enum stmt s)
{
	struct db_schema *sc = db->schema;
	char		 name[64], *sql;
	const char	*state;
	PGresult	*res;
	int		 ok;

	/* Not found, or not yet looked up again: no statement runs there. */
	if (sc != NULL && sc->gone)
		return -1;
	if (sc != NULL && sc->epoch != db->epoch) {
		memset(sc->prepared, 0, sizeof(sc->prepared));
		sc->epoch = db->epoch;
	}
	if (sc != NULL ? (sc->prepared[s / 64] >> s % 64 & 1) != 0 :
	    db->prepared[s] != 0)
		return 0;
	stmt_name(db, s, name, sizeof(name));
	/* A database instance's objects are in its schema public. */
	sql = qualify(stmts[s].sql, sc != NULL ? sc->name : "public");
	res = PQprepare(db->conn, name, sql, 0, NULL);
	free(sql);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!ok && sc != NULL && state != NULL && is_gone(state))
		sc->gone = 1;
	else if (!ok && (s == STMT_HOSTED_LOOKUP || s == STMT_HOSTED_LIST) &&
	    state != NULL && strcmp(state, "42P01") == 0)
		;	/* no instance created in this database yet */
	else if (!ok)
		log_warnx("cannot prepare statement %s: %s", stmts[s].name,
		    PQerrorMessage(db->conn));
	PQclear(res);
	if (ok && sc != NULL)
		sc->prepared[s / 64] |= (uint64_t)1 << s % 64;
	else if (ok)
		db->prepared[s] = 1;
	return ok ? 0 : -1;
}

static void
copy_rows(PGresult *res, struct arena *a, struct dbrows *out)
{
	int	 r, c;

	out->nrows = PQntuples(res);
	out->ncols = PQnfields(res);
	out->v = NULL;
	out->arena = a;
	if (out->nrows == 0 || out->ncols == 0)
		return;
	out->v = arena_alloc(a, sizeof(char *) * (size_t)out->nrows *
	    (size_t)out->ncols);
	for (r = 0; r < out->nrows; r++)
		for (c = 0; c < out->ncols; c++)
			out->v[r * out->ncols + c] = PQgetisnull(res, r, c) ?
			    NULL : arena_strndup(a, PQgetvalue(res, r, c),
			    (size_t)PQgetlength(res, r, c));
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * PQexecPrepared with a deadline: statement_timeout + DEADLINE_GRACE_MS.
 * Past it the statement is cancelled (a commit waiting for its standby
 * then completes on the primary alone, so it was never confirmed on both)
 * and the connection dropped.  PQcancel opens a connection of its own:
 * at once to a live server; to a host that is gone, after the kernel's
 * connect timeout, which still beats waiting for TCP to give up.  The last result, or NULL when the
 * connection failed or the deadline passed (db->fail says which).
 */
static PGresult *
exec_bounded(struct db *db, const char *name, int n,
    const char *const *params)
{
	struct pollfd	 pfd;
	PGcancel	*cancel;
	PGresult	*res = NULL, *r;
	char		 errbuf[256];
	long long	 deadline, left;

	if (!PQsendQueryPrepared(db->conn, name, n, params, NULL, NULL, 0))
		return NULL;
	deadline = now_ms() + db->cfg->statement_timeout + DEADLINE_GRACE_MS;
	for (;;) {
		while (PQisBusy(db->conn)) {
			if ((left = deadline - now_ms()) <= 0)
				goto timedout;
			pfd.fd = PQsocket(db->conn);
			pfd.events = POLLIN;
			if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left)
			    == -1 && errno != EINTR)
				break;
			if (!PQconsumeInput(db->conn))
				break;
		}
		/* Until NULL: the answer counts only once the commit is done. */
		if ((r = PQgetResult(db->conn)) == NULL)
			break;
		PQclear(res);
		res = r;
		if (PQstatus(db->conn) != CONNECTION_OK)
			break;
	}
	return res;
timedout:
	PQclear(res);
	log_warnx("no answer from the database within statement_timeout "
	    "+ %d ms (a synchronous standby down?); cancelling",
	    DEADLINE_GRACE_MS);
	if ((cancel = PQgetCancel(db->conn)) != NULL) {
		if (!PQcancel(cancel, errbuf, sizeof(errbuf)))
			log_warnx("cannot cancel: %s", errbuf);
		PQfreeCancel(cancel);
	}
	db_disconnect(db);
	db->fail = DBFAIL_TIMEOUT;
	return NULL;
}

/* The metrics' failure class of a statement's outcome. */
static enum metrics_pgerr
pgerr_kind(enum dbres rc)
{
	switch (rc) {
	case DB_CONFLICT:	return PGERR_UNIQUE;
	case DB_CHECK:		return PGERR_CHECK;
	case DB_FOREIGN:	return PGERR_FOREIGN;
	case DB_RAISED:		return PGERR_RAISED;
	case DB_REFUSED:	return PGERR_REFUSED;
	case DB_UNAVAILABLE:	return PGERR_UNAVAILABLE;
	case DB_ERROR:		return PGERR_OTHER;
	default:		return PGERR_NONE;
	}
}

/*
 * The shape stmts.def gives s: a caller that passes another number of
 * parameters, or a result of another width, is a bug to log, not a
 * result to read with its fields shifted.
 */
static int
params_ok(enum stmt s, int n)
{
	if (n == stmts[s].params)
		return 1;
	log_warnx("statement %s takes %d parameters, not %d", stmts[s].name,
	    stmts[s].params, n);
	return 0;
}

static int
columns_ok(enum stmt s, const PGresult *res)
{
	if (PQnfields(res) == stmts[s].columns)
		return 1;
	log_warnx("statement %s returned %d columns, not %d", stmts[s].name,
	    PQnfields(res), stmts[s].columns);
	return 0;
}

/*
 * Sends both statements in one pipeline and reads both results: one network
 * round trip.  Returns 0 with res[0..1] set, or -1 when the connection
 * failed (whatever arrived is in res, for the caller to clear).
 */
static int
pipeline_pair(struct db *db, const char *n1, int c1, const char *const *p1,
    const char *n2, int c2, const char *const *p2, PGresult *res[2])
{
	PGresult	*r;
	int		 got = 0, nulls = 0, ok;

	res[0] = res[1] = NULL;
	if (!PQenterPipelineMode(db->conn))
		return -1;
	ok = PQsendQueryPrepared(db->conn, n1, c1, p1, NULL, NULL, 0) &&
	    PQsendQueryPrepared(db->conn, n2, c2, p2, NULL, NULL, 0) &&
	    PQpipelineSync(db->conn);
	while (ok) {
		if ((r = PQgetResult(db->conn)) == NULL) {
			/* NULL ends each statement's results; never 3 in a row. */
			if (PQstatus(db->conn) != CONNECTION_OK || ++nulls > 2)
				ok = 0;
			continue;
		}
		nulls = 0;
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (got < 2)
			res[got++] = r;
		else
			PQclear(r);
	}
	if (!PQexitPipelineMode(db->conn))
		ok = 0;
	return ok && got == 2 ? 0 : -1;
}

/*
 * A statement, or two reads in one pipeline (db_run_pair): what attempt()
 * sends, and each statement's outcome with its rows.
 */
struct run {
	int		 count;		/* 1 or 2 */
	enum stmt	 s[2];
	int		 n[2];
	const char *const *p[2];
	struct dbrows	*out[2];	/* may be NULL */
	enum dbres	 rc[2];
};

/* An answer's class, its rows copied into a when it has any. */
static enum dbres
take(struct db *db, enum stmt s, PGresult *res, struct arena *a,
    struct dbrows *out)
{
	enum dbres	 rc;

	if (res == NULL)
		return DB_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		if ((rc = classify(db, res)) == DB_ERROR)
			log_warnx("statement %s failed: %s", stmts[s].name,
			    PQresultErrorMessage(res));
		return rc;
	}
	if (!columns_ok(s, res))
		return DB_ERROR;
	if (out != NULL && a != NULL)
		copy_rows(res, a, out);
	return PQntuples(res) > 0 || PQresultStatus(res) == PGRES_COMMAND_OK ?
	    DB_OK : DB_NOROW;
}

/*
 * Runs r: the first statement's class is returned, each one's is in
 * r->rc.  One retry, on a new connection, and only of what cannot have
 * committed: a run never sent, one a read-only server refused, or one of
 * retry-safe statements whose connection broke.  Never inside a
 * transaction, which died with its connection; never after the deadline
 * (exec_bounded), which a failover could not have cut short.
 */
static enum dbres
attempt(struct db *db, struct run *r, struct arena *a)
{
	char		 name[2][64], err[256];
	PGresult	*res[2];
	int		 tries, idle, safe = 1, sent, i, answered;

	for (i = 0; i < r->count; i++) {
		r->rc[i] = DB_UNAVAILABLE;
		if (r->out[i] != NULL)
			memset(r->out[i], 0, sizeof(*r->out[i]));
		safe &= stmts[r->s[i]].retry == RETRY_SAFE;
	}
	for (tries = 0; tries < 2; tries++) {
		if (db_connect(db, err, sizeof(err)) == -1) {
			log_warnx("database unavailable: %s", err);
			return DB_UNAVAILABLE;
		}
		db->fail = DBFAIL_NONE;
		idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
		for (i = 0; i < r->count && prepare(db, r->s[i]) == 0; i++)
			stmt_name(db, r->s[i], name[i], sizeof(name[i]));
		if (i < r->count) {
			/* A connection that broke while idle fails here first. */
			if (PQstatus(db->conn) != CONNECTION_OK) {
				db->fail = DBFAIL_LOST;
				db_disconnect(db);
				if (idle)
					continue;
				return DB_UNAVAILABLE;
			}
			return db->schema && db->schema->gone ?
			    DB_UNAVAILABLE : DB_ERROR;
		}
		res[1] = NULL;
		if (r->count == 1)
			sent = (res[0] = exec_bounded(db, name[0], r->n[0],
			    r->p[0])) != NULL;
		else
			sent = pipeline_pair(db, name[0], r->n[0], r->p[0],
			    name[1], r->n[1], r->p[1], res) == 0;
		if (!sent && db->fail != DBFAIL_TIMEOUT)
			db->fail = DBFAIL_LOST;
		for (i = 0, answered = 1; i < r->count; i++) {
			r->rc[i] = take(db, r->s[i], res[i], a, r->out[i]);
			answered &= r->rc[i] != DB_UNAVAILABLE;
			PQclear(res[i]);
		}
		if (answered)
			return r->rc[0];
		if (db->fail == DBFAIL_READONLY) {
			/* Another host may have been promoted: look again. */
			log_warnx("the database server is read-only; "
			    "reconnecting");
			db_disconnect(db);
			if (idle)
				continue;
			return DB_UNAVAILABLE;
		}
		if (db->fail == DBFAIL_TIMEOUT ||
		    (sent && PQstatus(db->conn) == CONNECTION_OK))
			return r->rc[0];
		log_warnx("database connection lost; reconnecting");
		metrics_pg_reconnect();
		db_disconnect(db);
		for (i = 0; i < r->count; i++)
			r->rc[i] = DB_UNAVAILABLE;
		if (!idle || !safe)
			return DB_UNAVAILABLE;
	}
	return DB_UNAVAILABLE;
}

static enum dbres
run_one(struct db *db, enum stmt s, int n, const char *const *params,
    struct arena *a, struct dbrows *out)
{
	struct run	 r = { .count = 1, .s = { s }, .n = { n },
	    .p = { params }, .out = { out } };

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (!params_ok(s, n))
		return DB_ERROR;
	return attempt(db, &r, a);
}

/*
 * Every statement's outcome and time go to the metrics, its name to the
 * debug log (what a request costs: tests/cgi/t0201).
 */
enum dbres
db_run(struct db *db, enum stmt s, int n, const char *const *params,
    struct arena *a, struct dbrows *out)
{
	uint64_t	 t0 = metrics_now_us();
	enum dbres	 rc;

	log_debug("statement %s", stmts[s].name);
	rc = run_one(db, s, n, params, a, out);

	metrics_pg_statement(pgerr_kind(rc), metrics_now_us() - t0);
	return rc;
}

enum dbres
db_run_bool(struct db *db, enum stmt s, struct arena *a, int *yes)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	const char	*v;

	*yes = 0;
	if ((rc = db_run(db, s, 0, NULL, a, &rows)) == DB_OK)
		*yes = (v = dbrows_get(&rows, 0, 0)) != NULL &&
		    strcmp(v, "t") == 0;
	return rc;
}

enum dbres
db_run_acting(struct db *db, enum stmt s, const struct actor *act, int n,
    const char *const *params, struct arena *a, struct dbrows *out)
{
	const char	*all[16];

	if (act == NULL)
		return db_run(db, s, n, params, a, out);
	if (n < 0 || n > 13 || !params_ok(s, n + 3))
		return DB_ERROR;
	if (n > 0)
		memcpy(all, params, sizeof(*all) * (size_t)n);
	all[n] = act->user_id;
	all[n + 1] = act->auth_id;
	all[n + 2] = act->addr;
	return db_run(db, s, n + 3, all, a, out);
}

static enum dbres
run_pair(struct db *db, enum stmt s1, int n1, const char *const *p1,
    enum stmt s2, int n2, const char *const *p2, struct arena *a,
    struct dbrows *out1, enum dbres *rc2, struct dbrows *out2)
{
	struct run	 r = { .count = 2, .s = { s1, s2 }, .n = { n1, n2 },
	    .p = { p1, p2 }, .out = { out1, out2 } };
	enum dbres	 rc1;

	memset(out1, 0, sizeof(*out1));
	memset(out2, 0, sizeof(*out2));
	*rc2 = DB_UNAVAILABLE;
	/* A pair is run again as a whole: only reads may ride. */
	if (!params_ok(s1, n1) || !params_ok(s2, n2) ||
	    stmts[s1].retry != RETRY_SAFE || stmts[s2].retry != RETRY_SAFE)
		return DB_ERROR;
	rc1 = attempt(db, &r, a);
	*rc2 = r.rc[1];
	return rc1;
}

/* One pipeline, one round trip: counted as one statement. */
enum dbres
db_run_pair(struct db *db, enum stmt s1, int n1, const char *const *p1,
    enum stmt s2, int n2, const char *const *p2, struct arena *a,
    struct dbrows *out1, enum dbres *rc2, struct dbrows *out2)
{
	uint64_t	 t0 = metrics_now_us();
	enum dbres	 rc;

	log_debug("statement %s with %s", stmts[s1].name, stmts[s2].name);
	rc = run_pair(db, s1, n1, p1, s2, n2, p2, a, out1, rc2, out2);

	metrics_pg_statement(pgerr_kind(rc), metrics_now_us() - t0);
	return rc;
}

const char *
dbrows_get(const struct dbrows *r, int row, int col)
{
	if (r == NULL || row >= r->nrows || col >= r->ncols || r->v == NULL)
		return NULL;
	return r->v[row * r->ncols + col];
}

const char *
db_constraint(const struct db *db)
{
	return db->constraint;
}

const char *
db_raised(const struct db *db)
{
	return db->raised;
}

enum dbfail
db_failure(const struct db *db)
{
	return db->fail;
}

void
db_close(struct db *db)
{
	db_disconnect(db);
}

int
db_create_database(const char *conninfo, const struct cfg *cfg, int *created,
    char *err, size_t errsz)
{
	PQconninfoOption	*opts, *o;
	struct db		*db;
	struct arena		*a;
	struct dbrows		 rows;
	char			*name = NULL, *admin;
	const char		*p;
	enum dbres		 rc;
	int			 ret = -1;

	*created = 0;
	if ((opts = PQconninfoParse(conninfo, &name)) == NULL) {
		snprintf(err, errsz, "bad conninfo: %s", name ? name : "?");
		err[strcspn(err, "\n")] = '\0';
		PQfreemem(name);
		return -1;
	}
	name = NULL;
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "dbname") == 0 && o->val != NULL &&
		    *o->val != '\0')
			name = strdup(o->val);
	PQconninfoFree(opts);
	if (name == NULL) {
		snprintf(err, errsz, "the conninfo must name a database "
		    "(dbname=...)");
		return -1;
	}
	/* The same server and role, its maintenance database. */
	if ((admin = malloc(strlen(conninfo) + 32)) == NULL)
		fatal("malloc");
	snprintf(admin, strlen(conninfo) + 32, "%s dbname=postgres", conninfo);
	db = db_new(admin, cfg);
	a = arena_new();
	p = name;
	rc = db_run(db, STMT_DATABASE_EXISTS, 1, &p, a, NULL);
	if (rc == DB_OK)
		ret = 0;
	else if (rc == DB_NOROW &&
	    db_run(db, STMT_CREATE_DATABASE_SQL, 1, &p, a, &rows) == DB_OK &&
	    db_script(db, dbrows_get(&rows, 0, 0), err, errsz) == 0) {
		*created = 1;
		ret = 0;
	} else if (*err == '\0' || rc != DB_NOROW)
		snprintf(err, errsz, "cannot create database \"%s\": %s", name,
		    db->conn ? PQerrorMessage(db->conn) : "no connection");
	err[strcspn(err, "\n")] = '\0';
	db_free(db);
	arena_free(a);
	free(admin);
	free(name);
	return ret;
}

int
db_script(struct db *db, const char *sql, char *err, size_t errsz)
{
	PGresult	*res;
	int		 rc = 0;

	if (db_connect(db, err, errsz) == -1)
		return -1;
	/*
	 * NOTE: the one use of the simple query protocol: trusted SQL text
	 * compiled into the binary, never built from input.
	 */
	if (!PQsendQuery(db->conn, sql)) {
		snprintf(err, errsz, "%s", PQerrorMessage(db->conn));
		return -1;
	}
	while ((res = PQgetResult(db->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK && rc == 0) {
			snprintf(err, errsz, "%s", PQresultErrorMessage(res));
			err[strcspn(err, "\n")] = '\0';
			rc = -1;
		}
		PQclear(res);
	}
	return rc;
}
