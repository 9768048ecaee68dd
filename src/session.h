/*
 * session.h -- sign-in, sign-out and password checks, with brute-force
 * throttling.  Sessions live in PostgreSQL: the cookie value is random
 * (64 bytes, base64url) and only its SHA-256 is stored.  Returns 0, or -1
 * with e set.
 */
#ifndef SESSION_H
#define SESSION_H

#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "model.h"

struct cfg;

/* What a successful sign-in hands out (session_signin). */
struct signin_out {
	char		 cookie[TOKEN_LEN + 1];	/* the session cookie */
	long long	 expires;		/* its expiry, epoch s */
	char		 device[TOKEN_LEN + 1];	/* the device cookie, or "" */
};

/*
 * Checks name/pw (pw is len bytes) and on success opens a session and a
 * new device (replacing device, the device cookie presented, or NULL),
 * into out, with the User-Agent agent (NULL: none) kept on the session;
 * the caller wipes out's cookies.
 * Unknown user, wrong password, no password, inactive user (whatever the
 * password): 401 `unauthorized access`, at the same cost, counted as a
 * failure.  Throttled: 429 with retry_after.  A device that signed in as
 * name before is not held by name's block (it has a budget of its own).
 */
int	session_signin(struct db *, struct arena *, const struct cfg *,
	    const char *name, const char *pw, size_t len, const char *addr,
	    const char *agent, const char *device, struct signin_out *out,
	    struct apierr *e);
/*
 * The live sessions of user_id (404 `user not found` when it does not
 * exist); current, the session making the request or NULL, is marked.
 */
int	session_list(struct db *, struct arena *, const char *user_id,
	    const char *current, struct session_info **out, size_t *n,
	    struct apierr *e);
/*
 * Ends user_id's session id (404 `session not found` when it has no such
 * live session), or with id NULL all of its sessions but keep (may be
 * NULL).  404 `user not found` when the user does not exist.
 */
int	session_end(struct db *, struct arena *, const struct actor *,
	    const char *user_id, const char *id, const char *keep,
	    struct apierr *e);
/* Deletes the session behind cookie; 401 when there is none. */
int	session_signout(struct db *, struct arena *, const char *cookie,
	    const char *addr, struct apierr *e);
/*
 * Checks pw against user id's current password (throttled like sign-in):
 * 403 `your username or password is incorrect` on a mismatch.  *gen: the
 * credential generation that password belongs to, for users_set_password.
 */
int	session_check_password(struct db *, struct arena *,
	    const struct cfg *, const char *id, const char *pw, size_t len,
	    const char *addr, const char **gen, struct apierr *e);

#endif
