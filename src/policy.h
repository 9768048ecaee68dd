/*
 * policy.h -- who may do what: the principal a credential became, whether
 * it may act on a concrete resource (policy_allowed, policy_require), the
 * permission text stored with a token, and what it may list, as a scope a
 * statement filters on before paging (policy_scope).  No HTTP, no SQL:
 * the services and usersctl take their rules from here, and auth.c (the
 * request side) only builds the principal.  docs/permissions.md is the
 * specification.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "perm.h"

enum princ_kind {
	PRINC_TOKEN = 0,
	PRINC_SESSION,
	PRINC_SHELL	/* usersctl: the database's own administrator */
};

struct principal {
	enum princ_kind	 kind;
	const char	*auth_id;	/* token or session id; NULL: shell */
	const char	*user_id;	/* NULL: shell */
	const struct perm *perms;	/* a token's own; read-only, shared */
	size_t		 nperms;
	/* What the user is now (read with the credential): */
	char		**owner_orgs;	/* the orgs it owns */
	size_t		 nowner;
	char		**member_orgs;	/* the orgs it is a member of */
	size_t		 nmember;
	int		 instance_owner;
	/*
	 * A token's secret before its last rotation, still in its grace: it
	 * does what the token does, but writes no token (no rotation,
	 * creation, change or deletion), so whoever holds a rotated-out
	 * secret cannot rotate the token away from its owner or mint one
	 * that outlives the grace.
	 */
	int		 old_secret;
};

/* The principal of usersctl: whoever holds the database may do anything. */
extern const struct principal policy_shell;

/*
 * 1 when p may take action on the concrete resource {type, id, org}: org is
 * the org the resource really belongs to (NULL for users, which belong to
 * none; an org belongs to itself).  id NULL: every resource of the type
 * (in org, when org is given).  A token must hold a matching permission
 * and its user must be allowed it by what it is now; a session needs only
 * the latter (docs/permissions.md).  p NULL: nothing is allowed.
 */
int	 policy_allowed(const struct principal *p, enum perm_action,
	    enum rtype, const char *id, const char *org);
/* 0 when allowed, else -1 with e = 401 "<action>:<resource> is unauthorized". */
int	 policy_require(const struct principal *p, enum perm_action,
	    enum rtype, const char *id, const char *org, struct apierr *e);

/*
 * What p may read of a type, exactly as policy_allowed decides it row by
 * row, for a statement to filter on before paging (so pages stay full):
 * every one (all), else those whose org is in orgs and those named in ids
 * (space-separated arena strings, "" for none).  An id in ids is "ID" when
 * p may read it in whatever org, "ORG/ID" when only in that org.  Users
 * and orgs need no orgs: an org's scope names its ids.
 */
struct scope {
	int		 all;
	const char	*orgs;
	const char	*ids;
};
void	 policy_scope(struct arena *, const struct principal *p, enum rtype,
	    struct scope *out);

/*
 * The permission text of a token (perm.h's perm_list_parse) to an array
 * the caller frees with free(3); words that are no permission are skipped
 * (counted in *bad).  Returns the count kept.
 */
size_t	 policy_perms_parse(const char *text, struct perm **out, size_t *bad);
/* Splits a space-separated id list into an arena array; returns the count. */
size_t	 policy_words(struct arena *, const char *s, char ***out);

#endif
