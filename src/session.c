/*
 * session.c -- sign-in and sessions.  Attempts are counted per user name
 * and per client address in PostgreSQL, before the password is hashed and
 * in one locked call (usersd_signin_attempt), so every worker and host, and
 * parallel guesses, see them; past cfg->signin_max_failures a name is
 * blocked for a delay that doubles with each further failure, past the
 * much higher cfg->signin_max_failures_per_addr an address is blocked
 * until its window ends, and blocked attempts are answered 429 without
 * running argon2.  Each failure is logged with the address and the
 * (escaped) name, never the password, for fail2ban.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "password.h"
#include "session.h"
#include "svc.h"
#include "banned.h"

/*
 * Counts one attempt for name and addr, as a failure until
 * attempt_succeeded: 0 when the password may be checked, -1 with 429 (and
 * nothing counted) when the name or address is blocked now.
 */
static int
attempt(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *addr, struct apierr *e)
{
	char		 v[5][24];
	const char	*params[7];
	struct dbrows	 rows;
	enum dbres	 rc;
	long long	 wait;

	snprintf(v[0], sizeof(v[0]), "%lld", c->signin_max_failures);
	snprintf(v[1], sizeof(v[1]), "%lld", c->signin_lockout);
	snprintf(v[2], sizeof(v[2]), "%lld", c->signin_lockout_max);
	snprintf(v[3], sizeof(v[3]), "%lld", c->signin_max_failures_per_addr);
	snprintf(v[4], sizeof(v[4]), "%lld", c->signin_addr_window);
	params[0] = name;
	params[1] = addr;
	params[2] = v[0];
	params[3] = v[1];
	params[4] = v[2];
	params[5] = v[3];
	params[6] = v[4];
	rc = db_run(db, STMT_THROTTLE_ATTEMPT, 7, params, a, &rows);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	if ((wait = strtoll(dbrows_get(&rows, 0, 0), NULL, 10)) <= 0)
		return 0;
	apierr_set(e, APIERR_TOO_MANY_REQUESTS,
	    "too many failed sign-in attempts, try again later");
	e->retry_after = (int)wait;
	return -1;
}

/* The password was right: the name's count goes, the address's is undone. */
static void
attempt_succeeded(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *addr)
{
	char		 max[24];
	const char	*params[3] = { name, addr, max };

	snprintf(max, sizeof(max), "%lld", c->signin_max_failures_per_addr);
	if (db_run(db, STMT_THROTTLE_SUCCESS, 3, params, a, NULL) != DB_OK)
		log_warnx("cannot clear the sign-in failures of a success");
}

/* The attempt never reached its hash: both counts are given back. */
static void
attempt_uncount(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *addr)
{
	char		 umax[24], amax[24];
	const char	*params[4] = { name, addr, umax, amax };

	snprintf(umax, sizeof(umax), "%lld", c->signin_max_failures);
	snprintf(amax, sizeof(amax), "%lld", c->signin_max_failures_per_addr);
	if (db_run(db, STMT_THROTTLE_UNCOUNT, 4, params, a, NULL) != DB_OK)
		log_warnx("cannot give back an unchecked sign-in attempt");
}

static void
log_failure(const char *name, const char *addr)
{
	char	 esc[160];

	log_warnx("signin failed for user \"%s\" from %s",
	    log_escape(esc, sizeof(esc), name, strlen(name)), addr);
}

/* session_signin with a hash slot held: the hash, then the session. */
static int
signin_reserved(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *pw, size_t len, const char *addr,
    char cookie[TOKEN_LEN + 1], long long *expires, struct apierr *e)
{
	struct dbrows	 rows, srows;
	char		 hash[SHA256_HEX_LEN + 1], newhash[PW_HASH_MAX];
	char		 length[24], max[24];
	static unsigned	 signins;
	const char	*params[7], *phc = NULL, *id = NULL, *status = NULL;
	const char	*gen = NULL;
	enum dbres	 rc;
	int		 match;

	rc = db_run(db, STMT_USER_PASSWORD_GET, 1, &name, a, &rows);
	if (rc != DB_OK && rc != DB_NOROW) {
		attempt_uncount(db, a, c, name, addr);
		metrics_signin(MET_SIGNIN_ERROR);
		return svc_dberr(db, rc, e);
	}
	if (rc == DB_OK) {
		id = dbrows_get(&rows, 0, 0);
		status = dbrows_get(&rows, 0, 1);
		phc = dbrows_get(&rows, 0, 2);
		gen = dbrows_get(&rows, 0, 4);
	}
	/* Unknown user and no password cost one verify too. */
	if ((match = pw_verify(phc, pw, len, e)) == -1) {
		attempt_uncount(db, a, c, name, addr);
		metrics_signin(MET_SIGNIN_ERROR);
		return -1;
	}
	if (!match) {
		log_failure(name, addr);
		metrics_signin(id == NULL ? MET_SIGNIN_UNKNOWN_USER :
		    MET_SIGNIN_WRONG_PASSWORD);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	attempt_succeeded(db, a, c, name, addr);
	if (strcmp(status, "active") != 0) {
		metrics_signin(MET_SIGNIN_INACTIVE);
		return apierr_set(e, APIERR_FORBIDDEN, "User is inactive");
	}
	if (pw_needs_rehash(phc) && pw_hash(pw, len, newhash, e) == 0) {
		params[0] = id;
		params[1] = newhash;
		params[2] = phc;
		(void)db_run(db, STMT_USER_REHASH, 3, params, a, NULL);
	}
	if (crypto_new_token(cookie) == -1) {
		metrics_signin(MET_SIGNIN_ERROR);
		return apierr_internal(e);
	}
	crypto_sha256_hex(cookie, strlen(cookie), hash);
	snprintf(length, sizeof(length), "%lld", c->session_length * 60);
	snprintf(max, sizeof(max), "%lld", c->session_max * 60);
	params[0] = hash;
	params[1] = id;
	params[2] = length;
	params[3] = max;
	params[4] = addr;
	/*
	 * Expired sessions go in batches of 100 on one sign-in in 16 (and a
	 * worker's first): that outpaces the sessions sign-in creates, and
	 * the other 15 never look at the table (its plan may be a scan while
	 * the statistics still say the table is small).
	 */
	params[5] = signins++ % 16 == 0 ? "t" : "f";
	params[6] = gen;
	rc = db_run(db, STMT_SESSION_INSERT, 7, params, a, &srows);
	if (rc != DB_OK) {
		crypto_wipe(cookie, TOKEN_LEN + 1);
		/* The password changed, or the user went, while we hashed. */
		if (rc == DB_NOROW) {
			metrics_signin(MET_SIGNIN_WRONG_PASSWORD);
			return apierr_set(e, APIERR_UNAUTHORIZED,
			    "unauthorized access");
		}
		metrics_signin(MET_SIGNIN_ERROR);
		return svc_dberr(db, rc, e);
	}
	*expires = strtoll(dbrows_get(&srows, 0, 1), NULL, 10);
	metrics_signin(MET_SIGNIN_SUCCESS);
	metrics_session_created();
	return 0;
}

int
session_signin(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *pw, size_t len, const char *addr,
    char cookie[TOKEN_LEN + 1], long long *expires, struct apierr *e)
{
	int	 rc;

	if (*name == '\0' || len == 0 || len > PW_MAX) {
		metrics_signin(MET_SIGNIN_INVALID);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	/* A blocked name or address costs one query and no hash slot. */
	if (attempt(db, a, c, name, addr, e) == -1) {
		metrics_signin(e->code == APIERR_TOO_MANY_REQUESTS ?
		    MET_SIGNIN_THROTTLED : MET_SIGNIN_ERROR);
		return -1;
	}
	/* No free hash slot: 429 before any more database work. */
	if (pw_reserve(e) == -1) {
		attempt_uncount(db, a, c, name, addr);
		metrics_signin(MET_SIGNIN_HASH_BUSY);
		return -1;
	}
	rc = signin_reserved(db, a, c, name, pw, len, addr, cookie, expires,
	    e);
	pw_release();
	return rc;
}

int
session_signout(struct db *db, struct arena *a, const char *cookie,
    const char *addr, struct apierr *e)
{
	char		 hash[SHA256_HEX_LEN + 1];
	const char	*params[2] = { hash, addr };
	struct dbrows	 rows;
	enum dbres	 rc;

	crypto_sha256_hex(cookie, strlen(cookie), hash);
	/* The audit trigger writes the sign-out in the same statement. */
	rc = db_run(db, STMT_SESSION_DELETE, 2, params, a, &rows);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	metrics_session_ended();
	return 0;
}

int
session_check_password(struct db *db, struct arena *a, const struct cfg *c,
    const char *id, const char *pw, size_t len, const char *addr,
    const char **gen, struct apierr *e)
{
	struct dbrows	 rows;
	const char	*name = NULL, *phc = NULL;
	enum dbres	 rc;
	int		 match;

	rc = db_run(db, STMT_USER_PASSWORD_BY_ID, 1, &id, a, &rows);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your userID is incorrect");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	phc = dbrows_get(&rows, 0, 2);
	name = dbrows_get(&rows, 0, 3);
	*gen = dbrows_get(&rows, 0, 4);
	if (attempt(db, a, c, name, addr, e) == -1)
		return -1;
	if (len > PW_MAX)
		match = 0;
	else if ((match = pw_verify(phc, pw, len, e)) == -1) {
		attempt_uncount(db, a, c, name, addr);
		return -1;
	}
	if (!match) {
		log_failure(name, addr);
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your username or password is incorrect");
	}
	attempt_succeeded(db, a, c, name, addr);
	return 0;
}
