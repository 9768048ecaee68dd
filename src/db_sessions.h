/*
 * db_sessions.h -- the sessions table and the sign-in throttle, typed (see
 * db_users.h for the conventions).  Sessions are known by the SHA-256 of
 * their cookie (hash); lengths are in seconds.
 */
#ifndef DB_SESSIONS_H
#define DB_SESSIONS_H

#include "db.h"
#include "db_users.h"
#include "model.h"

struct cfg;

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
/* A directory user whose directory check a session's touch claimed. */
struct dir_recheck {
	const char	*user_id;	/* NULL: none claimed */
	const char	*name;
	const char	*dn;
};

/*
 * Records a use of the session and renews it when due: *expires is the
 * new expiry (epoch s), or 0 when it did not move.  With recheck > 0 (s),
 * claims the directory check of its user when that is a directory user
 * last checked longer ago (due, in a's memory; due->user_id NULL: none).
 */
enum dbres	 db_session_touch(struct db *, struct arena *,
		    const char *hash, long long length, long long recheck,
		    long long *expires, struct dir_recheck *due);

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
 * A sign-in's first transaction: counts the attempt under c's limits and,
 * when it may go on (*wait 0), reads k->name's credential into cr
 * (cr->user_id NULL: no such name).  *wait > 0: the seconds the caller
 * must wait, nothing counted.  *device: 1 when it counted on k->device (a
 * device of that name, within its own budget) instead of on the name.
 */
enum dbres	 db_signin_begin(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k,
		    long long *wait, int *device, struct credential *cr);

/* What a right password's session is (db_signin_finish, _directory). */
struct signin_session {
	const char	*hash;		/* SHA-256 of the session cookie */
	const char	*user_id;	/* a local user's, or NULL */
	const char	*gen;		/* the credential generation checked */
	const char	*name;		/* a directory user's name, */
	const char	*dn;		/* ... its DN, */
	const char	*roles;		/* ... a 't'/'f' per group rule, or
					 * NULL when there are none */
	long long	 length, max;	/* seconds */
	const char	*addr;		/* the client's address */
	const char	*agent;		/* its User-Agent, cleaned, or NULL */
	int		 sweep;		/* also delete expired sessions */
	const char	*device;	/* SHA-256 of a new device cookie, or
					 * NULL */
	const char	*replaces;	/* the device presented, or NULL */
};

/*
 * A right password's one transaction: the count of the device the attempt
 * counted on (k->device) or else of the name goes, the addresses' are
 * undone; the session opens, only while the user is active and still at
 * generation s->gen (DB_NOROW otherwise: the counts go all the same); the
 * new device replaces the presented one.  *expires: epoch seconds.
 */
enum dbres	 db_signin_finish(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k,
		    const struct signin_session *s, long long *expires);
/*
 * A directory user's right password (the directory said so), in one
 * transaction: its user row made or found by s->name and s->dn, and only
 * while it is active, its org roles set from s->roles, the counts cleared
 * as db_signin_finish's and the session opened.  DB_NOROW: the user is
 * inactive (nothing written); DB_REFUSED: the name is a local user's or
 * another entry's (nothing written).  *stale: 1 when the group rules
 * changed since s->roles was read (the roles are left as they were).
 */
enum dbres	 db_signin_directory(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k,
		    const struct signin_session *s, long long *expires,
		    int *stale);
/*
 * A password change's right current password: as db_signin_finish's
 * counts, without a session.
 */
enum dbres	 db_signin_succeeded(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k);
/* The attempt never reached its hash: every count is given back. */
enum dbres	 db_signin_uncount(struct db *, struct arena *,
		    const struct cfg *, const struct signin_keys *k);
#endif
