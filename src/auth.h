/*
 * auth.h -- credentials to principal (policy.h decides what it may do).  A request is
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
#include "policy.h"

struct req;

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
 * carries no roles or instance ownership: it may do only what any session
 * may do to its own user.
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
