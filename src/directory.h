/*
 * directory.h -- an instance's LDAP directory, through OpenLDAP's libldap
 * (the only file that includes <ldap.h>): find a user by name with the
 * search bind, check its (nested) group, bind as it with a password.
 * Every call ends within its timeout, over all the servers it tries.
 * Knows nothing of the database or of requests.
 */
#ifndef DIRECTORY_H
#define DIRECTORY_H

#include <stddef.h>

#include "arena.h"

/* An instance's settings (sql/migrations/0015), borrowed by every call. */
struct dir_settings {
	int		 enabled;
	const char	*uris;		/* space-separated, tried in order */
	int		 starttls;	/* for ldap:// */
	int		 allow_plain;	/* ldap:// without TLS */
	const char	*ca_file;	/* "" the system's */
	const char	*bind_dn;	/* "" an anonymous search */
	const char	*bind_password;
	const char	*base_dn;
	const char	*user_filter;
	const char	*name_attr;
	const char	*required_group;	/* "" none */
	const char	*member_attr;
	int		 unknown_names;
	int		 walk_groups;	/* find the user's groups (a group
					 * rule or required_group needs them) */
	const char	*servers;	/* the URIs it may connect to (the
					 * provider's ldap_servers), "*" any;
					 * NULL none */
};

enum dir_result {
	DIR_OK = 0,
	DIR_DENIED,		/* no such user (or several), not in the group,
				 * wrong or empty password */
	DIR_UNAVAILABLE,	/* no server answered in time */
	DIR_MISCONFIGURED	/* the settings or the search bind are wrong */
};

/* What the directory says of a user: both strings in the arena. */
struct dir_user {
	const char	*dn;
	const char	*name;	/* its name_attr, equal to the name asked
				 * for but for ASCII case */
	const char	**groups;	/* with walk_groups: every group it
					 * is in, nested, normalized DNs */
	size_t		 ngroups;
};

/*
 * Looks name up and, with pw not NULL, binds as the user found with the
 * pw_len bytes of pw (an empty password is DIR_DENIED before any bind).
 * With walk_groups, out->groups are the user's groups, directly or
 * through nested groups (at most DIR_GROUP_DEPTH deep); with a required
 * group, the user must be a member of it.  Within timeout_s
 * seconds, whatever the directory does; the reason for anything but
 * DIR_OK goes to why (why_size bytes; never the password).
 */
#define DIR_GROUP_DEPTH	8
enum dir_result	 directory_check(const struct dir_settings *, int timeout_s,
		    struct arena *, const char *name, const char *pw,
		    size_t pw_len, struct dir_user *out, char *why,
		    size_t why_size);
/*
 * Many look-ups over one connection (ldap sync): directory_open connects
 * and binds with the search DN within timeout_s, as directory_check does;
 * each directory_lookup is directory_check without a password on it,
 * within timeout_s of its own; directory_close(NULL) is a no-op.  The
 * settings are borrowed until the close.  A lookup that failed with
 * DIR_UNAVAILABLE may have lost the connection: close it.
 */
struct dir_conn;
enum dir_result	 directory_open(const struct dir_settings *, int timeout_s,
		    struct dir_conn **out, char *why, size_t why_size);
enum dir_result	 directory_lookup(struct dir_conn *, int timeout_s,
		    struct arena *, const char *name, struct dir_user *out,
		    char *why, size_t why_size);
void		 directory_close(struct dir_conn *);
/* 1 when u (directory_check with walk_groups) is in group (a DN). */
int		 directory_member(struct arena *, const struct dir_user *u,
		    const char *group);
/* The settings alone (a server answers, the search bind works). */
enum dir_result	 directory_ping(const struct dir_settings *, int timeout_s,
		    char *why, size_t why_size);
/* The name of r, for logs and usersctl. */
const char	*directory_result_string(enum dir_result r);

#endif
