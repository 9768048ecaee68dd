/*
 * session.c -- sign-in and sessions.  Attempts are counted per user name
 * and per client address in PostgreSQL, before the password is hashed and
 * in one locked call (usersd_signin_attempt), so every worker and host, and
 * parallel guesses, see them; past cfg->signin_max_failures a name is
 * blocked for a delay that doubles with each further failure, past the
 * much higher cfg->signin_max_failures_per_addr an address (an IPv6 /64)
 * is blocked until its window ends, past signin_max_failures_per_net an
 * IPv6 /48 is, and blocked attempts are answered 429 without running
 * argon2.  A device that signed in as the name before (its device cookie)
 * counts on itself instead of the name, so other people's failures never
 * lock the owner out of it.  Each failure is logged with the address and
 * the (escaped) name, never the password, for fail2ban.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cfg.h"
#include "db_sessions.h"
#include "db_users.h"
#include "dirauth.h"
#include "log.h"
#include "metrics.h"
#include "password.h"
#include "session.h"
#include "svc.h"
#include "util.h"
#include "banned.h"

/*
 * The keys an attempt of name from addr counts on; device: the device
 * cookie it presented, or NULL.  hashbuf holds the device's hash.
 */
static void
keys_init(struct signin_keys *k, struct arena *a, const char *name,
    const char *addr, const char *device, char hashbuf[SHA256_HEX_LEN + 1])
{
	char	 key[UTIL_ADDR_KEY_MAX];

	k->name = name;
	k->net = NULL;
	if (util_addr_key(addr, 64, key) == -1)
		k->addr = addr;
	else {
		k->addr = arena_strdup(a, key);
		if (util_addr_key(addr, 48, key) == 1)
			k->net = arena_strdup(a, key);
	}
	k->device = NULL;
	if (device != NULL) {
		crypto_sha256_hex(device, strlen(device), hashbuf);
		k->device = hashbuf;
	}
}

/*
 * Counts one attempt on k, as a failure until the session is made, and
 * reads the name's credential into cr, in one transaction: 0 when the
 * password may be checked, -1 with 429 (and nothing counted) when blocked
 * now.  k->device is cleared unless the attempt counted on it.
 */
static int
attempt(struct db *db, struct arena *a, const struct cfg *c,
    struct signin_keys *k, struct credential *cr, struct apierr *e)
{
	enum dbres	 rc;
	long long	 wait;
	int		 device;

	if ((rc = db_signin_begin(db, a, c, k, &wait, &device, cr)) != DB_OK)
		return svc_dberr(db, rc, e);
	if (!device)
		k->device = NULL;
	if (wait <= 0)
		return 0;
	apierr_set(e, APIERR_TOO_MANY_REQUESTS,
	    "too many failed sign-in attempts, try again later");
	e->retry_after = (int)wait;
	return -1;
}

/* The attempt never reached its hash: every count is given back. */
static void
attempt_uncount(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k)
{
	if (db_signin_uncount(db, a, c, k) != DB_OK)
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

/*
 * The session, and a device cookie for the next sign-in, of a right
 * password: the second and last transaction of a sign-in.  cr: a local
 * user's credential, else dir: what the directory said of a directory
 * user, whose row, roles and session that transaction writes together.
 */
static int
open_session(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, const struct credential *cr,
    const struct dir_signin *dir, const char *presented, const char *addr,
    const char *agent, struct signin_out *out, struct apierr *e)
{
	struct signin_session s;
	char		 hash[SHA256_HEX_LEN + 1], devhash[SHA256_HEX_LEN + 1];
	static unsigned	 signins;
	enum dbres	 rc;
	int		 stale;

	if (crypto_new_token(out->cookie) == -1) {
		metrics_signin(MET_SIGNIN_ERROR);
		return apierr_internal(e);
	}
	crypto_sha256_hex(out->cookie, strlen(out->cookie), hash);
	memset(&s, 0, sizeof(s));
	s.hash = hash;
	if (dir != NULL) {
		s.name = dir->name;
		s.dn = dir->dn;
		s.roles = dir->roles;
	} else {
		s.user_id = cr->user_id;
		s.gen = cr->gen;
	}
	s.length = c->session_length * 60;
	s.max = c->session_max * 60;
	s.addr = addr;
	s.agent = agent_clean(a, agent);
	/*
	 * Expired sessions go in batches of 100 on one sign-in in 16 (and a
	 * worker's first): that outpaces the sessions sign-in creates, and
	 * the other 15 never look at the table (its plan may be a scan while
	 * the statistics still say the table is small).
	 */
	s.sweep = signins++ % 16 == 0;
	s.replaces = presented;
	/* No device cookie if none can be made: the sign-in still counts. */
	if (crypto_new_token(out->device) == 0) {
		crypto_sha256_hex(out->device, strlen(out->device), devhash);
		s.device = devhash;
	} else
		out->device[0] = '\0';
	if (dir != NULL) {
		rc = db_signin_directory(db, a, c, k, &s, &out->expires,
		    &stale);
		dirauth_signin_refused(k->name, rc, stale);
	} else
		rc = db_signin_finish(db, a, c, k, &s, &out->expires);
	if (rc != DB_OK) {
		crypto_wipe(out->cookie, TOKEN_LEN + 1);
		crypto_wipe(out->device, TOKEN_LEN + 1);
		out->cookie[0] = out->device[0] = '\0';
		/*
		 * The password changed, or the user went, while we hashed; a
		 * directory user is inactive, or its name another's.
		 */
		if (rc == DB_NOROW || (dir != NULL && rc == DB_REFUSED)) {
			if (dir != NULL)
				log_failure(k->name, addr);
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

/* session_signin with a hash slot held: the hash, then the session. */
static int
signin_reserved(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, struct credential *cr,
    const char *presented, const char *pw, size_t len, const char *addr,
    const char *agent, struct signin_out *out, struct apierr *e)
{
	char		 newhash[PW_HASH_MAX];
	const char	*gen;
	int		 match;

	/* Past the instance's failure budget an unknown name costs no hash. */
	if (cr->user_id == NULL && budget_unknown_name(db, a, c)) {
		log_failure(k->name, addr);
		metrics_signin(MET_SIGNIN_UNKNOWN_USER);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	/* Unknown user and no password cost one verify too. */
	if ((match = pw_verify(cr->hash, pw, len, e)) == -1) {
		attempt_uncount(db, a, c, k);
		metrics_signin(MET_SIGNIN_ERROR);
		return -1;
	}
	/*
	 * An inactive user's right password is a failure like a wrong one:
	 * the same answer after the same hash, and it clears no count, so
	 * sign-in is no oracle for the passwords of deactivated accounts.
	 */
	if (!match || strcmp(cr->status, "active") != 0) {
		if (cr->user_id != NULL)
			budget_known_name(db, a, c);
		log_failure(k->name, addr);
		metrics_signin(cr->user_id == NULL ? MET_SIGNIN_UNKNOWN_USER :
		    !match ? MET_SIGNIN_WRONG_PASSWORD : MET_SIGNIN_INACTIVE);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	/*
	 * A rehash moves the generation: the session takes the new one.  A
	 * transaction of its own, once per user and hash parameters.
	 */
	if (pw_needs_rehash(cr->hash) && pw_hash(pw, len, newhash, e) == 0 &&
	    db_user_rehash(db, a, cr->user_id, newhash, cr->hash, addr,
	    &gen) == DB_OK && gen != NULL)
		cr->gen = gen;
	return open_session(db, a, c, k, cr, NULL, presented, addr, agent,
	    out, e);
}

/*
 * session_signin of a directory user (dirauth.c), after its throttle and
 * without a hash slot: a refusal counts as a failure, an unreachable
 * directory (503) counts nothing.
 */
static int
signin_directory(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, const struct dir_settings *ds,
    const char *presented, const char *pw, size_t len, const char *addr,
    const char *agent, struct signin_out *out, struct apierr *e)
{
	struct dir_signin found;
	int		 counted;

	if (dirauth_signin(db, a, c, ds, k->name, pw, len, &found, &counted,
	    e) == -1) {
		if (!counted) {
			attempt_uncount(db, a, c, k);
			metrics_signin(MET_SIGNIN_ERROR);
		} else {
			log_failure(k->name, addr);
			metrics_signin(MET_SIGNIN_WRONG_PASSWORD);
		}
		return -1;
	}
	return open_session(db, a, c, k, NULL, &found, presented, addr,
	    agent, out, e);
}

/*
 * Two transactions on the way of a right password: the attempt counted
 * with the credential read before the hash (attempt), the outcome with
 * the session after it (open_session).
 */
int
session_signin(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, const char *pw, size_t len, const char *addr,
    const char *agent, const char *device, struct signin_out *out,
    struct apierr *e)
{
	struct signin_keys k;
	struct credential cr;
	struct dir_settings ds;
	char		 devhash[SHA256_HEX_LEN + 1];
	const char	*presented;
	int		 rc, dir;

	out->cookie[0] = out->device[0] = '\0';
	if (*name == '\0' || len == 0 || len > PW_MAX) {
		metrics_signin(MET_SIGNIN_INVALID);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	keys_init(&k, a, name, addr, device, devhash);
	presented = k.device;
	/*
	 * An instance past its share of the hash slots: 429 with no database
	 * work at all, so its flood costs the others next to nothing.
	 */
	if (pw_reserve_share(e) == -1) {
		metrics_signin(MET_SIGNIN_HASH_BUSY);
		return -1;
	}
	/* A blocked name or address costs one query and no hash slot. */
	if (attempt(db, a, c, &k, &cr, e) == -1) {
		pw_release();
		metrics_signin(e->code == APIERR_TOO_MANY_REQUESTS ?
		    MET_SIGNIN_THROTTLED : MET_SIGNIN_ERROR);
		return -1;
	}
	/*
	 * A name without a hash may be the directory's (a directory user, or
	 * an unknown name it takes): its password goes to the directory,
	 * never to a hash slot, so the share is given back first.
	 */
	if (cr.hash == NULL &&
	    (dir = dirauth_route(db, a, k.name, &ds, e)) != 0) {
		pw_release();
		if (dir == 1)
			return signin_directory(db, a, c, &k, &ds, presented,
			    pw, len, addr, agent, out, e);
		attempt_uncount(db, a, c, &k);
		metrics_signin(MET_SIGNIN_ERROR);
		return -1;
	}
	/* Under its share: waits for a slot (503 if none comes free). */
	if (pw_reserve(e) == -1) {
		pw_release();
		attempt_uncount(db, a, c, &k);
		metrics_signin(MET_SIGNIN_HASH_BUSY);
		return -1;
	}
	rc = signin_reserved(db, a, c, &k, &cr, presented, pw, len, addr,
	    agent, out, e);
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
	struct credential cr, by_name;
	struct signin_keys k;
	enum dbres	 rc;
	int		 match;

	rc = db_credential_by_id(db, a, id, &cr);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your userID is incorrect");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	*gen = cr.gen;
	keys_init(&k, a, cr.name, addr, NULL, NULL);
	/* Counted like a sign-in of that name (by_name: not needed here). */
	if (attempt(db, a, c, &k, &by_name, e) == -1)
		return -1;
	if (len > PW_MAX)
		match = 0;
	else if ((match = pw_verify(cr.hash, pw, len, e)) == -1) {
		attempt_uncount(db, a, c, &k);
		return -1;
	}
	if (!match) {
		if (cr.user_id != NULL)
			budget_known_name(db, a, c);
		log_failure(cr.name, addr);
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your username or password is incorrect");
	}
	if (db_signin_succeeded(db, a, c, &k) != DB_OK)
		log_warnx("cannot clear the sign-in failures of a success");
	return 0;
}
