/*
 * orgs.h -- organizations and their members and owners, as far as tokens
 * and users need them.  Returns 0, or -1 with e set; strings belong to the
 * arena.  Permission checks are the caller's, except list filtering.
 */
#ifndef ORGS_H
#define ORGS_H

#include <stddef.h>

#include "arena.h"
#include "policy.h"
#include "db.h"
#include "err.h"
#include "model.h"

/* An org name: present, at most 256 bytes, util_name_valid. */
int	orgs_check_name(const char *name, struct apierr *e);
/* The creator (actor->user_id) becomes the org's owner, as in InfluxDB. */
int	orgs_create(struct db *, struct arena *, const struct actor *,
	    const struct org_in *, struct org *out, struct apierr *e);
/* 404 `organization not found`. */
int	orgs_get(struct db *, struct arena *, const char *id,
	    struct org *out, struct apierr *e);
int	orgs_get_by_name(struct db *, struct arena *, const char *name,
	    struct org *out, struct apierr *e);
/*
 * What a list asks for, as the client sent it (NULL or "": not given).
 * id, else name, names one org: the list holds it when p may read it, and
 * is empty, not 404, when p may not; without read:orgs a missing org is
 * as hidden as an unreadable one, so the filter tells no caller which
 * names exist.  Otherwise member, a user id, keeps the orgs it is in.
 */
struct orgs_filter {
	const char	*id;
	const char	*name;
	const char	*member;
};

/* One page of the orgs p may read that match f (400: a bad id). */
int	orgs_list(struct db *, struct arena *, const struct principal *,
	    const struct orgs_filter *f, struct page *, struct org **out,
	    size_t *n, struct apierr *e);
int	orgs_update(struct db *, struct arena *, const struct actor *,
	    const char *id, const struct org_in *, struct org *out,
	    struct apierr *e);
/* Deletes the org with its buckets, tokens and memberships. */
int	orgs_delete(struct db *, struct arena *, const struct actor *,
	    const char *id, struct apierr *e);
/*
 * role: "member" or "owner".  A user p may not read comes back as its id
 * alone (name "", status NULL): a membership tells the org's readers who
 * is in it, not who they are.
 */
int	orgs_members(struct db *, struct arena *, const struct principal *p,
	    const char *org, const char *role, struct user **out, size_t *n,
	    struct apierr *e);
int	orgs_member_add(struct db *, struct arena *, const struct principal *p,
	    const struct actor *, const char *org, const char *user,
	    const char *role, struct user *out, struct apierr *e);
int	orgs_member_remove(struct db *, struct arena *, const struct actor *,
	    const char *org, const char *user, const char *role,
	    struct apierr *e);

#endif
