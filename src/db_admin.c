/*
 * db_admin.c -- the machinery's statements, typed (db_admin.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_admin.h"
#include "fields.h"
#include "banned.h"

/* MIGRATE_DB_OWNER's row: the owner of schema public, and its rights. */
struct db_owner_state {
	const char	*role;		/* NULL: no roles made yet */
	int		 mighty;	/* rights past its database */
	int		 member;	/* the connected role may SET ROLE to it */
	int		 super;		/* the connected role is a superuser */
};

DB_FILL(db_owner_state_fill, struct db_owner_state, OWNER_STATE_FIELDS)

enum dbres
db_ping(struct db *db, struct arena *a, int *writable)
{
	return db_run_bool(db, STMT_PING, a, writable);
}

enum dbres
db_exec(struct db *db, struct arena *a, enum stmt s)
{
	return db_run(db, s, 0, NULL, a, NULL);
}

enum dbres
db_migrate_applied(struct db *db, struct arena *a, int **versions, size_t *n)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 r;

	*versions = NULL;
	*n = 0;
	rc = db_run(db, STMT_MIGRATE_VERSIONS, 0, NULL, a, &rows);
	if (rc != DB_OK)
		return rc;
	/* Column 0: a version. */
	*versions = arena_alloc(a, sizeof(int) * (size_t)rows.nrows);
	for (r = 0; r < rows.nrows; r++)
		(*versions)[r] = (int)strtol(dbrows_get(&rows, r, 0), NULL, 10);
	*n = (size_t)rows.nrows;
	return rc;
}

enum dbres
db_migrate_record(struct db *db, struct arena *a, int version,
    const char *name)
{
	char		 ver[16];
	const char	*params[2] = { ver, name };

	snprintf(ver, sizeof(ver), "%d", version);
	return db_run(db, STMT_MIGRATE_RECORD, 2, params, a, NULL);
}

enum dbres
db_migrate_db_owner(struct db *db, struct arena *a, const char **owner,
    int *mighty, int *member, int *super)
{
	struct dbrows	 rows;
	struct db_owner_state st;
	enum dbres	 rc;

	*owner = NULL;
	*mighty = *member = *super = 0;
	rc = db_run(db, STMT_MIGRATE_DB_OWNER, 0, NULL, a, &rows);
	if (rc != DB_OK)
		return rc;
	db_owner_state_fill(&rows, 0, 0, &st);
	/* The role is NULL before 0005 made the roles: no rights then. */
	*owner = st.role;
	*mighty = st.role != NULL && st.mighty;
	*member = st.role != NULL && st.member;
	*super = st.super;
	return rc;
}

enum dbres
db_migrate_target(struct db *db, struct arena *a, const char *owner,
    const char *schema)
{
	const char	*params[2] = { owner, schema };

	return db_run(db, STMT_MIGRATE_TARGET, 2, params, a, NULL);
}

enum dbres
db_migrate_enter(struct db *db, struct arena *a, const char *role,
    const char *schema)
{
	const char	*params[2] = { role, schema };

	return db_run(db, STMT_MIGRATE_ENTER, 2, params, a, NULL);
}

enum dbres
db_migrate_runner(struct db *db, struct arena *a, const char *schema,
    const char *prefix, const char *plan, int close_onboarding,
    int *applied)
{
	const char	*params[4] = { schema, prefix, plan,
	    close_onboarding ? "t" : "f" };
	struct dbrows	 rows;
	enum dbres	 rc;

	*applied = 0;
	rc = db_run(db, STMT_MIGRATE_RUN, 4, params, a, &rows);
	if (rc == DB_OK)	/* 0 how many */
		*applied = (int)strtol(dbrows_get(&rows, 0, 0), NULL, 10);
	return rc;
}

enum dbres
db_hosted_open(struct db *db, struct arena *a, const char *name, int create,
    const char *hosting_role, const char **owner)
{
	const char	*params[3] = { name, create ? "t" : "f", hosting_role };
	struct dbrows	 rows;
	enum dbres	 rc;

	*owner = NULL;
	rc = db_run(db, STMT_HOSTED_OPEN, 3, params, a, &rows);
	if (rc == DB_OK)
		*owner = dbrows_get(&rows, 0, 0);	/* 0 the owner role */
	return rc;
}

enum dbres
db_hosted_drop(struct db *db, struct arena *a, const char *name)
{
	return db_run(db, STMT_HOSTED_DROP, 1, &name, a, NULL);
}

enum dbres
db_hosted_exists(struct db *db, const char *name)
{
	return db_run(db, STMT_HOSTED_LOOKUP, 1, &name, NULL, NULL);
}

enum dbres
db_hosted_names(struct db *db, struct arena *a, char ***names, size_t *n)
{
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 r;

	*names = NULL;
	*n = 0;
	if ((rc = db_run(db, STMT_HOSTED_LIST, 0, NULL, a, &rows)) != DB_OK)
		return rc;
	/* Column 0: a name. */
	*names = arena_alloc(a, sizeof(char *) * (size_t)rows.nrows);
	for (r = 0; r < rows.nrows; r++)
		(*names)[r] = (char *)dbrows_get(&rows, r, 0);
	*n = (size_t)rows.nrows;
	return rc;
}
