/*
 * db_orgs.c -- the orgs statements, typed (db_orgs.h).  An org's columns
 * are fields.h's ORG_FIELDS; the member statements return USER_FIELDS.
 */
#include <stdio.h>

#include "db_orgs.h"
#include "db_users.h"
#include "fields.h"
#include "banned.h"

DB_FILL(db_org_fill, struct org, ORG_FIELDS)

/* Runs s for one org; act: a write's actor, or NULL for a read. */
static enum dbres
one_org(struct db *db, struct arena *a, enum stmt s, const struct actor *act,
    int n, const char *const *params, struct org *out)
{
	struct dbrows	 rows;
	enum dbres	 rc;

	if ((rc = db_run_acting(db, s, act, n, params, a, &rows)) == DB_OK)
		db_org_fill(&rows, 0, 0, out);
	return rc;
}

enum dbres
db_org_get(struct db *db, struct arena *a, const char *id, struct org *out)
{
	return one_org(db, a, STMT_ORG_GET, NULL, 1, &id, out);
}

enum dbres
db_org_by_name(struct db *db, struct arena *a, const char *name,
    struct org *out)
{
	return one_org(db, a, STMT_ORG_BY_NAME, NULL, 1, &name, out);
}

enum dbres
db_org_insert(struct db *db, struct arena *a, const struct actor *act,
    const char *name, const char *description, const char *owner,
    struct org *out)
{
	const char	*params[3] = { name, description, owner };

	return one_org(db, a, STMT_ORG_INSERT, act, 3, params, out);
}

enum dbres
db_org_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *name, const char *description,
    struct org *out)
{
	const char	*params[3] = { id, name, description };

	return one_org(db, a, STMT_ORG_UPDATE, act, 3, params, out);
}

enum dbres
db_org_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id)
{
	return db_run_acting(db, STMT_ORG_DELETE, act, 1, &id, a, NULL);
}

enum dbres
db_orgs_page(struct db *db, struct arena *a, struct page *pg, int read_all,
    const char *readable, const char *member, struct org **out, size_t *n)
{
	struct dbrows	 rows;
	char		 limit[16], offset[16];
	const char	*params[6];
	enum dbres	 rc;
	int		 r;

	/* One more row than asked tells whether a next page exists. */
	snprintf(limit, sizeof(limit), "%d", pg->limit + 1);
	snprintf(offset, sizeof(offset), "%d", pg->offset);
	params[0] = pg->after;
	params[1] = limit;
	params[2] = offset;
	params[3] = read_all ? "t" : "f";
	params[4] = readable ? readable : "";
	params[5] = member;
	rc = db_run(db, STMT_ORGS_LIST, 6, params, a, &rows);
	pg->more = rows.nrows > pg->limit;
	*n = pg->more ? (size_t)pg->limit : (size_t)rows.nrows;
	*out = arena_alloc(a, sizeof(struct org) * (*n + 1));
	for (r = 0; r < (int)*n; r++)
		db_org_fill(&rows, r, 0, &(*out)[r]);
	return rc;
}

enum dbres
db_org_members(struct db *db, struct arena *a, const char *org,
    const char *role, struct user **out, size_t *n)
{
	const char	*params[2] = { org, role };
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 r;

	rc = db_run(db, STMT_MEMBERS_LIST, 2, params, a, &rows);
	*n = (size_t)rows.nrows;
	*out = arena_alloc(a, sizeof(struct user) * (*n + 1));
	for (r = 0; r < rows.nrows; r++)
		db_user_row(&rows, r, &(*out)[r]);
	return rc;
}

enum dbres
db_org_member_add(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role, struct user *out)
{
	const char	*params[3] = { org, user, role };
	struct dbrows	 rows;
	enum dbres	 rc;

	rc = db_run_acting(db, STMT_MEMBER_ADD, act, 3, params, a, &rows);
	if (rc == DB_OK)
		db_user_row(&rows, 0, out);
	return rc;
}

enum dbres
db_org_member_remove(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role)
{
	const char	*params[3] = { org, user, role };

	return db_run_acting(db, STMT_MEMBER_REMOVE, act, 3, params, a, NULL);
}
