/*
 * db.c -- libpq connection lifecycle and the statement table.  Every SQL
 * text the program runs is below, in stmts[] (after openradtool); each is
 * prepared once per connection, lazily on first use, and run only as a
 * prepared statement (exec_bounded: PQexecPrepared with a deadline).
 * SQLSTATEs become enum dbres here and nowhere else.
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
#include "log.h"
#include "metrics.h"
#include "banned.h"

/* The columns every user-shaped statement returns, in this order. */
#define USER_COLS "id, name, status"
/* Token columns: 0 id, 1 status, 2 description, 3 org id, 4 org name,
 * 5 user id, 6 user name, 7 permissions (space separated), 8 created,
 * 9 updated. */
#define AUTH_COLS "a.id, a.status, a.description, a.org_id, o.name, " \
	"a.user_id, u.name, array_to_string(a.permissions, ' '), " \
	"usersd_time(a.created_at), usersd_time(a.updated_at)"
/* What a token write returns for AUTH_COLS (never the hash). */
#define AUTH_RET "id, status, description, org_id, user_id, permissions, " \
	"created_at, updated_at"
#define AUTH_FROM(t) " FROM " t " a JOIN orgs o ON o.id = a.org_id " \
	"JOIN users u ON u.id = a.user_id"
/* Org columns: 0 id, 1 name, 2 description, 3 created, 4 updated. */
#define ORG_COLS "id, name, description, usersd_time(created_at), " \
	"usersd_time(updated_at)"
/*
 * The principal behind a token, from its row alone (its user's status is
 * kept on it: sql/migrations/0007).  $1 token hash; $2 and $3 the token
 * id and row version (xmin) whose permissions the worker has parsed, or
 * NULL.  Columns: 0 auth id, 1 user id, 2 user status, 3 auth status,
 * 4 permissions (space separated), NULL when the row is still the version
 * $2/$3 (any UPDATE of the row makes a new xmin), 5 the row version; the
 * _USER variant adds 6-8 a user row (USER_COLS) in the same round trip:
 * $4, or the token's own user when $4 is NULL.
 */
#define PRINCIPAL_TOKEN \
	"SELECT a.id, a.user_id, a.user_status, a.status, " \
	"CASE WHEN a.id = $2::text AND a.xmin::text = $3::text THEN NULL " \
	"ELSE array_to_string(a.permissions, ' ') END, a.xmin"
#define PRINCIPAL_TOKEN_FROM	" FROM authorizations a"
/*
 * A session is due a touch once half its life ($2 seconds) has passed
 * (sliding expiry, capped by max_expires_at) or its last_used_at is a
 * minute old; the touch is a separate write, so the reads stay plain
 * SELECTs and most requests write nothing.
 */
#define SESSION_RENEW_DUE \
	"s.expires_at < now() + make_interval(secs => $2 / 2.0) " \
	"AND s.expires_at < s.max_expires_at"
#define SESSION_DUE \
	"(" SESSION_RENEW_DUE " OR s.last_used_at < now() - interval '1 minute')"
/* A session outlives no password change, deactivation or revocation. */
#define SESSION_FROM " FROM sessions s JOIN users u ON u.id = s.user_id " \
	"AND u.credential_gen = s.credential_gen"
#define SESSION_WHERE " WHERE s.id_hash = $1 AND s.expires_at > now()"
/*
 * The principal behind a session, in one statement.  Columns: 0 kind,
 * 1 session id, 2 user id, 3 user status, 4 "active", 5 permissions (space
 * separated), 6 owned org ids, 7 member org ids, 8 instance owner, 9 "t"
 * when the session is due a touch (auth.c then runs STMT_SESSION_TOUCH);
 * the _USER variant and STMT_SESSION_SELF add 10-12 a user row (USER_COLS)
 * in the same round trip: $3, or the session's own user when $3 is NULL.
 * The full principal of a session carries the permissions of the user's
 * active tokens and its org roles (auth.c adds what they imply).
 */
#define PRINCIPAL_SESSION \
	"SELECT 'session', s.id, u.id, u.status, 'active', " \
	"coalesce((SELECT string_agg(array_to_string(a.permissions, ' '), ' ') " \
	"FROM authorizations a WHERE a.user_id = u.id " \
	"AND a.status = 'active'), ''), " \
	"coalesce((SELECT string_agg(m.org_id, ' ') FROM org_members m " \
	"WHERE m.user_id = u.id AND m.role = 'owner'), ''), " \
	"coalesce((SELECT string_agg(m.org_id, ' ') FROM org_members m " \
	"WHERE m.user_id = u.id AND m.role = 'member'), ''), " \
	"u.instance_owner, " SESSION_DUE
/*
 * The audit log is written by triggers (sql/migrations/0005); a write
 * names its actor with usersd_act(user, token, address) in its own WHERE
 * clause, so the setting is in place when the triggers fire at the end
 * of the statement.  INSERTs are INSERT ... SELECT for that.
 */
#define ACT(u, t, addr) "usersd_act(" u ", " t ", " addr ")"

static const char *const stmts[STMT__MAX] = {
	/* STMT_PING -> "t" when this server takes writes (not a standby,
	 * not fenced with default_transaction_read_only) */
	"SELECT NOT (pg_is_in_recovery() OR "
	"current_setting('transaction_read_only')::boolean)",
	/* STMT_PRINCIPAL_TOKEN: $1 token hash, $2 $3 parsed id and version */
	PRINCIPAL_TOKEN PRINCIPAL_TOKEN_FROM " WHERE a.token_hash = $1",
	/* STMT_PRINCIPAL_TOKEN_USER: as above, $4 user id or NULL -- one
	 * round trip for GET /me and GET /users/{id} */
	PRINCIPAL_TOKEN ", t.id, t.name, t.status" PRINCIPAL_TOKEN_FROM
	" LEFT JOIN users t ON t.id = coalesce($4::text, a.user_id)"
	" WHERE a.token_hash = $1",
	/* STMT_PRINCIPAL_SESSION: $1 session-id hash, $2 length (s) */
	PRINCIPAL_SESSION SESSION_FROM SESSION_WHERE,
	/* STMT_PRINCIPAL_SESSION_USER: as above, $3 user id or NULL */
	PRINCIPAL_SESSION ", t.id, t.name, t.status" SESSION_FROM
	" LEFT JOIN users t ON t.id = coalesce($3::text, s.user_id)"
	SESSION_WHERE,
	/* STMT_SESSION_SELF: $1 session-id hash, $2 length (s) -- the same
	 * columns for GET /me, which needs the user and nothing it may do:
	 * no permissions or roles (a principal that can only be refused). */
	"SELECT 'session', s.id, u.id, u.status, 'active', '', '', '', "
	"u.instance_owner, " SESSION_DUE ", u.id, u.name, u.status"
	SESSION_FROM SESSION_WHERE,
	/* STMT_SESSION_TOUCH: $1 session-id hash, $2 length (s) -> the new
	 * expiry (epoch s) when the session was renewed, else NULL */
	"WITH t AS (SELECT s.id, " SESSION_RENEW_DUE " AS renew "
	"FROM sessions s" SESSION_WHERE ") "
	"UPDATE sessions SET expires_at = CASE WHEN t.renew THEN "
	"least(now() + make_interval(secs => $2), sessions.max_expires_at) "
	"ELSE sessions.expires_at END, last_used_at = now() FROM t "
	"WHERE sessions.id = t.id RETURNING CASE WHEN t.renew THEN "
	"floor(extract(epoch FROM sessions.expires_at))::bigint END",
	/* STMT_USER_GET: $1 id */
	"SELECT " USER_COLS " FROM users WHERE id = $1",
	/* STMT_USER_BY_NAME: $1 name */
	"SELECT " USER_COLS " FROM users WHERE name = $1",
	/* STMT_USER_INSERT: $1 id or NULL, $2 name, $3 status, $4 password
	 * hash or NULL, $5 actor user, $6 actor token, $7 address */
	"INSERT INTO users (id, name, status, password_hash) "
	"SELECT coalesce($1::text, usersd_new_id()), $2, $3, $4 "
	"WHERE " ACT("$5", "$6", "$7") " RETURNING " USER_COLS,
	/* STMT_USER_UPDATE: $1 id, $2 name or NULL, $3 status or NULL,
	 * $4 actor user, $5 actor token, $6 address.  Deactivation ends the
	 * user's sessions in the same statement. */
	"WITH u AS (UPDATE users SET name = coalesce($2, name), "
	"status = coalesce($3, status), updated_at = now() WHERE id = $1 "
	"AND " ACT("$4", "$5", "$6") " RETURNING " USER_COLS "), "
	"s AS (DELETE FROM sessions WHERE user_id IN "
	"(SELECT id FROM u WHERE status = 'inactive')) "
	"SELECT " USER_COLS " FROM u",
	/* STMT_USER_DELETE: $1 id, $2 actor user, $3 actor token, $4 address.
	 * Sessions, tokens and memberships go with it (ON DELETE CASCADE). */
	"DELETE FROM users WHERE id = $1 AND " ACT("$2", "$3", "$4")
	" RETURNING id",
	/* STMT_USERS_LIST: $1 after or NULL, $2 limit, $3 offset, $4 caller
	 * may read all, $5 ids it may read (space separated).  Permission
	 * filtering happens here, before paging.  The bound is a plain range
	 * on the key, so even a generic plan walks the index from `after`. */
	"SELECT " USER_COLS " FROM users WHERE id > coalesce($1::text, '') "
	"AND ($4::boolean OR id = ANY (string_to_array($5, ' '))) "
	"ORDER BY id LIMIT $2 OFFSET $3",
	/* STMT_USERS_LIST_DESC: the same, newest first */
	"SELECT " USER_COLS " FROM users WHERE id < coalesce($1::text, 'g') "
	"AND ($4::boolean OR id = ANY (string_to_array($5, ' '))) "
	"ORDER BY id DESC LIMIT $2 OFFSET $3",
	/* STMT_USER_PASSWORD_GET: $1 name -> id, status, password hash, name,
	 * credential generation (the service role reads hashes only through
	 * these two functions) */
	"SELECT * FROM usersd_password_by_name($1)",
	/* STMT_USER_PASSWORD_BY_ID: $1 id -> the same columns */
	"SELECT * FROM usersd_password_by_id($1)",
	/* STMT_USER_SET_PASSWORD: $1 id, $2 hash, $3 session id to keep or
	 * NULL, $4 actor user, $5 actor token, $6 address, $7 the credential
	 * generation the current password was checked against, or NULL.  Ends
	 * the user's other sessions in the same statement (the trigger has
	 * bumped the generation; the kept session moves to the new one, but
	 * only from $7: a session a change ended meanwhile stays ended).  With
	 * $7, no row when another change came first. */
	"WITH u AS (UPDATE users SET password_hash = $2, updated_at = now() "
	"WHERE id = $1 AND ($7::bigint IS NULL OR credential_gen = $7::bigint) "
	"AND " ACT("$4", "$5", "$6") " RETURNING id, credential_gen), "
	"s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u) "
	"AND id IS DISTINCT FROM $3::text), "
	"k AS (UPDATE sessions SET credential_gen = u.credential_gen FROM u "
	"WHERE sessions.id = $3::text AND sessions.user_id = u.id "
	"AND sessions.credential_gen = $7::bigint) "
	"SELECT id FROM u",
	/* STMT_USER_REHASH: $1 id, $2 new hash, $3 old hash (sessions stay) */
	"SELECT usersd_rehash_password($1, $2, $3)",
	/* STMT_SETUP_ALLOWED */
	"SELECT NOT EXISTS (SELECT 1 FROM users) "
	"AND NOT EXISTS (SELECT 1 FROM orgs)",
	/* STMT_SETUP: see usersd_setup() for the 9 parameters and columns */
	"SELECT * FROM usersd_setup($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	/* STMT_SESSION_INSERT: $1 id hash, $2 user, $3 length (s), $4 max (s),
	 * $5 address, $6 whether to expire, $7 the credential generation the
	 * password was checked against -> id, expiry (epoch s); no row when
	 * the user changed (or went) meanwhile.  One statement, so one
	 * commit: when $6 a bounded batch of expired sessions goes, and the
	 * audit row is written with the session. */
	"WITH x AS (DELETE FROM sessions WHERE $6::boolean AND id IN (SELECT id "
	"FROM sessions WHERE expires_at < now() ORDER BY expires_at "
	"LIMIT 100)), "
	"s AS (INSERT INTO sessions (id_hash, user_id, expires_at, "
	"max_expires_at, remote_addr, credential_gen) SELECT $1, id, "
	"now() + make_interval(secs => $3), now() + make_interval(secs => $4), "
	"$5, credential_gen FROM users WHERE id = $2 AND status = 'active' "
	"AND credential_gen = $7::bigint AND " ACT("id", "NULL", "$5")
	" RETURNING id, user_id, expires_at) "
	"SELECT id, floor(extract(epoch FROM expires_at))::bigint FROM s",
	/* STMT_SESSION_DELETE: $1 id hash, $2 address -> id, user id; the
	 * sign-out's audit row is written with it */
	"DELETE FROM sessions WHERE id_hash = $1 AND expires_at > now() "
	"AND " ACT("user_id", "NULL", "$2") " RETURNING id, user_id",
	/* STMT_THROTTLE_ATTEMPT: see usersd_signin_attempt() for the seven
	 * parameters -> seconds to wait (0: go on, the attempt counted) */
	"SELECT usersd_signin_attempt($1, $2, $3, $4, $5, $6, $7)",
	/* STMT_THROTTLE_SUCCESS: $1 user name, $2 address, $3 address limit */
	"SELECT usersd_signin_succeeded($1, $2, $3)",
	/* STMT_THROTTLE_UNCOUNT: $1 user name, $2 address, $3 name limit,
	 * $4 address limit */
	"SELECT usersd_signin_uncount($1, $2, $3, $4)",
	/* STMT_AUTH_INSERT: $1 token hash, $2 status, $3 description, $4 org,
	 * $5 user, $6 permissions (space separated), $7 actor user, $8 actor
	 * token, $9 address -> AUTH_COLS */
	"WITH a AS (INSERT INTO authorizations (token_hash, status, "
	"description, org_id, user_id, permissions) SELECT $1, $2, $3, $4, "
	"$5, string_to_array($6, ' ') WHERE " ACT("$7", "$8", "$9")
	" RETURNING " AUTH_RET ") "
	"SELECT " AUTH_COLS AUTH_FROM("a"),
	/* STMT_AUTH_GET: $1 id -> AUTH_COLS */
	"SELECT " AUTH_COLS AUTH_FROM("authorizations") " WHERE a.id = $1",
	/* STMT_AUTHS_LIST: $1 user id or NULL, $2 org id or NULL */
	"SELECT " AUTH_COLS AUTH_FROM("authorizations")
	" WHERE ($1::text IS NULL OR a.user_id = $1) "
	"AND ($2::text IS NULL OR a.org_id = $2) ORDER BY a.id",
	/* STMT_AUTH_UPDATE: $1 id, $2 status or NULL, $3 description or
	 * NULL, $4 actor user, $5 actor token, $6 address -> AUTH_COLS */
	"WITH a AS (UPDATE authorizations SET status = coalesce($2, status), "
	"description = coalesce($3, description), updated_at = now() "
	"WHERE id = $1 AND " ACT("$4", "$5", "$6") " RETURNING " AUTH_RET ") "
	"SELECT " AUTH_COLS AUTH_FROM("a"),
	/* STMT_AUTH_DELETE: $1 id, $2 actor user, $3 actor token, $4 address */
	"DELETE FROM authorizations WHERE id = $1 AND " ACT("$2", "$3", "$4")
	" RETURNING id",
	/* STMT_ORG_GET: $1 id -> ORG_COLS */
	"SELECT " ORG_COLS " FROM orgs WHERE id = $1",
	/* STMT_ORG_BY_NAME: $1 name -> ORG_COLS */
	"SELECT " ORG_COLS " FROM orgs WHERE name = $1",
	/* STMT_ORGS_LIST: $1 after or NULL, $2 limit, $3 offset, $4 caller
	 * may read all, $5 ids it may read, $6 member user id or NULL */
	"SELECT " ORG_COLS " FROM orgs WHERE id > coalesce($1::text, '') "
	"AND ($4::boolean OR id = ANY (string_to_array($5, ' '))) "
	"AND ($6::text IS NULL OR id IN (SELECT org_id FROM org_members "
	"WHERE user_id = $6)) ORDER BY id LIMIT $2 OFFSET $3",
	/* STMT_ORG_INSERT: $1 name, $2 description, $3 owner user or NULL,
	 * $4 actor user, $5 actor token, $6 address -> ORG_COLS */
	"WITH o AS (INSERT INTO orgs (name, description) SELECT $1, $2 "
	"WHERE " ACT("$4", "$5", "$6") " RETURNING *), "
	"m AS (INSERT INTO org_members (org_id, user_id, role) "
	"SELECT id, $3::text, 'owner' FROM o WHERE $3::text IS NOT NULL) "
	"SELECT " ORG_COLS " FROM o",
	/* STMT_ORG_UPDATE: $1 id, $2 name or NULL, $3 description or NULL,
	 * $4 actor user, $5 actor token, $6 address -> ORG_COLS */
	"UPDATE orgs SET name = coalesce($2, name), "
	"description = coalesce($3, description), updated_at = now() "
	"WHERE id = $1 AND " ACT("$4", "$5", "$6") " RETURNING " ORG_COLS,
	/* STMT_ORG_DELETE: $1 id, $2 actor user, $3 actor token, $4 address.
	 * Buckets, tokens and memberships go with it. */
	"DELETE FROM orgs WHERE id = $1 AND " ACT("$2", "$3", "$4")
	" RETURNING id",
	/* STMT_MEMBERS_LIST: $1 org, $2 role -> USER_COLS */
	"SELECT u.id, u.name, u.status FROM org_members m "
	"JOIN users u ON u.id = m.user_id "
	"WHERE m.org_id = $1 AND m.role = $2 ORDER BY u.id",
	/* STMT_MEMBER_ADD: $1 org, $2 user, $3 role, $4 actor user, $5 actor
	 * token, $6 address -> USER_COLS */
	"WITH m AS (INSERT INTO org_members (org_id, user_id, role) "
	"SELECT $1, $2, $3 WHERE " ACT("$4", "$5", "$6")
	" ON CONFLICT (org_id, user_id) "
	"DO UPDATE SET role = EXCLUDED.role RETURNING org_id, user_id) "
	"SELECT u.id, u.name, u.status FROM m JOIN users u ON u.id = m.user_id",
	/* STMT_MEMBER_REMOVE: $1 org, $2 user, $3 role, $4 actor user,
	 * $5 actor token, $6 address */
	"DELETE FROM org_members WHERE org_id = $1 "
	"AND user_id = $2 AND role = $3 AND " ACT("$4", "$5", "$6")
	" RETURNING user_id",
	/* STMT_BEGIN, STMT_COMMIT, STMT_ROLLBACK */
	"BEGIN",
	"COMMIT",
	"ROLLBACK",
	/* STMT_MIGRATE_LOCK: serialises migrations from any host */
	"SELECT pg_advisory_xact_lock(7236601)",
	/* STMT_MIGRATE_VERSIONS */
	"SELECT version FROM usersd_schema ORDER BY version",
	/* STMT_MIGRATE_RECORD: $1 version, $2 name */
	"INSERT INTO usersd_schema (version, name) VALUES ($1, $2)",
	/* STMT_DATABASE_EXISTS: $1 name */
	"SELECT 1 FROM pg_database WHERE datname = $1",
	/* STMT_CREATE_DATABASE_SQL: $1 name -> the statement, the name
	 * quoted by the server (CREATE DATABASE takes no parameters) */
	"SELECT format('CREATE DATABASE %I', $1::text)",
	/* STMT_HOSTED_LOOKUP: $1 name -> a row when this hosting database
	 * holds the instance (usersctl instance create) */
	"SELECT 1 FROM public.usersd_hosted WHERE name = $1",
	/* STMT_HOSTED_LIST -> 0 name, every instance of this hosting
	 * database (none before the first instance create) */
	"SELECT name FROM public.usersd_hosted ORDER BY name",
};

/* The prepared bits of a hosted instance are one uint64_t. */
_Static_assert(STMT__MAX <= 64, "struct db_schema holds 64 statements");

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

/* A name of an instance's own objects: its tables and the usersd_* rest. */
static int
schema_object(const char *w, size_t n)
{
	static const char *const tables[] = { "users", "sessions", "orgs",
	    "org_members", "authorizations", "buckets", "signin_failures",
	    "audit_log" };
	size_t	 i;

	if (n > 7 && strncmp(w, "usersd_", 7) == 0)
		return 1;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strlen(tables[i]) == n && strncmp(tables[i], w, n) == 0)
			return 1;
	return 0;
}

/*
 * stmts[s] for schema: each unqualified name of schema_object() gets
 * "schema". in front; quoted text and identifiers are copied as they are.
 * A scan of our own SQL, not a parser: the statements use no dollar
 * quoting and no comments.  Free the result.
 */
static char *
qualify(const char *sql, const char *schema)
{
	size_t		 cap = strlen(sql) * 2 + 64 * 32, len = 0, n;
	const char	*p = sql, *w;
	char		*out, q;

	if ((out = malloc(cap)) == NULL)
		fatal("qualify");
	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			q = *p;
			w = p++;
			while (*p != '\0' && *p != q)
				p++;
			if (*p != '\0')
				p++;
			n = (size_t)(p - w);
		} else if (islower((unsigned char)*p) || *p == '_') {
			w = p;
			while (islower((unsigned char)*p) ||
			    isdigit((unsigned char)*p) || *p == '_')
				p++;
			n = (size_t)(p - w);
			if (schema_object(w, n) && (w == sql || (w[-1] != '.' &&
			    !isalnum((unsigned char)w[-1])))) {
				if (len + strlen(schema) + 3 + n >= cap)
					fatal("qualify: %s", sql);
				len += (size_t)snprintf(out + len, cap - len,
				    "\"%s\".", schema);
			}
		} else
			n = 1, w = p++;
		if (len + n >= cap)
			fatal("qualify: %s", sql);
		memcpy(out + len, w, n);
		len += n;
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
	char		 name[64], *sql = NULL;
	const char	*state;
	PGresult	*res;
	int		 ok;

	/* Not found, or not yet looked up again: no statement runs there. */
	if (sc != NULL && sc->gone)
		return -1;
	if (sc != NULL && sc->epoch != db->epoch) {
		sc->prepared = 0;
		sc->epoch = db->epoch;
	}
	if (sc != NULL ? (sc->prepared >> s & 1) != 0 : db->prepared[s] != 0)
		return 0;
	stmt_name(db, s, name, sizeof(name));
	if (sc != NULL)
		sql = qualify(stmts[s], sc->name);
	res = PQprepare(db->conn, name, sql ? sql : stmts[s], 0, NULL);
	free(sql);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!ok && sc != NULL && state != NULL && is_gone(state))
		sc->gone = 1;
	else if (!ok && (s == STMT_HOSTED_LOOKUP || s == STMT_HOSTED_LIST) &&
	    state != NULL && strcmp(state, "42P01") == 0)
		;	/* no instance created in this database yet */
	else if (!ok)
		log_warnx("cannot prepare statement %d: %s", (int)s,
		    PQerrorMessage(db->conn));
	PQclear(res);
	if (ok && sc != NULL)
		sc->prepared |= (uint64_t)1 << s;
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

/*
 * Whether s may run again after its connection broke with the statement
 * sent: reads, and the session touch (a renewal may well happen twice).
 * A write may have committed before the answer was lost.
 */
static int
retry_safe(enum stmt s)
{
	switch (s) {
	case STMT_PING:
	case STMT_PRINCIPAL_TOKEN:
	case STMT_PRINCIPAL_TOKEN_USER:
	case STMT_PRINCIPAL_SESSION:
	case STMT_PRINCIPAL_SESSION_USER:
	case STMT_SESSION_SELF:
	case STMT_SESSION_TOUCH:
	case STMT_USER_GET:
	case STMT_USER_BY_NAME:
	case STMT_USERS_LIST:
	case STMT_USERS_LIST_DESC:
	case STMT_USER_PASSWORD_GET:
	case STMT_USER_PASSWORD_BY_ID:
	case STMT_SETUP_ALLOWED:
	case STMT_AUTH_GET:
	case STMT_AUTHS_LIST:
	case STMT_ORG_GET:
	case STMT_ORG_BY_NAME:
	case STMT_ORGS_LIST:
	case STMT_MEMBERS_LIST:
	case STMT_HOSTED_LOOKUP:
	case STMT_HOSTED_LIST:
		return 1;
	default:
		return 0;
	}
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

static enum dbres
run_one(struct db *db, enum stmt s, int n, const char *const *params,
    struct arena *a, struct dbrows *out)
{
	char		 name[64], err[256];
	PGresult	*res = NULL;
	enum dbres	 rc;
	int		 tries, idle;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	/*
	 * One retry, on a new connection, and only of what cannot have
	 * committed: a statement never sent, one a read-only server refused,
	 * or a retry-safe one.  Never inside a transaction, which died with
	 * its connection.
	 */
	for (tries = 0; tries < 2; tries++) {
		if (db_connect(db, err, sizeof(err)) == -1) {
			log_warnx("database unavailable: %s", err);
			return DB_UNAVAILABLE;
		}
		idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
		if (prepare(db, s) == -1) {
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
		stmt_name(db, s, name, sizeof(name));
		res = exec_bounded(db, name, n, params);
		if (res != NULL && (PQresultStatus(res) == PGRES_TUPLES_OK ||
		    PQresultStatus(res) == PGRES_COMMAND_OK))
			break;
		if (res != NULL)
			rc = classify(db, res);
		else {
			rc = DB_UNAVAILABLE;
			if (db->fail != DBFAIL_TIMEOUT)
				db->fail = DBFAIL_LOST;
		}
		if (rc == DB_ERROR)
			log_warnx("statement %d failed: %s", (int)s,
			    PQresultErrorMessage(res));
		PQclear(res);
		res = NULL;
		if (rc != DB_UNAVAILABLE)
			return rc;
		if (db->fail == DBFAIL_READONLY) {
			/* Another host may have been promoted: look again. */
			log_warnx("the database server is read-only; "
			    "reconnecting");
			db_disconnect(db);
			if (idle)
				continue;
			return rc;
		}
		if (db->fail == DBFAIL_TIMEOUT ||
		    PQstatus(db->conn) == CONNECTION_OK)
			return rc;
		log_warnx("database connection lost; reconnecting");
		metrics_pg_reconnect();
		db_disconnect(db);
		if (!idle || !retry_safe(s))
			return DB_UNAVAILABLE;
	}
	if (res == NULL)
		return DB_UNAVAILABLE;
	if (out != NULL && a != NULL)
		copy_rows(res, a, out);
	rc = PQntuples(res) > 0 || PQresultStatus(res) == PGRES_COMMAND_OK ?
	    DB_OK : DB_NOROW;
	PQclear(res);
	return rc;
}

/* Every statement's outcome and time go to the metrics. */
enum dbres
db_run(struct db *db, enum stmt s, int n, const char *const *params,
    struct arena *a, struct dbrows *out)
{
	uint64_t	 t0 = metrics_now_us();
	enum dbres	 rc = run_one(db, s, n, params, a, out);

	metrics_pg_statement(pgerr_kind(rc), metrics_now_us() - t0);
	return rc;
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

static enum dbres
pair_result(struct db *db, PGresult *res, struct arena *a,
    struct dbrows *out)
{
	enum dbres	 rc;

	if (res == NULL)
		return DB_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = classify(db, res);
		if (rc == DB_ERROR)
			log_warnx("pipelined statement failed: %s",
			    PQresultErrorMessage(res));
		return rc;
	}
	if (out != NULL && a != NULL)
		copy_rows(res, a, out);
	return PQntuples(res) > 0 ? DB_OK : DB_NOROW;
}

static enum dbres
run_pair(struct db *db, enum stmt s1, int n1, const char *const *p1,
    enum stmt s2, int n2, const char *const *p2, struct arena *a,
    struct dbrows *out1, enum dbres *rc2, struct dbrows *out2)
{
	char		 name1[64], name2[64], err[256];
	PGresult	*res[2];
	enum dbres	 rc1 = DB_UNAVAILABLE;
	int		 tries, failed;

	memset(out1, 0, sizeof(*out1));
	memset(out2, 0, sizeof(*out2));
	*rc2 = DB_UNAVAILABLE;
	for (tries = 0; tries < 2; tries++) {
		if (db_connect(db, err, sizeof(err)) == -1) {
			log_warnx("database unavailable: %s", err);
			return DB_UNAVAILABLE;
		}
		if (prepare(db, s1) == -1 || prepare(db, s2) == -1) {
			if (PQstatus(db->conn) != CONNECTION_OK) {
				db_disconnect(db);
				continue;
			}
			return db->schema && db->schema->gone ?
			    DB_UNAVAILABLE : DB_ERROR;
		}
		stmt_name(db, s1, name1, sizeof(name1));
		stmt_name(db, s2, name2, sizeof(name2));
		failed = pipeline_pair(db, name1, n1, p1, name2, n2, p2, res);
		rc1 = pair_result(db, res[0], a, out1);
		*rc2 = pair_result(db, res[1], a, out2);
		PQclear(res[0]);
		PQclear(res[1]);
		if (!failed && PQstatus(db->conn) == CONNECTION_OK)
			return rc1;
		/* Both are reads: reconnect once and try again. */
		log_warnx("database connection lost; reconnecting");
		metrics_pg_reconnect();
		db_disconnect(db);
		rc1 = *rc2 = DB_UNAVAILABLE;
	}
	return rc1;
}

/* One pipeline, one round trip: counted as one statement. */
enum dbres
db_run_pair(struct db *db, enum stmt s1, int n1, const char *const *p1,
    enum stmt s2, int n2, const char *const *p2, struct arena *a,
    struct dbrows *out1, enum dbres *rc2, struct dbrows *out2)
{
	uint64_t	 t0 = metrics_now_us();
	enum dbres	 rc = run_pair(db, s1, n1, p1, s2, n2, p2, a, out1, rc2,
	    out2);

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
