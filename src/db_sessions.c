/*
 * db_sessions.c -- the sessions and throttle statements, typed
 * (db_sessions.h).  Numbers go to PostgreSQL as text parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "db_sessions.h"
#include "fields.h"
#include "banned.h"

#define NUM(buf, v)	(snprintf((buf), sizeof(buf), "%lld", (long long)(v)), (buf))

DB_FILL(db_session_fill, struct session_info, SESSION_FIELDS)

enum dbres
db_sessions_list(struct db *db, struct arena *a, const char *user_id,
    struct session_info **out, size_t *n)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 i;

	*out = NULL;
	*n = 0;
	/* Columns: 0 user id, then the session (NULL: it has none). */
	if ((rc = db_run(db, STMT_SESSIONS_LIST, 1, &user_id, a,
	    &rows)) != DB_OK)
		return rc;
	*out = arena_alloc(a, sizeof(**out) * (size_t)rows.nrows);
	for (i = 0; i < rows.nrows; i++) {
		struct session_info *s = &(*out)[*n];

		db_session_fill(&rows, i, 1, s);
		if (s->id != NULL)
			(*n)++;
	}
	return DB_OK;
}

enum dbres
db_sessions_end(struct db *db, struct arena *a, const struct actor *act,
    const char *user_id, const char *id, const char *keep, long long *n)
{
	const char	*params[3] = { user_id, id, keep };
	struct dbrows	 rows;
	enum dbres	 rc;

	*n = 0;
	/* Columns: 0 user id, 1 how many ended. */
	rc = db_run_acting(db, STMT_SESSIONS_END, act, 3, params, a, &rows);
	if (rc == DB_OK)
		*n = strtoll(dbrows_get(&rows, 0, 1), NULL, 10);
	return rc;
}

enum dbres
db_session_delete(struct db *db, struct arena *a, const char *hash,
    const char *addr)
{
	const char	*params[2] = { hash, addr };

	return db_run(db, STMT_SESSION_DELETE, 2, params, a, NULL);
}

enum dbres
db_session_touch(struct db *db, struct arena *a, const char *hash,
    long long length, long long recheck, long long *expires,
    struct dir_recheck *due)
{
	char		 len[24], rc_s[24];
	const char	*params[3] = { hash, NUM(len, length),
	    NUM(rc_s, recheck) };
	const char	*v;
	struct dbrows	 rows;
	enum dbres	 rc;

	*expires = 0;
	memset(due, 0, sizeof(*due));
	/* Columns: 0 the new expiry or NULL, 1-3 a claimed check or NULL. */
	if ((rc = db_run(db, STMT_SESSION_TOUCH, 3, params, a,
	    &rows)) != DB_OK)
		return rc;
	if ((v = dbrows_get(&rows, 0, 0)) != NULL)
		*expires = strtoll(v, NULL, 10);
	due->user_id = dbrows_get(&rows, 0, 1);
	due->name = dbrows_get(&rows, 0, 2);
	due->dn = dbrows_get(&rows, 0, 3);
	return DB_OK;
}

enum dbres
db_signin_begin(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, long long *wait, int *device,
    struct credential *cr)
{
	char		 v[6][24];
	const char	*params[10] = { k->name, k->addr, k->net, k->device,
	    NUM(v[0], c->signin_max_failures), NUM(v[1], c->signin_lockout),
	    NUM(v[2], c->signin_lockout_max),
	    NUM(v[3], c->signin_max_failures_per_addr),
	    NUM(v[4], c->signin_max_failures_per_net),
	    NUM(v[5], c->signin_addr_window) };
	struct dbrows	 rows;
	enum dbres	 rc;

	*device = 0;
	memset(cr, 0, sizeof(*cr));
	/* Columns: 0 seconds to wait, 1 counted on the device, 2-6 cr. */
	rc = db_run(db, STMT_SIGNIN_BEGIN, 10, params, a, &rows);
	if (rc == DB_OK) {
		*wait = strtoll(dbrows_get(&rows, 0, 0), NULL, 10);
		*device = dbrows_get(&rows, 0, 1)[0] == 't';
		db_credential_row(&rows, 0, 2, cr);
	}
	return rc;
}

/* SIGNIN_FINISH's and SIGNIN_DIRECTORY's first 16 parameters, into p. */
static void
finish_params(const struct cfg *c, const struct signin_keys *k,
    const struct signin_session *s, char num[4][24], const char *p[16])
{
	const char	*v[16] = { s->hash, s->dn ? s->name : s->user_id,
	    NUM(num[0], s->length), NUM(num[1], s->max), s->addr,
	    s->sweep ? "t" : "f", s->dn ? s->dn : s->gen, s->agent,
	    k->name, k->addr, k->net, k->device,
	    NUM(num[2], c->signin_max_failures_per_addr),
	    NUM(num[3], c->signin_max_failures_per_net),
	    s->device, s->replaces };

	memcpy(p, v, sizeof(v));
}

enum dbres
db_signin_finish(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, const struct signin_session *s,
    long long *expires)
{
	char		 num[4][24];
	const char	*params[16];
	struct dbrows	 rows;
	const char	*id;
	enum dbres	 rc;

	*expires = 0;
	finish_params(c, k, s, num, params);
	/* Columns: 0 session id or NULL, 1 expiry, 2 devices made. */
	if ((rc = db_run(db, STMT_SIGNIN_FINISH, 16, params, a,
	    &rows)) != DB_OK)
		return rc;
	if ((id = dbrows_get(&rows, 0, 0)) == NULL)
		return DB_NOROW;
	*expires = strtoll(dbrows_get(&rows, 0, 1), NULL, 10);
	return DB_OK;
}

enum dbres
db_signin_directory(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, const struct signin_session *s,
    long long *expires, int *stale)
{
	char		 num[4][24];
	const char	*params[17];
	struct dbrows	 rows;
	enum dbres	 rc;

	*expires = 0;
	*stale = 0;
	finish_params(c, k, s, num, params);
	params[16] = s->roles;
	/* Columns: 0 session id or NULL, 1 expiry, 2 devices, 3 roles. */
	if ((rc = db_run(db, STMT_SIGNIN_DIRECTORY, 17, params, a,
	    &rows)) != DB_OK)
		return rc;
	if (dbrows_get(&rows, 0, 0) == NULL)
		return DB_NOROW;
	*stale = s->roles != NULL && dbrows_get(&rows, 0, 3) == NULL;
	*expires = strtoll(dbrows_get(&rows, 0, 1), NULL, 10);
	return DB_OK;
}

enum dbres
db_signin_succeeded(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k)
{
	char		 amax[24], nmax[24];
	const char	*params[6] = { k->name, k->addr, k->net, k->device,
	    NUM(amax, c->signin_max_failures_per_addr),
	    NUM(nmax, c->signin_max_failures_per_net) };

	return db_run(db, STMT_THROTTLE_SUCCESS, 6, params, a, NULL);
}

enum dbres
db_signin_uncount(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k)
{
	char		 umax[24], amax[24], nmax[24];
	const char	*params[7] = { k->name, k->addr, k->net, k->device,
	    NUM(umax, c->signin_max_failures),
	    NUM(amax, c->signin_max_failures_per_addr),
	    NUM(nmax, c->signin_max_failures_per_net) };

	return db_run(db, STMT_THROTTLE_UNCOUNT, 7, params, a, NULL);
}

