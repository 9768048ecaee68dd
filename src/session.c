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
#include "db_sessions.h"
#include "db_users.h"
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
	enum dbres	 rc;
	long long	 wait;

	if ((rc = db_signin_attempt(db, a, c, name, addr, &wait)) != DB_OK)
		return svc_dberr(db, rc, e);
	if (wait <= 0)
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
	if (db_signin_succeeded(db, a, c, name, addr) != DB_OK)
		log_warnx("cannot clear the sign-in failures of a success");
}

/* The attempt never reached its hash: both counts are given back. */
static void
attempt_uncount(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *addr)
{
	if (db_signin_uncount(db, a, c, name, addr) != DB_OK)
		log_warnx("cannot give back an unchecked sign-in attempt");
}

static void
log_failure(const char *name, const char *addr)
{
	char	 esc[160];

	log_warnx("signin failed for user \"%s\" from %s",
	    log_escape(esc, sizeof(esc), name, strlen(name)), addr);
}

/*
 * What is kept of a User-Agent (NULL: none): its first AGENT_MAX bytes as
 * printable ASCII, each other byte or UTF-8 sequence a '?', so the list,
 * psql and a log can show it as it is (sql/migrations/0012's CHECK).
 */
#define AGENT_MAX	256

static char *
agent_clean(struct arena *a, const char *raw)
{
	const unsigned char *p = (const unsigned char *)(raw ? raw : "");
	char		*out = arena_alloc(a, AGENT_MAX + 1);
	size_t		 n = 0;

	for (; *p != '\0' && n < AGENT_MAX; p++) {
		if ((*p & 0xc0) == 0x80)	/* the rest of a sequence */
			continue;
		out[n++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
	}
	out[n] = '\0';
	return out;
}

/* session_signin with a hash slot held: the hash, then the session. */
static int
signin_reserved(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *pw, size_t len, const char *addr,
    const char *agent, char cookie[TOKEN_LEN + 1], long long *expires,
    struct apierr *e)
{
	struct credential cr;
	char		 hash[SHA256_HEX_LEN + 1], newhash[PW_HASH_MAX];
	static unsigned	 signins;
	enum dbres	 rc;
	int		 match;

	rc = db_credential_by_name(db, a, name, &cr);
	if (rc != DB_OK && rc != DB_NOROW) {
		attempt_uncount(db, a, c, name, addr);
		metrics_signin(MET_SIGNIN_ERROR);
		return svc_dberr(db, rc, e);
	}
	/* Unknown user and no password cost one verify too. */
	if ((match = pw_verify(cr.hash, pw, len, e)) == -1) {
		attempt_uncount(db, a, c, name, addr);
		metrics_signin(MET_SIGNIN_ERROR);
		return -1;
	}
	if (!match) {
		log_failure(name, addr);
		metrics_signin(cr.user_id == NULL ? MET_SIGNIN_UNKNOWN_USER :
		    MET_SIGNIN_WRONG_PASSWORD);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	attempt_succeeded(db, a, c, name, addr);
	if (strcmp(cr.status, "active") != 0) {
		metrics_signin(MET_SIGNIN_INACTIVE);
		return apierr_set(e, APIERR_FORBIDDEN, "User is inactive");
	}
	if (pw_needs_rehash(cr.hash) && pw_hash(pw, len, newhash, e) == 0)
		(void)db_user_rehash(db, a, cr.user_id, newhash, cr.hash);
	if (crypto_new_token(cookie) == -1) {
		metrics_signin(MET_SIGNIN_ERROR);
		return apierr_internal(e);
	}
	crypto_sha256_hex(cookie, strlen(cookie), hash);
	/*
	 * Expired sessions go in batches of 100 on one sign-in in 16 (and a
	 * worker's first): that outpaces the sessions sign-in creates, and
	 * the other 15 never look at the table (its plan may be a scan while
	 * the statistics still say the table is small).
	 */
	rc = db_session_insert(db, a, hash, cr.user_id, c->session_length * 60,
	    c->session_max * 60, addr, agent_clean(a, agent),
	    signins++ % 16 == 0, cr.gen, expires);
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
	metrics_signin(MET_SIGNIN_SUCCESS);
	metrics_session_created();
	return 0;
}

int
session_signin(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *pw, size_t len, const char *addr,
    const char *agent, char cookie[TOKEN_LEN + 1], long long *expires,
    struct apierr *e)
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
	rc = signin_reserved(db, a, c, name, pw, len, addr, agent, cookie,
	    expires, e);
	pw_release();
	return rc;
}

int
session_list(struct db *db, struct arena *a, const char *user_id,
    const char *current, struct session_info **out, size_t *n,
    struct apierr *e)
{
	enum dbres	 rc;
	size_t		 i;

	rc = db_sessions_list(db, a, user_id, out, n);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	for (i = 0; i < *n; i++)
		(*out)[i].current = current != NULL &&
		    strcmp((*out)[i].id, current) == 0;
	return 0;
}

int
session_end(struct db *db, struct arena *a, const struct actor *act,
    const char *user_id, const char *id, const char *keep,
    struct apierr *e)
{
	enum dbres	 rc;
	long long	 n;

	/* The audit trigger writes each sign-out in the same statement. */
	rc = db_sessions_end(db, a, act, user_id, id, keep, &n);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	if (id != NULL && n == 0)
		return apierr_set(e, APIERR_NOT_FOUND, "session not found");
	while (n-- > 0)
		metrics_session_ended();
	return 0;
}

int
session_signout(struct db *db, struct arena *a, const char *cookie,
    const char *addr, struct apierr *e)
{
	char		 hash[SHA256_HEX_LEN + 1];
	enum dbres	 rc;

	crypto_sha256_hex(cookie, strlen(cookie), hash);
	/* The audit trigger writes the sign-out in the same statement. */
	rc = db_session_delete(db, a, hash, addr);
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
	struct credential cr;
	const char	*name;
	enum dbres	 rc;
	int		 match;

	rc = db_credential_by_id(db, a, id, &cr);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your userID is incorrect");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	name = cr.name;
	*gen = cr.gen;
	if (attempt(db, a, c, name, addr, e) == -1)
		return -1;
	if (len > PW_MAX)
		match = 0;
	else if ((match = pw_verify(cr.hash, pw, len, e)) == -1) {
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
