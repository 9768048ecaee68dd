/*
 * db_setup.h -- onboarding's statements, typed (see db_users.h for the
 * conventions).  usersd_setup() makes the first user, org, bucket and
 * operator token in one transaction.
 */
#ifndef DB_SETUP_H
#define DB_SETUP_H

#include "db.h"
#include "model.h"

struct db_setup {
	const char	*username;
	const char	*password_hash;	/* or NULL: no password */
	const char	*org;
	const char	*bucket;
	long long	 retention;	/* seconds */
	const char	*token_hash;
	const char	*perms;		/* space separated */
	const char	*description;	/* the token's */
	const char	*addr;		/* for the audit log */
};

/* *allowed: no user and no org exists yet, and onboarding is open to addr. */
enum dbres	 db_setup_allowed(struct db *, struct arena *, const char *addr,
		    int *allowed);
/*
 * Sets what the database made: the ids, names and times of out's user,
 * org, bucket and token.  DB_RAISED or DB_CONFLICT: another setup won.
 */
enum dbres	 db_setup_run(struct db *, struct arena *,
		    const struct db_setup *, struct setup_out *out);

#endif
