/*
 * db_directory.c -- the directory statements (DIRECTORY_*), typed
 * (db_directory.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db_directory.h"
#include "banned.h"

static int
yes(const char *v)
{
	return v != NULL && strcmp(v, "t") == 0;
}

enum dbres
db_directory_read(struct db *db, struct arena *a, const char *name, int any,
    struct dir_settings *s, int *is_dir, int *is_user)
{
	const char	*params[2] = { name, any ? "t" : "f" };
	struct dbrows	 rows;
	enum dbres	 rc;

	*is_dir = *is_user = 0;
	if ((rc = db_run(db, STMT_DIRECTORY_READ, 2, params, a,
	    &rows)) != DB_OK)
		return rc;
	s->enabled = yes(dbrows_get(&rows, 0, 0));
	s->uris = dbrows_get(&rows, 0, 1);
	s->starttls = yes(dbrows_get(&rows, 0, 2));
	s->allow_plain = yes(dbrows_get(&rows, 0, 3));
	s->ca_file = dbrows_get(&rows, 0, 4);
	s->bind_dn = dbrows_get(&rows, 0, 5);
	s->bind_password = dbrows_get(&rows, 0, 6);
	s->base_dn = dbrows_get(&rows, 0, 7);
	s->user_filter = dbrows_get(&rows, 0, 8);
	s->name_attr = dbrows_get(&rows, 0, 9);
	s->required_group = dbrows_get(&rows, 0, 10);
	s->member_attr = dbrows_get(&rows, 0, 11);
	s->unknown_names = yes(dbrows_get(&rows, 0, 12));
	*is_dir = yes(dbrows_get(&rows, 0, 13));
	*is_user = yes(dbrows_get(&rows, 0, 14));
	return DB_OK;
}

enum dbres
db_directory_set(struct db *db, struct arena *a, const char *key,
    const char *value)
{
	const char	*params[2] = { key, value };
	struct dbrows	 rows;

	return db_run(db, STMT_DIRECTORY_SET, 2, params, a, &rows);
}

enum dbres
db_directory_recheck_again(struct db *db, struct arena *a,
    const char *user_id)
{
	const char	*params[1] = { user_id };
	struct dbrows	 rows;

	return db_run(db, STMT_DIRECTORY_RECHECK_AGAIN, 1, params, a, &rows);
}

enum dbres
db_directory_users(struct db *db, struct arena *a, const char ***ids,
    const char ***names, const char ***dns, size_t *n)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 i;

	*n = 0;
	if ((rc = db_run(db, STMT_DIRECTORY_USERS, 0, NULL, a, &rows)) !=
	    DB_OK && rc != DB_NOROW)
		return rc;
	if (rc == DB_NOROW)
		return DB_OK;
	*ids = arena_alloc(a, sizeof(**ids) * (size_t)rows.nrows);
	*names = arena_alloc(a, sizeof(**names) * (size_t)rows.nrows);
	*dns = arena_alloc(a, sizeof(**dns) * (size_t)rows.nrows);
	for (i = 0; i < rows.nrows; i++) {
		(*ids)[i] = dbrows_get(&rows, i, 0);
		(*names)[i] = dbrows_get(&rows, i, 1);
		(*dns)[i] = dbrows_get(&rows, i, 2);
	}
	*n = (size_t)rows.nrows;
	return DB_OK;
}

enum dbres
db_directory_roles(struct db *db, struct arena *a, struct dir_role **out,
    size_t *n)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 i;

	*out = NULL;
	*n = 0;
	rc = db_run(db, STMT_DIRECTORY_ROLES, 0, NULL, a, &rows);
	if (rc == DB_NOROW)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	*out = arena_alloc(a, sizeof(**out) * (size_t)rows.nrows);
	for (i = 0; i < rows.nrows; i++) {
		(*out)[i].org = dbrows_get(&rows, i, 0);
		(*out)[i].role = dbrows_get(&rows, i, 1);
		(*out)[i].group = dbrows_get(&rows, i, 2);
	}
	*n = (size_t)rows.nrows;
	return DB_OK;
}

enum dbres
db_directory_roles_set(struct db *db, struct arena *a, const char *user_id,
    const char *flags, const char *addr, long long *changed)
{
	const char	*params[3] = { user_id, flags, addr };
	const char	*v;
	struct dbrows	 rows;
	enum dbres	 rc;

	*changed = 0;
	if ((rc = db_run(db, STMT_DIRECTORY_ROLES_SET, 3, params, a,
	    &rows)) != DB_OK)
		return rc;
	v = dbrows_get(&rows, 0, 0);
	*changed = v == NULL ? -1 : strtoll(v, NULL, 10);
	return DB_OK;
}

enum dbres
db_directory_role(struct db *db, struct arena *a, const char *org,
    const char *role, const char *group)
{
	const char	*params[3] = { org, role, group };
	struct dbrows	 rows;

	if (group == NULL)
		return db_run(db, STMT_DIRECTORY_ROLE_DEL, 2, params, a,
		    &rows);
	return db_run(db, STMT_DIRECTORY_ROLE_PUT, 3, params, a, &rows);
}
