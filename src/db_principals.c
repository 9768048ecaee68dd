/*
 * db_principals.c -- the principal statements, typed (db_principals.h).
 * The column numbers are stmts.def's PRINCIPAL_TOKEN and
 * PRINCIPAL_SESSION; both read the user's roles (ROLES_OF).
 */
#include <stdio.h>
#include <string.h>

#include "db_principals.h"
#include "db_users.h"
#include "banned.h"

/* Runs s alone, or in one pipeline with the query's ride. */
static enum dbres
run(struct db *db, struct arena *a, const struct db_principal_query *q,
    enum stmt s, int n, const char *const *params, struct dbrows *rows)
{
	struct db_read	*rd = q->ride;

	if (rd == NULL)
		return db_run(db, s, n, params, a, rows);
	return db_run_pair(db, s, n, params, rd->stmt, rd->n, rd->params, a,
	    rows, &rd->rc, &rd->rows);
}

/* The user of column col on, when the statement read one. */
static void
with_user(const struct dbrows *rows, int col, struct db_principal *out)
{
	out->user_found = dbrows_get(rows, 0, col) != NULL;
	if (out->user_found)
		db_user_at(rows, 0, col, &out->user);
}

static int
is_true(const char *v)
{
	return v != NULL && strcmp(v, "t") == 0;
}

/* What the user may do now: owned orgs, member orgs, instance owner. */
static void
roles(const struct dbrows *rows, int col, struct db_principal *out)
{
	out->owner_orgs = dbrows_get(rows, 0, col);
	out->member_orgs = dbrows_get(rows, 0, col + 1);
	out->instance_owner = is_true(dbrows_get(rows, 0, col + 2));
}

enum dbres
db_principal_token(struct db *db, struct arena *a,
    const struct db_principal_query *q, struct db_principal *out)
{
	const char	*params[4] = { q->hash, q->kept_id, q->kept_version,
	    q->user_id };
	struct dbrows	 rows;
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	if (q->with == WITH_NOTHING)
		rc = run(db, a, q, q->use_recent ? STMT_PRINCIPAL_TOKEN_RECENT :
		    STMT_PRINCIPAL_TOKEN, 3, params, &rows);
	else
		rc = run(db, a, q, q->use_recent ?
		    STMT_PRINCIPAL_TOKEN_USER_RECENT : STMT_PRINCIPAL_TOKEN_USER,
		    4, params, &rows);
	/* No token has this secret: is it one's secret before its last
	 * rotation, in its grace?  Alone: the ride has had its answer. */
	if (rc == DB_NOROW)
		rc = db_run(db, q->with == WITH_NOTHING ?
		    STMT_PRINCIPAL_TOKEN_OLD : STMT_PRINCIPAL_TOKEN_USER_OLD,
		    q->with == WITH_NOTHING ? 3 : 4, params, a, &rows);
	if (rc != DB_OK)
		return rc;
	/* 0 id, 1 user, 2 user status, 3 status, 4 permissions, 5 version,
	 * 6 owned orgs, 7 member orgs, 8 instance owner, 9 last use due,
	 * 10 the old secret, then the user (USER_COLS) */
	out->auth_id = dbrows_get(&rows, 0, 0);
	out->user_id = dbrows_get(&rows, 0, 1);
	out->user_status = dbrows_get(&rows, 0, 2);
	out->auth_status = dbrows_get(&rows, 0, 3);
	out->perms = dbrows_get(&rows, 0, 4);
	out->version = dbrows_get(&rows, 0, 5);
	roles(&rows, 6, out);
	out->touch_due = is_true(dbrows_get(&rows, 0, 9));
	out->old_secret = is_true(dbrows_get(&rows, 0, 10));
	if (q->with != WITH_NOTHING)
		with_user(&rows, 11, out);
	return rc;
}

enum dbres
db_principal_session(struct db *db, struct arena *a,
    const struct db_principal_query *q, struct db_principal *out)
{
	char		 len[24];
	const char	*params[3] = { q->hash, len, q->user_id };
	struct dbrows	 rows;
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	snprintf(len, sizeof(len), "%lld", q->session_length);
	if (q->with == WITH_SELF)
		rc = run(db, a, q, STMT_SESSION_SELF, 2, params, &rows);
	else if (q->with == WITH_USER)
		rc = run(db, a, q, STMT_PRINCIPAL_SESSION_USER, 3, params,
		    &rows);
	else
		rc = run(db, a, q, STMT_PRINCIPAL_SESSION, 2, params, &rows);
	if (rc != DB_OK)
		return rc;
	/* 0 kind, 1 session id, 2 user, 3 user status, 4 status,
	 * 5 owned orgs, 6 member orgs, 7 instance owner, 8 due a touch,
	 * then the user (USER_COLS) */
	out->auth_id = dbrows_get(&rows, 0, 1);
	out->user_id = dbrows_get(&rows, 0, 2);
	out->user_status = dbrows_get(&rows, 0, 3);
	out->auth_status = dbrows_get(&rows, 0, 4);
	roles(&rows, 5, out);
	out->touch_due = is_true(dbrows_get(&rows, 0, 8));
	if (q->with != WITH_NOTHING)
		with_user(&rows, 9, out);
	return rc;
}
