/*
 * auth.h -- credentials to principal, and permission checks.  A request is
 * authenticated by its `Authorization: Token|Bearer` header if it has one,
 * else by the influxdb-oss-session cookie (as InfluxDB does).  The lookup
 * is one statement; a read of a user, or of a page, rides along in the
 * same round trip (auth_authenticate_user, _riding).
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
 * Authenticates r: the principal goes to r->principal.  Failures: 401
 * `unauthorized access`, 403 `User is inactive`, 503.  Each returns 0, or
 * -1 with e set.  The router calls the first for the routes marked
 * R_AUTH; the others are for the handlers that authenticate themselves
 * (R_SELF_AUTH) to read something in the same round trip.
 */
int	 auth_authenticate(struct req *, struct apierr *e);
/*
 * And reads the caller's own user (GET /me).  A session's principal then
 * carries no permissions, roles or instance ownership: it may do only
 * what any session may do to its own user.
 */
int	 auth_authenticate_self(struct req *, struct user *self,
	    struct apierr *e);
/* And reads user user_id: *found says whether it exists. */
int	 auth_authenticate_user(struct req *, const char *user_id,
	    struct user *user, int *found, struct apierr *e);
/* And runs ride, a read, in the same round trip; its result stays in it. */
int	 auth_authenticate_riding(struct req *, struct db_read *ride,
	    struct apierr *e);
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
