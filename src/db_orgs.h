/*
 * db_orgs.h -- the orgs and org_members tables, typed: each function runs
 * one statement of stmts.def and fills model.h records, so no service
 * builds a parameter array or reads a column by number.  Strings belong to
 * the arena.  The result is the statement's enum dbres (DB_NOROW: no such
 * org, or no such role); the service turns it into the API's answer.
 */
#ifndef DB_ORGS_H
#define DB_ORGS_H

#include <stddef.h>

#include "db.h"
#include "model.h"

enum dbres	 db_org_get(struct db *, struct arena *, const char *id,
		    struct org *out);
enum dbres	 db_org_by_name(struct db *, struct arena *,
		    const char *name, struct org *out);
/* owner NULL: none.  DB_CONFLICT: the name is taken. */
enum dbres	 db_org_insert(struct db *, struct arena *,
		    const struct actor *, const char *name,
		    const char *description, const char *owner,
		    struct org *out);
/* name and description NULL: unchanged. */
enum dbres	 db_org_update(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *name,
		    const char *description, struct org *out);
/* Its buckets, tokens and memberships go with it. */
enum dbres	 db_org_delete(struct db *, struct arena *,
		    const struct actor *, const char *id);
/*
 * A page of orgs: all when read_all, else those in readable (space
 * separated ids); member (may be NULL) keeps those it belongs to.
 * pg->more: more follow.
 */
enum dbres	 db_orgs_page(struct db *, struct arena *, struct page *,
		    int read_all, const char *readable, const char *member,
		    struct org **out, size_t *n);

/* The users of org in role ("member" or "owner"), by id. */
enum dbres	 db_org_members(struct db *, struct arena *, const char *org,
		    const char *role, struct user **out, size_t *n);
/* Gives user role in org (a member made owner, or back).  DB_FOREIGN:
 * no such user or org. */
enum dbres	 db_org_member_add(struct db *, struct arena *,
		    const struct actor *, const char *org, const char *user,
		    const char *role, struct user *out);
enum dbres	 db_org_member_remove(struct db *, struct arena *,
		    const struct actor *, const char *org, const char *user,
		    const char *role);

#endif
