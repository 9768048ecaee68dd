/*
 * auth.h -- credentials to principal, and permission checks.  A request is
 * authenticated by its `Authorization: Token|Bearer` header if it has one,
 * else by the influxdb-oss-session cookie (as InfluxDB does).  The lookup
 * is one statement; reads of a single user ride along in the same round
 * trip (auth_authenticate's want_user).
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>

#include "db.h"
#include "err.h"
#include "model.h"
#include "perm.h"

struct req;

enum princ_kind {
	PRINC_TOKEN = 0,
	PRINC_SESSION
};

struct principal {
	enum princ_kind	 kind;
	const char	*auth_id;	/* token or session id */
	const char	*user_id;
	const struct perm *perms;	/* held explicitly; read-only, shared */
	size_t		 nperms;
	char		**owner_orgs;	/* sessions: orgs the user owns */
	size_t		 nowner;
	char		**member_orgs;	/* sessions: orgs the user is in */
	size_t		 nmember;
	int		 instance_owner;
};

/*
 * Authenticates r and stores the principal in r->principal.  When want_user
 * is set, also loads a user in the same statement: the user with id
 * want_user_id, or the principal's own when that is NULL; *found says
 * whether it exists.  When ride is not NULL, that read runs in the same
 * round trip (a pipeline) and its result is left in it.  Failures: 401
 * `unauthorized access`, 403 `User is inactive`, 503.
 * Returns 0 or -1 with e set.
 */
int	 auth_authenticate(struct req *, int want_user,
	    const char *want_user_id, struct user *user, int *found,
	    struct db_read *ride, struct apierr *e);
/*
 * 1 when p may take action on the concrete resource {type, id, org}: org is
 * the org the resource really belongs to (NULL for users, which belong to
 * none; an org belongs to itself).  id NULL: every resource of the type
 * (in org, when org is given).
 */
int	 auth_allowed(const struct principal *, enum perm_action, enum rtype,
	    const char *id, const char *org);
/* 0 when allowed, else -1 with e = 401 "<action>:<resource> is unauthorized". */
int	 auth_require(const struct principal *, enum perm_action, enum rtype,
	    const char *id, const char *org, struct apierr *e);
/*
 * Decodes `Authorization: Basic` (bounded, strict base64, split at the first
 * ':').  *user and *pw are arena strings; the caller wipes *pw.  Returns 0,
 * or -1 when the header is absent or malformed.
 */
int	 auth_basic(struct req *, char **user, char **pw, size_t *pwlen);
/* The actor of r for the audit log (principal may be NULL). */
struct actor auth_actor(const struct req *);
/*
 * Adds the session cookie to the response: value with the given expiry
 * (epoch seconds); expires <= 0 clears it (Max-Age=0).
 */
void	 auth_set_cookie(struct req *, const char *value, long long expires);

#endif
