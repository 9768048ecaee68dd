/*
 * db_principals.h -- who is behind a credential, typed (see db_users.h for
 * the conventions).  One statement reads the token's or session's row and
 * what the principal may do; a user, or another read, may come back in the
 * same round trip.  auth.c is the only caller.
 */
#ifndef DB_PRINCIPALS_H
#define DB_PRINCIPALS_H

#include "db.h"
#include "model.h"

/* What comes back with the principal. */
enum db_with {
	WITH_NOTHING = 0,
	WITH_USER,		/* the user user_id, when it exists */
	WITH_SELF		/* the credential's own user; for a session,
				 * instead of its roles and instance
				 * ownership */
};

struct db_principal_query {
	const char	*hash;		/* SHA-256 (hex) of the credential */
	const char	*kept_id;	/* tokens: the id and row version */
	const char	*kept_version;	/* whose permissions are parsed */
	int		 use_recent;	/* tokens: the use was seen recorded
					 * within the minute (lastuse.h): do
					 * not ask whether a write is due */
	long long	 session_length; /* sessions: seconds */
	enum db_with	 with;
	const char	*user_id;	/* WITH_USER */
	struct db_read	*ride;		/* a read for the same round trip,
					 * or NULL */
};

struct db_principal {
	const char	*auth_id;	/* token or session id */
	const char	*user_id;
	const char	*user_status;
	const char	*auth_status;
	/*
	 * A token's, space separated; NULL when its row is still the
	 * query's kept version (the kept permissions hold).
	 */
	const char	*perms;
	const char	*version;	/* a token's row version */
	/* What the user may do now (not read for WITH_SELF sessions). */
	const char	*owner_orgs;	/* space-separated ids */
	const char	*member_orgs;
	int		 instance_owner;
	int		 touch_due;	/* a session due db_session_touch, a
					 * token due db_token_touch */
	int		 old_secret;	/* a token's secret before its last
					 * rotation, in its grace */
	struct user	 user;		/* WITH_USER and WITH_SELF ... */
	int		 user_found;	/* ... when it exists */
};

/* DB_NOROW: no live token or session has that hash. */
enum dbres	 db_principal_token(struct db *, struct arena *,
		    const struct db_principal_query *, struct db_principal *);
enum dbres	 db_principal_session(struct db *, struct arena *,
		    const struct db_principal_query *, struct db_principal *);

#endif
