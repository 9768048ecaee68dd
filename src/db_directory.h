/*
 * db_directory.h -- the instance's directory settings and its directory
 * users (sql 0015), typed (see db_users.h for the conventions).
 */
#ifndef DB_DIRECTORY_H
#define DB_DIRECTORY_H

#include <stddef.h>

#include "db.h"
#include "directory.h"

/*
 * The settings into s, and of name (may be NULL): *is_dir 1 when it is a
 * directory user, *is_user 1 when it is a user at all.  any: also when
 * the directory is disabled; otherwise DB_NOROW then.
 */
enum dbres	 db_directory_read(struct db *, struct arena *,
		    const char *name, int any, struct dir_settings *s,
		    int *is_dir, int *is_user);
/* One setting (a column's name); DB_REFUSED for an unknown one. */
enum dbres	 db_directory_set(struct db *, struct arena *,
		    const char *key, const char *value);
/* user_id due its directory re-check again at its next touch. */
enum dbres	 db_directory_recheck_again(struct db *, struct arena *,
		    const char *user_id);
/* The active directory users: ids, names and DNs, *n of each. */
enum dbres	 db_directory_users(struct db *, struct arena *,
		    const char ***ids, const char ***names, const char ***dns,
		    size_t *n);

/* A group rule (sql 0015's directory_roles). */
struct dir_role {
	const char	*org;
	const char	*role;		/* "member" or "owner" */
	const char	*group;		/* DN */
};

/* The rules, in the order db_directory_roles_set takes its flags. */
enum dbres	 db_directory_roles(struct db *, struct arena *,
		    struct dir_role **out, size_t *n);
/*
 * user_id's roles from flags ('t'/'f' per rule of db_directory_roles);
 * *changed: memberships changed, or -1 when the rules changed meanwhile.
 */
enum dbres	 db_directory_roles_set(struct db *, struct arena *,
		    const char *user_id, const char *flags, const char *addr,
		    long long *changed);
/* A rule set (group NULL: removed; DB_NOROW when there was none). */
enum dbres	 db_directory_role(struct db *, struct arena *,
		    const char *org, const char *role, const char *group);

#endif
