/*
 * users.h -- the users service: the rules for creating, reading, listing,
 * changing and deleting users and setting passwords.  No HTTP, JSON or SQL
 * here; permission checks are the caller's, but for what a list shows.  Returns 0, or -1 with e set.
 * Output strings belong to the arena.
 */
#ifndef USERS_H
#define USERS_H

#include <stddef.h>

#include "arena.h"
#include "policy.h"
#include "db.h"
#include "err.h"
#include "model.h"

#define USER_NAME_MAX	256

/*
 * Checks a user name: present, at most USER_NAME_MAX bytes, and
 * util_name_valid (no controls, line separators or bidi controls).
 */
int	users_check_name(const char *name, int present, struct apierr *e);
/*
 * A new user; in->kind "service" (an extension) makes one that owns
 * tokens and never has a password, so never signs in with one.
 */
int	users_create(struct db *, struct arena *, const struct actor *,
	    const struct user_in *, struct user *out, struct apierr *e);
/* 404 `user not found` when id does not exist. */
int	users_get(struct db *, struct arena *, const char *id,
	    struct user *out, struct apierr *e);
int	users_get_by_name(struct db *, struct arena *, const char *name,
	    struct user *out, struct apierr *e);
/*
 * One page of the users p may read, filtered before paging.
 * page->more is set when more follow.  ride (may be NULL) is the page
 * read along with authentication (users_list_ride): its rows serve a
 * caller who may read every user; another is asked its own page.
 */
int	users_list(struct db *, struct arena *, const struct principal *,
	    struct page *, struct db_read *ride, struct user **out,
	    size_t *n, struct apierr *e);
/* The page of a caller who may read every user, as a read to ride along. */
void	users_list_ride(const struct page *, struct db_read *);
/*
 * ?id= or ?name= (the other NULL): the one user, when p may read it.  A
 * user that does not exist is "nothing visible" (*n = 0) to a caller who
 * may not read every user, so the lookup does not tell which exist.
 */
int	users_find(struct db *, struct arena *, const struct principal *,
	    const char *id, const char *name, struct user **out, size_t *n,
	    struct apierr *e);
int	users_update(struct db *, struct arena *, const struct actor *,
	    const char *id, const struct user_in *, struct user *out,
	    struct apierr *e);
int	users_delete(struct db *, struct arena *, const struct actor *,
	    const char *id, struct apierr *e);
/* The password policy alone (length), for checks before other work. */
int	users_check_password_policy(const char *pw, struct apierr *e);
/*
 * Checks the policy, hashes and stores pw (len bytes) for user id, ending
 * the user's sessions except actor->session_id.  Unknown user: 403 `your
 * userID is incorrect` (InfluxDB's wording).  gen: NULL, or the credential
 * generation the current password was checked against; the change (and
 * the kept session) then happens only if no other change came between:
 * 401 otherwise, so a reset, deactivation or revocation always wins.
 */
int	users_set_password(struct db *, struct arena *, const struct actor *,
	    const char *id, const char *pw, size_t len, const char *gen,
	    struct apierr *e);

#endif
