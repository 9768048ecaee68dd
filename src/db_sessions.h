/*
 * db_sessions.h -- the sessions table and the sign-in throttle, typed (see
 * db_users.h for the conventions).  Sessions are known by the SHA-256 of
 * their cookie (hash); lengths are in seconds.
 */
#ifndef DB_SESSIONS_H
#define DB_SESSIONS_H

#include "db.h"
#include "model.h"

struct cfg;

/*
 * Opens a session for user_id, only while the user is active and its
 * credentials are generation gen (DB_NOROW otherwise).  sweep: also
 * delete a batch of expired sessions.  *expires: epoch seconds.
 */
enum dbres	 db_session_insert(struct db *, struct arena *,
		    const char *hash, const char *user_id, long long length,
		    long long max, const char *addr, const char *agent,
		    int sweep, const char *gen, long long *expires);
/*
 * The live sessions of user_id, newest first, into *out (arena): DB_NOROW
 * when the user does not exist; *n may be 0.
 */
enum dbres	 db_sessions_list(struct db *, struct arena *,
		    const char *user_id, struct session_info **out,
		    size_t *n);
/*
 * Ends user_id's live sessions, audited as act's sign-outs: only session
 * id when it is not NULL, never keep.  *n: how many ended.  DB_NOROW when
 * the user does not exist.
 */
enum dbres	 db_sessions_end(struct db *, struct arena *,
		    const struct actor *, const char *user_id, const char *id,
		    const char *keep, long long *n);
/* Ends the live session behind hash (DB_NOROW: none). */
enum dbres	 db_session_delete(struct db *, struct arena *,
		    const char *hash, const char *addr);
/*
 * Records a use of the session and renews it when due: *expires is the
 * new expiry (epoch s), or 0 when it did not move.
 */
enum dbres	 db_session_touch(struct db *, struct arena *,
		    const char *hash, long long length, long long *expires);

/*
 * What one sign-in attempt counts on: the name, the client's address key
 * and IPv6 /48 key (util_addr_key; net NULL for IPv4), and the SHA-256 of
 * the device cookie it presented, or NULL.  Strings are the caller's.
 */
struct signin_keys {
	const char	*name;
	const char	*addr;
	const char	*net;
	const char	*device;
};

/*
 * Counts a sign-in attempt under c's limits: *wait is 0 when it counted
 * (go on), else the seconds the caller must wait.  *device: 1 when it
 * counted on k->device (a device of that name, within its own budget)
 * instead of on the name.
 */
enum dbres	 db_signin_attempt(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k,
		    long long *wait, int *device);
/*
 * The password was right: the count of the device (k->device, when the
 * attempt counted on it) or else of the name goes, the addresses' are
 * undone.
 */
enum dbres	 db_signin_succeeded(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k);
/* The attempt never reached its hash: every count is given back. */
enum dbres	 db_signin_uncount(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k);
/*
 * A new device (hash: SHA-256 of its cookie) for user_id at credential
 * generation gen, replacing old (the one the sign-in presented, or NULL).
 */
enum dbres	 db_signin_device(struct db *, struct arena *,
		    const char *hash, const char *user_id, const char *gen,
		    const char *old);

#endif
