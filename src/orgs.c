/*
 * orgs.c -- the organizations service.  Name uniqueness is the schema's;
 * deleting an org cascades to its buckets, tokens and memberships.
 */
#include <stdio.h>
#include <string.h>

#include "orgs.h"
#include "svc.h"
#include "util.h"
#include "banned.h"

#define ORG_NAME_MAX	256

static void
row_org(const struct dbrows *rows, int r, struct org *o)
{
	o->id = dbrows_get(rows, r, 0);
	o->name = dbrows_get(rows, r, 1);
	o->description = dbrows_get(rows, r, 2);
	o->created = dbrows_get(rows, r, 3);
	o->updated = dbrows_get(rows, r, 4);
}

int
orgs_check_name(const char *name, struct apierr *e)
{
	size_t	 n;

	if (name == NULL || *name == '\0')
		return apierr_set(e, APIERR_EMPTY_VALUE,
		    "org name is required");
	n = strlen(name);
	if (n > ORG_NAME_MAX || !util_name_valid(name, n))
		return apierr_set(e, APIERR_INVALID, "org name must be at "
		    "most %d bytes of UTF-8 without control, line separator "
		    "or bidi control characters", ORG_NAME_MAX);
	return 0;
}

static int
org_result(struct db *db, enum dbres rc, const struct dbrows *rows,
    const char *name, struct org *out, struct apierr *e)
{
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND,
		    "organization not found");
	if (rc == DB_CONFLICT)
		return apierr_set(e, APIERR_CONFLICT,
		    "organization with name %s already exists",
		    name ? name : "");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	row_org(rows, 0, out);
	return 0;
}

int
orgs_create(struct db *db, struct arena *a, const struct actor *act,
    const struct org_in *in, struct org *out, struct apierr *e)
{
	const char	*params[6];
	struct dbrows	 rows;

	if (orgs_check_name(in->name, e) == -1)
		return -1;
	params[0] = in->name;
	params[1] = in->description ? in->description : "";
	params[2] = act->user_id;
	params[3] = act->user_id;
	params[4] = act->auth_id;
	params[5] = act->addr;
	return org_result(db, db_run(db, STMT_ORG_INSERT, 6, params, a,
	    &rows), &rows, in->name, out, e);
}

int
orgs_get(struct db *db, struct arena *a, const char *id, struct org *out,
    struct apierr *e)
{
	struct dbrows	 rows;

	return org_result(db, db_run(db, STMT_ORG_GET, 1, &id, a, &rows),
	    &rows, NULL, out, e);
}

int
orgs_get_by_name(struct db *db, struct arena *a, const char *name,
    struct org *out, struct apierr *e)
{
	struct dbrows	 rows;

	/* No name orgs_check_name refuses is looked up. */
	if (!util_name_valid(name, strlen(name)))
		return apierr_set(e, APIERR_NOT_FOUND,
		    "organization not found");
	return org_result(db, db_run(db, STMT_ORG_BY_NAME, 1, &name, a,
	    &rows), &rows, NULL, out, e);
}

int
orgs_list(struct db *db, struct arena *a, const struct principal *p,
    const char *member_of, struct page *pg, struct org **out, size_t *n,
    struct apierr *e)
{
	struct dbrows	 rows;
	struct abuf	 ids;
	char		 limit[16], offset[16];
	const char	*params[6];
	enum dbres	 rc;
	size_t		 i;
	int		 r;

	/* Readable orgs of a non-operator: explicit grants and roles. */
	abuf_init(&ids, a, 256);
	for (i = 0; i < p->nperms; i++) {
		const struct perm *h = &p->perms[i];
		const char	*id = h->id[0] != '\0' ? h->id : h->org;
		struct perm	 org;

		/* The matcher decides: orgs/<a>/orgs/<b> reaches no org. */
		perm_make(&org, ACT_READ, RT_ORGS, id, id);
		if (h->type == RT_ORGS && *id != '\0' && perm_matches(h, &org))
			abuf_printf(&ids, "%s ", id);
	}
	if (p->kind == PRINC_SESSION) {
		for (i = 0; i < p->nowner; i++)
			abuf_printf(&ids, "%s ", p->owner_orgs[i]);
		for (i = 0; i < p->nmember; i++)
			abuf_printf(&ids, "%s ", p->member_orgs[i]);
	}
	snprintf(limit, sizeof(limit), "%d", pg->limit + 1);
	snprintf(offset, sizeof(offset), "%d", pg->offset);
	params[0] = pg->after;
	params[1] = limit;
	params[2] = offset;
	params[3] = auth_allowed(p, ACT_READ, RT_ORGS, NULL, NULL) ? "t" : "f";
	params[4] = ids.data;
	params[5] = member_of;
	rc = db_run(db, STMT_ORGS_LIST, 6, params, a, &rows);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	pg->more = rows.nrows > pg->limit;
	*n = pg->more ? (size_t)pg->limit : (size_t)rows.nrows;
	*out = arena_alloc(a, sizeof(struct org) * (*n + 1));
	for (r = 0; r < (int)*n; r++)
		row_org(&rows, r, &(*out)[r]);
	return 0;
}

int
orgs_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const struct org_in *in, struct org *out,
    struct apierr *e)
{
	const char	*params[6];
	struct dbrows	 rows;

	if (in->has_name && orgs_check_name(in->name, e) == -1)
		return -1;
	params[0] = id;
	params[1] = in->has_name ? in->name : NULL;
	params[2] = in->description;
	params[3] = act->user_id;
	params[4] = act->auth_id;
	params[5] = act->addr;
	return org_result(db, db_run(db, STMT_ORG_UPDATE, 6, params, a,
	    &rows), &rows, in->name, out, e);
}

int
orgs_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id, struct apierr *e)
{
	const char	*params[4] = { id, act->user_id, act->auth_id,
	    act->addr };
	enum dbres	 rc;

	rc = db_run(db, STMT_ORG_DELETE, 4, params, a, NULL);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND,
		    "organization not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

int
orgs_members(struct db *db, struct arena *a, const char *org,
    const char *role, struct user **out, size_t *n, struct apierr *e)
{
	const char	*params[2] = { org, role };
	struct dbrows	 rows;
	enum dbres	 rc;
	int		 r;

	rc = db_run(db, STMT_MEMBERS_LIST, 2, params, a, &rows);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	*n = (size_t)rows.nrows;
	*out = arena_alloc(a, sizeof(struct user) * (*n + 1));
	for (r = 0; r < rows.nrows; r++) {
		(*out)[r].id = dbrows_get(&rows, r, 0);
		(*out)[r].name = dbrows_get(&rows, r, 1);
		(*out)[r].status = dbrows_get(&rows, r, 2);
	}
	return 0;
}

int
orgs_member_add(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role, struct user *out,
    struct apierr *e)
{
	const char	*params[6] = { org, user, role, act->user_id,
	    act->auth_id, act->addr };
	struct dbrows	 rows;
	enum dbres	 rc;

	rc = db_run(db, STMT_MEMBER_ADD, 6, params, a, &rows);
	if (rc == DB_FOREIGN)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	out->id = dbrows_get(&rows, 0, 0);
	out->name = dbrows_get(&rows, 0, 1);
	out->status = dbrows_get(&rows, 0, 2);
	return 0;
}

int
orgs_member_remove(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role, struct apierr *e)
{
	const char	*params[6] = { org, user, role, act->user_id,
	    act->auth_id, act->addr };
	enum dbres	 rc;

	rc = db_run(db, STMT_MEMBER_REMOVE, 6, params, a, NULL);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "%s not found", role);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}
