/*
 * session.c -- sign-in and sessions.  Failed attempts are counted per user
 * name and per client address in PostgreSQL, so every worker and host sees
 * them; past cfg->signin_max_failures the name or address is blocked for a
 * delay that doubles with each further failure, and blocked attempts are
 * answered 429 without running argon2.  Each failure is logged with the
 * address and the (escaped) name, never the password, for fail2ban.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "password.h"
#include "session.h"
#include "svc.h"
#include "banned.h"

static void
audit(struct db *db, struct arena *a, const char *user, const char *action,
    const char *addr)
{
	const char	*params[7] = { user, NULL, action, "user", user, addr,
	    NULL };

	if (db_run(db, STMT_AUDIT, 7, params, a, NULL) != DB_OK)
		log_warnx("cannot write the audit log");
}

/* 429 when name or addr is blocked now; 0 when they may try. */
static int
throttled(struct db *db, struct arena *a, const char *name, const char *addr,
    struct apierr *e)
{
	const char	*params[2] = { name, addr };
	struct dbrows	 rows;
	enum dbres	 rc;
	long long	 wait;

	rc = db_run(db, STMT_THROTTLE_CHECK, 2, params, a, &rows);
	if (rc == DB_NOROW)
		return 0;
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	wait = strtoll(dbrows_get(&rows, 0, 0), NULL, 10);
	apierr_set(e, APIERR_TOO_MANY_REQUESTS,
	    "too many failed sign-in attempts, try again later");
	e->retry_after = wait > 0 ? (int)wait : 1;
	return -1;
}

static void
record_failure(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *addr)
{
	char		 thr[16], first[16], max[16], esc[160];
	const char	*params[5];

	snprintf(thr, sizeof(thr), "%lld", c->signin_max_failures);
	snprintf(first, sizeof(first), "%lld", c->signin_lockout);
	snprintf(max, sizeof(max), "%lld", c->signin_lockout_max);
	params[0] = name;
	params[1] = addr;
	params[2] = thr;
	params[3] = first;
	params[4] = max;
	if (db_run(db, STMT_THROTTLE_FAIL, 5, params, a, NULL) != DB_OK)
		log_warnx("cannot record a failed sign-in");
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
	enum dbres	 rc;
	int		 match;

	rc = db_run(db, STMT_USER_PASSWORD_GET, 1, &name, a, &rows);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	if (rc == DB_OK) {
		id = dbrows_get(&rows, 0, 0);
		status = dbrows_get(&rows, 0, 1);
		phc = dbrows_get(&rows, 0, 2);
	}
	/* Unknown user and no password cost one verify too. */
	if ((match = pw_verify(phc, pw, len, e)) == -1)
		return -1;
	if (!match) {
		record_failure(db, a, c, name, addr);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	if (strcmp(status, "active") != 0)
		return apierr_set(e, APIERR_FORBIDDEN, "User is inactive");
	if (pw_needs_rehash(phc) && pw_hash(pw, len, newhash, e) == 0) {
		params[0] = id;
		params[1] = newhash;
		params[2] = phc;
		(void)db_run(db, STMT_USER_REHASH, 3, params, a, NULL);
	}
	if (crypto_new_token(cookie) == -1)
		return apierr_internal(e);
	crypto_sha256_hex(cookie, strlen(cookie), hash);
	snprintf(length, sizeof(length), "%lld", c->session_length * 60);
	snprintf(max, sizeof(max), "%lld", c->session_max * 60);
	params[0] = hash;
	params[1] = id;
	params[2] = length;
	params[3] = max;
	params[4] = addr;
	params[5] = name;
	/*
	 * Expired sessions go in batches of 100 on one sign-in in 16 (and a
	 * worker's first): that outpaces the sessions sign-in creates, and
	 * the other 15 never look at the table (its plan may be a scan while
	 * the statistics still say the table is small).
	 */
	params[6] = signins++ % 16 == 0 ? "t" : "f";
	rc = db_run(db, STMT_SESSION_INSERT, 7, params, a, &srows);
	if (rc != DB_OK) {
		crypto_wipe(cookie, TOKEN_LEN + 1);
		return svc_dberr(db, rc, e);
	}
	*expires = strtoll(dbrows_get(&srows, 0, 1), NULL, 10);
	return 0;
}

int
session_signin(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *pw, size_t len, const char *addr,
    char cookie[TOKEN_LEN + 1], long long *expires, struct apierr *e)
{
	int	 rc;

	if (*name == '\0' || len == 0 || len > PW_MAX)
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	/* A blocked name or address costs one query and no hash slot. */
	if (throttled(db, a, name, addr, e) == -1)
		return -1;
	/* No free hash slot: 429 before any more database work. */
	if (pw_reserve(e) == -1)
		return -1;
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
	const char	*p = hash;
	struct dbrows	 rows;
	enum dbres	 rc;

	crypto_sha256_hex(cookie, strlen(cookie), hash);
	rc = db_run(db, STMT_SESSION_DELETE, 1, &p, a, &rows);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	audit(db, a, dbrows_get(&rows, 0, 1), "signout", addr);
	return 0;
}

int
session_check_password(struct db *db, struct arena *a, const struct cfg *c,
    const char *id, const char *pw, size_t len, const char *addr,
    struct apierr *e)
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
	if (throttled(db, a, name, addr, e) == -1)
		return -1;
	if (len > PW_MAX)
		match = 0;
	else if ((match = pw_verify(phc, pw, len, e)) == -1)
		return -1;
	if (!match) {
		record_failure(db, a, c, name, addr);
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your username or password is incorrect");
	}
	return 0;
}
