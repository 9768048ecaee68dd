/*
 * orgs.c -- the organizations service.  Name uniqueness is the schema's;
 * deleting an org cascades to its buckets, tokens and memberships.
 */
#include <string.h>

#include "db_orgs.h"
#include "ids.h"
#include "orgs.h"
#include "svc.h"
#include "util.h"
#include "banned.h"

#define ORG_NAME_MAX	256

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
org_result(struct db *db, enum dbres rc, const char *name, struct apierr *e)
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
	return 0;
}

int
orgs_create(struct db *db, struct arena *a, const struct actor *act,
    const struct org_in *in, struct org *out, struct apierr *e)
{
	if (orgs_check_name(in->name, e) == -1)
		return -1;
	return org_result(db, db_org_insert(db, a, act, in->name,
	    in->description ? in->description : "", act->user_id, out),
	    in->name, e);
}

int
orgs_get(struct db *db, struct arena *a, const char *id, struct org *out,
    struct apierr *e)
{
	return org_result(db, db_org_get(db, a, id, out), NULL, e);
}

int
orgs_get_by_name(struct db *db, struct arena *a, const char *name,
    struct org *out, struct apierr *e)
{
	/* No name orgs_check_name refuses is looked up. */
	if (!util_name_valid(name, strlen(name)))
		return apierr_set(e, APIERR_NOT_FOUND,
		    "organization not found");
	return org_result(db, db_org_by_name(db, a, name, out), NULL, e);
}

static int
given(const char *s)
{
	return s != NULL && *s != '\0';
}

/* The one org f names, as a list of it or of none (orgs.h). */
static int
list_one(struct db *db, struct arena *a, const struct principal *p,
    const struct orgs_filter *f, struct org **out, size_t *n,
    struct apierr *e)
{
	struct idstr	 id;
	int		 rc;

	*n = 0;
	*out = arena_alloc(a, sizeof(struct org));
	if (given(f->id)) {
		if (id_parse(f->id, &id, NULL, e) == -1)
			return -1;
		rc = orgs_get(db, a, id.s, *out, e);
	} else
		rc = orgs_get_by_name(db, a, f->name, *out, e);
	/* Without read:orgs a missing org reads as a hidden one. */
	if (rc == -1)
		return e->code == APIERR_NOT_FOUND &&
		    !policy_allowed(p, ACT_READ, RT_ORGS, NULL, NULL) ? 0 : -1;
	if (policy_allowed(p, ACT_READ, RT_ORGS, (*out)->id, NULL))
		*n = 1;
	return 0;
}

int
orgs_list(struct db *db, struct arena *a, const struct principal *p,
    const struct orgs_filter *f, struct page *pg, struct org **out,
    size_t *n, struct apierr *e)
{
	struct idstr	 member;
	struct scope	 sc;
	enum dbres	 rc;

	if (given(f->id) || given(f->name)) {
		pg->more = 0;
		return list_one(db, a, p, f, out, n, e);
	}
	if (given(f->member) && id_parse(f->member, &member, NULL, e) == -1)
		return -1;
	policy_scope(a, p, RT_ORGS, &sc);
	rc = db_orgs_page(db, a, pg, sc.all, sc.ids,
	    given(f->member) ? member.s : NULL, out, n);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	return 0;
}

int
orgs_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const struct org_in *in, struct org *out,
    struct apierr *e)
{
	if (in->has_name && orgs_check_name(in->name, e) == -1)
		return -1;
	return org_result(db, db_org_update(db, a, act, id,
	    in->has_name ? in->name : NULL, in->description, out), in->name,
	    e);
}

int
orgs_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id, struct apierr *e)
{
	return org_result(db, db_org_delete(db, a, act, id), NULL, e);
}

/* Leaves of u only what p may read of it: its id, unless p may read it. */
static void
readable_user(const struct principal *p, struct user *u)
{
	if (!policy_allowed(p, ACT_READ, RT_USERS, u->id, NULL)) {
		u->name = "";
		u->status = NULL;
	}
}

int
orgs_members(struct db *db, struct arena *a, const struct principal *p,
    const char *org, const char *role, struct user **out, size_t *n,
    struct apierr *e)
{
	enum dbres	 rc;
	size_t		 i;

	rc = db_org_members(db, a, org, role, out, n);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	for (i = 0; i < *n; i++)
		readable_user(p, &(*out)[i]);
	return 0;
}

int
orgs_member_add(struct db *db, struct arena *a, const struct principal *p,
    const struct actor *act, const char *org, const char *user,
    const char *role, struct user *out, struct apierr *e)
{
	enum dbres	 rc;

	/* A missing id is told, as an add must fail (docs/compatibility.md). */
	rc = db_org_member_add(db, a, act, org, user, role, out);
	if (rc == DB_FOREIGN)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	readable_user(p, out);
	return 0;
}

int
orgs_member_remove(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role, struct apierr *e)
{
	enum dbres	 rc;

	rc = db_org_member_remove(db, a, act, org, user, role);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "%s not found", role);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}
