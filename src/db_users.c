/*
 * db_users.c -- the users table's statements, typed (db_users.h).  A
 * user's columns are fields.h's USER_FIELDS.
 */
#include <stdio.h>
#include <string.h>

#include "db_users.h"
#include "fields.h"
#include "banned.h"

DB_FILL(db_user_fill, struct user, USER_FIELDS)

void
db_user_at(const struct dbrows *rows, int r, int col, struct user *u)
{
	db_user_fill(rows, r, col, u);
}

void
db_user_row(const struct dbrows *rows, int r, struct user *u)
{
	db_user_at(rows, r, 0, u);
}

/* Runs s for one user; act: a write's actor, or NULL for a read. */
static enum dbres
one_user(struct db *db, struct arena *a, enum stmt s, const struct actor *act,
    int n, const char *const *params, struct user *out)
{
	struct dbrows	 rows;
	enum dbres	 rc;

	if ((rc = db_run_acting(db, s, act, n, params, a, &rows)) == DB_OK)
		db_user_row(&rows, 0, out);
	return rc;
}

enum dbres
db_user_get(struct db *db, struct arena *a, const char *id,
    struct user *out)
{
	return one_user(db, a, STMT_USER_GET, NULL, 1, &id, out);
}

enum dbres
db_user_by_name(struct db *db, struct arena *a, const char *name,
    struct user *out)
{
	return one_user(db, a, STMT_USER_BY_NAME, NULL, 1, &name, out);
}

enum dbres
db_user_insert(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *name, const char *status, const char *kind,
    struct user *out)
{
	/* $4, the password hash, is set later (users_set_password). */
	const char	*params[5] = { id, name, status, NULL, kind };

	return one_user(db, a, STMT_USER_INSERT, act, 5, params, out);
}

enum dbres
db_user_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *name, const char *status, struct user *out)
{
	const char	*params[3] = { id, name, status };

	return one_user(db, a, STMT_USER_UPDATE, act, 3, params, out);
}

enum dbres
db_user_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id)
{
	return db_run_acting(db, STMT_USER_DELETE, act, 1, &id, a, NULL);
}

void
db_users_page_read(const struct page *pg, int read_all, const char *readable,
    struct db_read *rd)
{
	memset(rd, 0, sizeof(*rd));
	/* One more row than asked tells whether a next page exists. */
	snprintf(rd->num[0], sizeof(rd->num[0]), "%d", pg->limit + 1);
	snprintf(rd->num[1], sizeof(rd->num[1]), "%d", pg->offset);
	rd->stmt = pg->descending ? STMT_USERS_LIST_DESC : STMT_USERS_LIST;
	rd->n = 5;
	rd->params[0] = pg->after;
	rd->params[1] = rd->num[0];
	rd->params[2] = rd->num[1];
	rd->params[3] = read_all ? "t" : "f";
	rd->params[4] = readable ? readable : "";
}

enum dbres
db_users_page(struct db *db, struct arena *a, struct db_read *rd)
{
	rd->rc = db_run(db, rd->stmt, rd->n, rd->params, a, &rd->rows);
	return rd->rc;
}

void
db_users_page_rows(struct arena *a, const struct db_read *rd,
    struct page *pg, struct user **out, size_t *n)
{
	int	 i;

	pg->more = rd->rows.nrows > pg->limit;
	*n = pg->more ? (size_t)pg->limit : (size_t)rd->rows.nrows;
	*out = arena_alloc(a, sizeof(struct user) * (*n + 1));
	for (i = 0; i < (int)*n; i++)
		db_user_row(&rd->rows, i, &(*out)[i]);
}

void
db_credential_row(const struct dbrows *rows, int row, int col,
    struct credential *out)
{
	out->user_id = dbrows_get(rows, row, col);
	out->status = dbrows_get(rows, row, col + 1);
	out->hash = dbrows_get(rows, row, col + 2);
	out->name = dbrows_get(rows, row, col + 3);
	out->gen = dbrows_get(rows, row, col + 4);
}

enum dbres
db_credential_by_id(struct db *db, struct arena *a, const char *id,
    struct credential *out)
{
	struct dbrows	 rows;
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_run(db, STMT_USER_PASSWORD_BY_ID, 1, &id, a,
	    &rows)) == DB_OK)
		db_credential_row(&rows, 0, 0, out);
	return rc;
}

enum dbres
db_user_set_password(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *hash, const char *gen)
{
	const char	*params[4] = { id, hash, act->session_id, gen };

	return db_run_acting(db, STMT_USER_SET_PASSWORD, act, 4, params, a,
	    NULL);
}

enum dbres
db_user_rehash(struct db *db, struct arena *a, const char *id,
    const char *new_hash, const char *old_hash, const char *addr,
    const char **gen)
{
	const char	*params[4] = { id, new_hash, old_hash, addr };
	struct dbrows	 rows;
	enum dbres	 rc;

	*gen = NULL;
	/* Column 0: the new generation, NULL when the hash had changed. */
	rc = db_run(db, STMT_USER_REHASH, 4, params, a, &rows);
	if (rc == DB_OK)
		*gen = dbrows_get(&rows, 0, 0);
	return rc;
}
