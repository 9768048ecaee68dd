/*
 * dirauth.h -- directory sign-in, the service (rules only): which names
 * sign in through the instance's directory, what a directory answer means
 * for the API (401, 503), the user row it makes, and the admin's verbs
 * (usersctl ldap).  The directory itself is directory.c; the rows,
 * db_directory.c.  Returns 0, or -1 with e set, unless said otherwise.
 */
#ifndef DIRAUTH_H
#define DIRAUTH_H

#include <stddef.h>

#include "db.h"
#include "db_directory.h"
#include "db_sessions.h"
#include "db_users.h"
#include "directory.h"
#include "err.h"

struct cfg;

/*
 * Whether name signs in through the directory: 1 (s filled, borrowed from
 * a), 0 (a local sign-in: no directory, a local user, or an unknown name
 * that the directory does not take), -1 with e set.
 */
int	dirauth_route(struct db *, struct arena *, const char *name,
	    struct dir_settings *s, struct apierr *e);
/* What the directory says of a right password (dirauth_signin). */
struct dir_signin {
	const char	*name;		/* the entry's: the name asked for, but
					 * for ASCII case, and a usersd name */
	const char	*dn;
	const char	*roles;		/* a 't'/'f' per group rule, in
					 * DIRECTORY_ROLES' order; NULL: none */
};

/*
 * Checks name/pw (len bytes) in the directory of s, within
 * cfg->ldap_timeout, without the hash slots, and on success says who the
 * entry is and which group rules it meets (out, in a's memory): the
 * caller writes the user row, its roles and the session in one
 * transaction (db_signin_directory) and tells dirauth_signin_refused its
 * outcome.  Unknown in the directory, wrong or empty password, not in the
 * required group, or a name that is no usersd name: 401 `unauthorized
 * access` (*counted 1: a failure that counts).  The directory
 * unreachable, too slow or misconfigured: 503 `unavailable` (*counted 0),
 * never a fallback to a local password.
 */
int	dirauth_signin(struct db *, struct arena *, const struct cfg *,
	    const struct dir_settings *s, const char *name, const char *pw,
	    size_t len, struct dir_signin *out, int *counted,
	    struct apierr *e);
/*
 * Logs why db_signin_directory's rc refused name (another's name, an
 * inactive user), or, with DB_OK, that its roles were stale.
 */
void	dirauth_signin_refused(const char *name, enum dbres rc, int stale);

/* usersctl ldap: one setting by name; 400 for an unknown one or value. */
int	dirauth_set(struct db *, struct arena *, const char *key,
	    const char *value, struct apierr *e);
/* The settings, enabled or not (bind_password among them). */
int	dirauth_settings(struct db *, struct arena *, struct dir_settings *s,
	    struct apierr *e);
/* The group rules (org, role, group DN), in a's memory. */
int	dirauth_roles(struct db *, struct arena *, struct dir_role **out,
	    size_t *n, struct apierr *e);
/*
 * The members of group (a DN; NULL: the rule goes) are role ("member" or
 * "owner") of org, from their next directory sign-in or sync.  400 for
 * another role, 404 when removing a rule there is not.
 */
int	dirauth_role(struct db *, struct arena *, const char *org,
	    const char *role, const char *group, struct apierr *e);
/*
 * The directory answers and its search bind works; with name, also that
 * name is found (and in the required group).  The outcome is in why.
 */
enum dir_result	 dirauth_test(struct db *, struct arena *, const struct cfg *,
		    const char *name, char *why, size_t why_size,
		    struct apierr *e);
/*
 * Every active directory user is looked up again; one the directory no
 * longer has (or has under another DN, or outside the required group) is
 * deactivated, which ends its sessions and stops its tokens at their next
 * request; the others get their org roles from the group rules.  One
 * connection and one search bind serve them all, each look-up within
 * ldap_timeout.  Stops at the first directory failure (503: nobody is
 * deactivated because the directory is down).  *checked, *deactivated.
 */
int	dirauth_sync(struct db *, struct arena *, const struct cfg *,
	    const struct actor *, size_t *checked, size_t *deactivated,
	    struct apierr *e);
/*
 * One directory user looked up again, as ldap sync does, when a session
 * touch claimed its check (db_session_touch): 1 when the directory no
 * longer has or admits it (or is disabled) and it was deactivated (its
 * sessions end, its tokens stop), or, kept active by a rule of the schema
 * (the last instance owner), signed out everywhere; 0 when it still
 * admits it (its roles
 * set from the rules), or when the directory is unavailable or
 * misconfigured (logged: the session is kept).  Within ldap_timeout.
 */
int	dirauth_recheck(struct db *, struct arena *, const struct cfg *,
	    const struct actor *, const struct dir_recheck *due,
	    struct apierr *e);

#endif
