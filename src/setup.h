/*
 * setup.h -- onboarding: the first user, org, bucket and operator token,
 * created together or not at all.  Returns 0, or -1 with e set.
 */
#ifndef SETUP_H
#define SETUP_H

#include "arena.h"
#include "db.h"
#include "err.h"
#include "model.h"

/*
 * *allowed: 1 while no user and no org exist, and onboarding is open to a
 * caller from addr (a hosted instance's is closed to all but "usersctl"
 * until it is set up).
 */
int	setup_allowed(struct db *, struct arena *, const char *addr,
	    int *allowed, struct apierr *e);
/*
 * Validates in, hashes its password (if any) and creates everything in one
 * transaction.  The operator token is in->token, or a new random one; it is
 * returned once in out->auth.token.  Wipes in->password.
 */
int	setup_run(struct db *, struct arena *, const char *addr,
	    struct setup_in *in, struct setup_out *out, struct apierr *e);
/* Operator permissions: read and write on every type but instance (44). */
size_t	setup_operator_perms(struct perm *out);

#endif
