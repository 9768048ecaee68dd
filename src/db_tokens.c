/*
 * db_tokens.c -- the authorizations statements, typed (db_tokens.h).  A
 * token's columns are fields.h's AUTH_FIELDS; permissions are stored as an
 * array and travel as perm.h's permission text (perm_list_format).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "db_tokens.h"
#include "fields.h"
#include "util.h"
#include "banned.h"

DB_FILL(db_authz_fill, struct authz, AUTH_FIELDS)

/* Row r of a statement that returns AUTH_FIELDS. */
static void
token_row(const struct dbrows *rows, int r, struct authz *z)
{
	memset(z, 0, sizeof(*z));
	db_authz_fill(rows, r, 0, z);
}

/* The acting token's id (a session's is act->session_id), or NULL. */
static const char *
acting_token(const struct actor *act)
{
	return act->session_id == NULL ? act->auth_id : NULL;
}

/* Runs s for one token; act: a write's actor, or NULL for a read. */
static enum dbres
one_token(struct db *db, struct arena *a, enum stmt s,
    const struct actor *act, int n, const char *const *params,
    struct authz *out)
{
	struct dbrows	 rows;
	enum dbres	 rc;

	if ((rc = db_run_acting(db, s, act, n, params, a, &rows)) == DB_OK)
		token_row(&rows, 0, out);
	return rc;
}

enum dbres
db_token_insert(struct db *db, struct arena *a, const struct actor *act,
    const char *hash, const char *status, const char *description,
    const char *org, const char *user, const struct perm *perms,
    size_t nperms, const struct expiry_in *x, struct authz *out)
{
	char		*text = arena_alloc(a, PERM_LIST_SIZE(nperms));
	const char	*params[10] = { hash, status, description, org, user,
	    perm_list_format(perms, nperms, text), x->at, x->in,
	    acting_token(act), act->session_id };

	return one_token(db, a, STMT_AUTH_INSERT, act, 10, params, out);
}

enum dbres
db_token_get(struct db *db, struct arena *a, const char *id,
    struct authz *out)
{
	return one_token(db, a, STMT_AUTH_GET, NULL, 1, &id, out);
}

enum dbres
db_tokens_page(struct db *db, struct arena *a, const char *user,
    const char *org, const struct db_tokens_scope *sc, struct page *pg,
    struct authz **out, size_t *n)
{
	char		 lim[16], off[16];
	const char	*params[9] = { user, org, pg->after, NULL, off,
	    sc->all_auths ? "t" : "f", sc->orgs, sc->ids, sc->users };
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 r;

	/* One more row than asked tells whether a next page exists. */
	if (pg->limit > 0) {
		snprintf(lim, sizeof(lim), "%d", pg->limit + 1);
		params[3] = lim;
	}
	snprintf(off, sizeof(off), "%d", pg->offset);
	if (sc->all_users)
		rc = db_run(db, STMT_AUTHS_LIST, 8, params, a, &rows);
	else
		rc = db_run(db, STMT_AUTHS_LIST_USERS, 9, params, a, &rows);
	*n = 0;
	*out = NULL;
	pg->more = 0;
	if (rc != DB_OK)
		return rc;
	pg->more = pg->limit > 0 && rows.nrows > pg->limit;
	*n = pg->more ? (size_t)pg->limit : (size_t)rows.nrows;
	*out = arena_alloc(a, sizeof(struct authz) * (*n + 1));
	for (r = 0; r < (int)*n; r++)
		token_row(&rows, r, &(*out)[r]);
	return rc;
}

enum dbres
db_token_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *status, const char *description,
    const struct expiry_in *x, int nearer_only, struct authz *out)
{
	const char	*params[8] = { id, status, description, x->at, x->in,
	    nearer_only ? "t" : "f", acting_token(act), act->session_id };

	return one_token(db, a, STMT_AUTH_UPDATE, act, 8, params, out);
}

enum dbres
db_token_rotate(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *hash, const char *grace, struct authz *out)
{
	const char	*params[3] = { id, hash, grace };

	return one_token(db, a, STMT_AUTH_ROTATE, act, 3, params, out);
}

enum dbres
db_token_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id)
{
	return db_run_acting(db, STMT_AUTH_DELETE, act, 1, &id, a, NULL);
}

enum dbres
db_token_touch(struct db *db, struct arena *a, const char *id,
    const char *addr)
{
	const char	*params[2] = { id, addr ? addr : "" };

	return db_run(db, STMT_TOKEN_TOUCH, 2, params, a, NULL);
}

enum dbres
db_tokens_stats(struct db *db, struct arena *a, struct token_stats *out)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	long long	*f[3] = { &out->used_day, &out->expired, &out->expiring };
	const char	*v;
	int		 i;

	memset(out, 0, sizeof(*out));
	if ((rc = db_run(db, STMT_TOKEN_STATS, 0, NULL, a, &rows)) != DB_OK)
		return rc;
	for (i = 0; i < 3; i++)
		if ((v = dbrows_get(&rows, 0, i)) == NULL ||
		    util_parse_ll(v, 0, LLONG_MAX, f[i]) == -1)
			return DB_ERROR;
	return rc;
}
