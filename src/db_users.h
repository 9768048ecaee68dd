/*
 * db_users.h -- the users table, typed: each function runs one statement of
 * stmts.def and fills model.h records, so no service builds a parameter
 * array or reads a column by number.  Strings belong to the arena.  The
 * result is the statement's enum dbres (DB_NOROW: no such user); the
 * service turns it into the API's answer.
 */
#ifndef DB_USERS_H
#define DB_USERS_H

#include <stddef.h>

#include "db.h"
#include "model.h"

/* What a password check needs of a user (never leaves the services). */
struct credential {
	const char	*user_id;
	const char	*status;
	const char	*hash;		/* the PHC string, or NULL (none set) */
	const char	*name;
	const char	*gen;		/* credential generation */
};

enum dbres	 db_user_get(struct db *, struct arena *, const char *id,
		    struct user *out);
enum dbres	 db_user_by_name(struct db *, struct arena *,
		    const char *name, struct user *out);
/* id NULL: a new one.  DB_CONFLICT names users_pkey or the name's index. */
enum dbres	 db_user_insert(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *name,
		    const char *status, const char *kind, struct user *out);
/* name and status NULL: unchanged.  Deactivation ends the sessions. */
enum dbres	 db_user_update(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *name,
		    const char *status, struct user *out);
/* Its sessions, tokens and memberships go with it. */
enum dbres	 db_user_delete(struct db *, struct arena *,
		    const struct actor *, const char *id);

/*
 * A page of users: all when read_all, else those in readable (space
 * separated ids).  db_users_page_read prepares the read, so that it can
 * ride along with authentication (auth_with_read); db_users_page runs
 * it; db_users_page_rows takes its rows (pg->more: more follow).
 */
void		 db_users_page_read(const struct page *, int read_all,
		    const char *readable, struct db_read *);
enum dbres	 db_users_page(struct db *, struct arena *, struct db_read *);
void		 db_users_page_rows(struct arena *, const struct db_read *,
		    struct page *, struct user **out, size_t *n);

/* Row r of a statement that returns USER_FIELDS (for db_orgs.c too). */
void		 db_user_row(const struct dbrows *, int r, struct user *);
/* The same from column col on: a user read along with something else. */
void		 db_user_at(const struct dbrows *, int r, int col,
		    struct user *);

enum dbres	 db_credential_by_id(struct db *, struct arena *,
		    const char *id, struct credential *out);
/*
 * A credential's five columns (id, status, hash, name, generation) from
 * column col of row: USER_PASSWORD_BY_ID's, and SIGNIN_BEGIN's.
 */
void		 db_credential_row(const struct dbrows *, int row, int col,
		    struct credential *out);
/*
 * Stores hash as id's password and ends its sessions but actor's.  gen
 * not NULL: only if the credentials are still that generation (DB_NOROW
 * when another change came first).
 */
enum dbres	 db_user_set_password(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *hash,
		    const char *gen);
/*
 * Replaces old_hash by new_hash if it is still the stored one, as a
 * rehash by user id itself from addr (audited, and it moves the
 * credential generation): *gen is the new generation (arena), or NULL
 * when another change came first.
 */
enum dbres	 db_user_rehash(struct db *, struct arena *, const char *id,
		    const char *new_hash, const char *old_hash,
		    const char *addr, const char **gen);

#endif
