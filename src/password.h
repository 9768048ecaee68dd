/*
 * password.h -- argon2id password hashing (libargon2), the length policy,
 * and a host-wide cap on concurrent hashes so sign-in floods cannot take
 * every worker.  Plaintext passwords are never stored or logged; callers
 * wipe them with crypto_wipe() after use.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>

#include "err.h"

#define PW_MIN		8
#define PW_MAX		256
#define PW_HASH_MAX	256	/* room for any PHC string we produce */

struct cfg;

/* Takes the argon2 parameters and slot count from cfg; call once per process. */
void	pw_init(const struct cfg *);
/* How many hashes may run at once on this host (hash_concurrency). */
int	pw_concurrency(const struct cfg *);
/*
 * How many of the slots one instance may hold at once (hash_share; 0 means
 * half of hash_concurrency, rounded up).
 */
int	pw_share(const struct cfg *);
/*
 * The instance whose share the following hashes take (NULL or "": the
 * default); a configured or hosted name, so a file name's part.
 */
void	pw_set_instance(const char *name);
/* 400 `invalid` unless len is within PW_MIN..PW_MAX bytes; 0 or -1. */
int	pw_policy(const char *pw, size_t len, struct apierr *e);
/*
 * Hashes pw into out (PW_HASH_MAX bytes) as a PHC string with the
 * configured parameters.  0, or -1 with e set (429 at once when the
 * instance holds its whole share, 503 when no slot came free in time, 500
 * otherwise).
 */
int	pw_hash(const char *pw, size_t len, char *out, struct apierr *e);
/*
 * Verifies pw against phc.  A NULL phc (unknown user, no password) still
 * costs one verify against a dummy hash, so timing does not tell them apart.
 * Returns 1 on a match, 0 on a mismatch, -1 with e set on failure.
 */
int	pw_verify(const char *phc, const char *pw, size_t len,
	    struct apierr *e);
/*
 * Reserves a hash slot for the calls that follow, until pw_release(): a
 * sign-in takes it before touching the database, so the excess is answered
 * at no cost but the 429.  0, or -1 with e set: 429 when the instance
 * holds its whole share of the slots; under its share it waits for a slot
 * (503 if none comes free in time).
 */
int	pw_reserve(struct apierr *e);
/*
 * Takes only the instance's share, without waiting and without a slot,
 * until pw_reserve or pw_release: a sign-in past its instance's share is
 * then answered 429 before any database work.  0, or -1 with e = 429.
 */
int	pw_reserve_share(struct apierr *e);
void	pw_release(void);
/*
 * Makes the dummy hash that unknown users are verified against, so the
 * first unknown user of a worker costs what any other does.  0 or -1.
 */
int	pw_warm(struct apierr *e);
/*
 * How many of this host's hash slots are held right now, by any process
 * (from the kernel's lock table); -1 when that cannot be read.
 */
int	pw_slots_busy(void);
/* 1 when phc was made with other parameters than the configured ones. */
int	pw_needs_rehash(const char *phc);

#endif
