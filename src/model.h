/*
 * model.h -- the plain records that pass between handlers, services and the
 * JSON codec.  No logic lives here.  All strings belong to the request
 * arena.  A NULL string means "absent".
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>

#include "perm.h"

struct user {
	const char	*id;
	const char	*name;
	const char	*status;
	const char	*kind;		/* "user" or "service" */
};

/* A decoded user body (POST and PATCH): only what was sent is set. */
struct user_in {
	const char	*id;
	const char	*name;
	const char	*status;
	const char	*kind;		/* POST only: "user" or "service" */
	int		 has_name;	/* the key was present (even as "") */
};

struct org {
	const char	*id;
	const char	*name;
	const char	*description;
	const char	*created;
	const char	*updated;
};

struct org_in {
	const char	*name;
	const char	*description;
	int		 has_name;
};

struct bucket {
	const char	*id;
	const char	*org_id;
	const char	*name;
	long long	 retention;	/* seconds; 0 = forever */
	const char	*created;
};

struct authz {
	const char	*id;
	const char	*token;		/* only right after creation */
	const char	*status;
	const char	*description;
	const char	*org_id;
	const char	*org_name;
	const char	*user_id;
	const char	*user_name;
	struct perm	*perms;
	size_t		 nperms;
	const char	*created;
	const char	*updated;
	const char	*expires;	/* NULL: never */
	const char	*last_used;	/* NULL: never used */
	const char	*last_used_addr;
	const char	*grace_until;	/* the secret before the last
					 * rotation works until then */
	int		 expired;
};

/*
 * An expiry asked for: an RFC 3339 time, or seconds from now (NULL: none
 * asked); the database decides against its own clock.
 */
struct expiry_in {
	const char	*at;
	const char	*in;
};

struct authz_in {
	const char	*org_id;
	const char	*user_id;
	const char	*description;
	const char	*status;
	struct perm	*perms;
	size_t		 nperms;
	int		 has_perms;
	struct expiry_in expiry;
};

struct setup_in {
	const char	*username;
	char		*password;	/* wiped after use */
	const char	*org;
	const char	*bucket;
	const char	*token;
	long long	 retention;	/* seconds */
};

struct setup_out {
	struct user	 user;
	struct org	 org;
	struct bucket	 bucket;
	struct authz	 auth;
};

/* A page of a list: items, and whether more exist after them. */
struct page {
	int		 offset;
	int		 limit;
	const char	*after;
	int		 descending;
	int		 more;
};

/* A live sign-in session as its user sees it (never its cookie or hash). */
struct session_info {
	const char	*id;
	const char	*created;
	const char	*last_used;
	const char	*expires;
	const char	*addr;		/* the address it was opened from */
	const char	*agent;		/* its User-Agent, bounded and clean */
	int		 current;	/* the session making the request */
};

/* An instance's tokens at a glance (/metrics). */
struct token_stats {
	long long	 used_day;	/* used in the last 24 hours */
	long long	 expired;	/* expired, still kept */
	long long	 expiring;	/* expiring within 7 days */
};

/* Who is acting, for the audit log. */
struct actor {
	const char	*user_id;
	const char	*auth_id;
	const char	*addr;
	const char	*session_id;	/* the acting session, or NULL */
};
#endif
