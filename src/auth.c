/*
 * auth.c -- from the Authorization header or session cookie to a principal
 * (what it may do is policy.c's), Basic decoding for sign-in, the session
 * cookie and the audit actor of a request.  The principal carries what its
 * user is at the request (roles, instance ownership), read with the
 * credential, so a demotion binds every credential from the next request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "cfg.h"
#include "crypto.h"
#include "csrf.h"
#include "db_principals.h"
#include "db_sessions.h"
#include "db_tokens.h"
#include "dirauth.h"
#include "http.h"
#include "lastuse.h"
#include "log.h"
#include "svc.h"
#include "banned.h"

#define CRED_MAX	512	/* longer tokens and cookies are never ours */

static int
valid_cred(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > CRED_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Picks the credential: a Token/Bearer header wins over the cookie.
 * Returns 0 with either *token or *session set, or -1 (401) when none is
 * usable.  Basic is not a credential here (only sign-in takes it).
 */
static int
credentials(struct req *r, const char **token, const char **session)
{
	const char	*h = http_header(r, "Authorization");
	int		 count;

	*token = *session = NULL;
	if (h != NULL) {
		if (strncasecmp(h, "Token ", 6) == 0)
			*token = h + 6;
		else if (strncasecmp(h, "Bearer ", 7) == 0 && h[7] != '\0')
			*token = h + 7;
		if (*token != NULL) {
			while (**token == ' ')
				(*token)++;
			return valid_cred(*token) ? 0 : -1;
		}
	}
	*session = http_cookie(r, HTTP_SESSION_COOKIE, &count);
	/* Two cookies of our name: refuse rather than guess which counts. */
	if (*session == NULL || count != 1 || !valid_cred(*session))
		return -1;
	return 0;
}

/*
 * The permissions of the last token parsed, kept across requests: the same
 * token usually comes back (an operator token holds 44, parsed in about
 * 4 us).  They are known by the token's id and row version, which
 * STMT_PRINCIPAL_TOKEN compares so that the text comes only when the row
 * is another or has changed since.  This keeps no credential and nothing
 * of its user: every request reads its token's row and its user's roles.
 * Ids and row versions are unique only within an instance, so a token's
 * are kept with the instance they came from (its connection and name).
 */
static struct {
	char		*auth_id;	/* a token's id and row version, or NULL */
	char		*version;
	const struct db	*db;		/* ... of this instance */
	char		*instance;
	struct perm	*perms;
	size_t		 n;
} last_perms;

/* 1 when the kept token permissions are of r's instance. */
static int
kept_here(const struct req *r)
{
	return last_perms.auth_id != NULL && last_perms.db == r->db &&
	    strcmp(last_perms.instance, r->instance ? r->instance : "") == 0;
}

/*
 * Parses text (space separated), the permissions of token auth_id at row
 * version, and keeps them; *perms is read-only.
 */
static void
parse_perms(const struct req *r, const char *text, const char *auth_id,
    const char *version, const struct perm **perms, size_t *nperms)
{
	struct perm	*parsed;
	char		*id, *ver, *inst;
	size_t		 ok, bad;

	ok = policy_perms_parse(text, &parsed, &bad);
	if ((id = strdup(auth_id)) == NULL || (ver = strdup(version)) == NULL ||
	    (inst = strdup(r->instance ? r->instance : "")) == NULL)
		fatal("out of memory");
	if (bad > 0)
		log_warnx("ignoring %zu malformed stored permissions", bad);
	free(last_perms.auth_id);
	free(last_perms.version);
	free(last_perms.instance);
	free(last_perms.perms);
	last_perms.auth_id = id;
	last_perms.version = ver;
	last_perms.db = r->db;
	last_perms.instance = inst;
	last_perms.perms = parsed;
	last_perms.n = ok;
	*perms = parsed;
	*nperms = ok;
}

/* What the principal's user may do now: its roles and instance ownership. */
static void
user_roles(struct req *r, const struct db_principal *row, struct principal *p)
{
	p->nowner = policy_words(r->arena, row->owner_orgs, &p->owner_orgs);
	p->nmember = policy_words(r->arena, row->member_orgs, &p->member_orgs);
	p->instance_owner = row->instance_owner;
}

static void
session_principal(struct req *r, const struct db_principal *row,
    struct principal *p)
{
	p->kind = PRINC_SESSION;
	p->auth_id = row->auth_id;
	p->user_id = row->user_id;
	user_roles(r, row, p);
}

/* A token's principal; 0, or -1 when its permissions are missing. */
static int
token_principal(struct req *r, const struct db_principal *row,
    struct principal *p)
{
	p->kind = PRINC_TOKEN;
	p->auth_id = row->auth_id;
	p->user_id = row->user_id;
	p->old_secret = row->old_secret;
	if (p->auth_id == NULL || row->version == NULL)
		return -1;
	user_roles(r, row, p);
	if (row->perms != NULL) {
		parse_perms(r, row->perms, p->auth_id, row->version,
		    &p->perms, &p->nperms);
		return 0;
	}
	/* No text: the row is the version whose permissions are kept. */
	if (!kept_here(r) || strcmp(last_perms.auth_id, p->auth_id) != 0 ||
	    strcmp(last_perms.version, row->version) != 0)
		return -1;
	p->perms = last_perms.perms;
	p->nperms = last_perms.n;
	return 0;
}

/*
 * Renews a session that is due (sliding expiry) and records its use, with
 * a fresh cookie when the expiry moved.  A failure costs the renewal only:
 * the session is valid, so the request goes on.  A directory user's
 * session whose user is due a directory check (ldap_recheck_interval)
 * looks it up again: -1 (401) when the directory dropped it, which ends
 * its sessions; an unreachable directory keeps the session.
 */
static int
touch_session(struct req *r, const char *session, const char *hash,
    struct apierr *e)
{
	struct dir_recheck due;
	struct actor	 act;
	long long	 expires;
	enum dbres	 rc;
	int		 gone;

	/* No row: it was signed out or expired in between. */
	rc = db_session_touch(r->db, r->arena, hash,
	    r->cfg->session_length * 60, r->cfg->ldap_recheck_interval,
	    &expires, &due);
	if (rc != DB_OK) {
		if (rc != DB_NOROW)
			log_warnx("cannot renew a session");
		return 0;
	}
	if (due.user_id != NULL) {
		/* The directory acts, not the session it may end. */
		memset(&act, 0, sizeof(act));
		act.addr = r->remote_addr;
		/* -1: the database failed it (its error; logged). */
		if ((gone = dirauth_recheck(r->db, r->arena, r->cfg, &act,
		    &due, e)) != 0)
			return gone == 1 ? apierr_unauthorized(e) : -1;
	}
	if (expires > 0)
		auth_set_cookie(r, session, expires);
	return 0;
}

/*
 * Records a token's use (its row said one is due: a minute since the
 * last).  Like a session's touch, a failure costs only the record.
 */
static void
touch_token(struct req *r, const char *auth_id)
{
	enum dbres	 rc;

	rc = db_token_touch(r->db, r->arena, auth_id, r->remote_addr);
	if (rc != DB_OK && rc != DB_NOROW && rc != DB_FOREIGN)
		log_warnx("cannot record a token's use");
}

/*
 * Every entry point below: the credential's row, with what q asks for in
 * the same round trip, checked (active user, active token, same-origin
 * writes for a cookie) and made r->principal.
 */
static int
authenticate(struct req *r, struct db_principal_query *q,
    struct db_principal *row, struct apierr *e)
{
	const char	*token, *session;
	char		 hash[SHA256_HEX_LEN + 1];
	struct principal *p;
	struct timespec	 ts;
	time_t		 now;
	enum dbres	 rc;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec;
	if (credentials(r, &token, &session) == -1)
		return apierr_unauthorized(e);
	crypto_sha256_hex(token ? token : session,
	    strlen(token ? token : session), hash);
	q->hash = hash;
	if (token != NULL) {
		q->kept_id = kept_here(r) ? last_perms.auth_id : NULL;
		q->kept_version = kept_here(r) ? last_perms.version : NULL;
		q->use_recent = !r->cfg->token_last_use ||
		    lastuse_recent(r->instance ? r->instance : "", hash, now);
		rc = db_principal_token(r->db, r->arena, q, row);
	} else {
		q->session_length = r->cfg->session_length * 60;
		rc = db_principal_session(r->db, r->arena, q, row);
	}
	if (rc == DB_NOROW)
		return apierr_unauthorized(e);
	if (rc != DB_OK)
		return svc_dberr(r->db, rc, e);
	if (row->user_status == NULL || strcmp(row->user_status, "active") != 0)
		return apierr_set(e, APIERR_FORBIDDEN, "User is inactive");
	/* An inactive token is refused outright (InfluxDB: per check). */
	if (row->auth_status == NULL || strcmp(row->auth_status, "active") != 0)
		return apierr_unauthorized(e);
	/* The cookie is the browser's: its writes must be same-origin JSON. */
	if (session != NULL && csrf_check(r, e) == -1)
		return -1;
	p = arena_alloc(r->arena, sizeof(*p));
	if (token == NULL)
		session_principal(r, row, p);
	else if (token_principal(r, row, p) == -1) {
		log_warnx("token principal without its permissions");
		return svc_dberr(r->db, DB_ERROR, e);
	}
	r->principal = p;
	if (session != NULL && row->touch_due) {
		if (touch_session(r, session, hash, e) == -1) {
			r->principal = NULL;
			return -1;
		}
	} else if (token != NULL && !q->use_recent) {
		if (row->touch_due)
			touch_token(r, p->auth_id);
		lastuse_seen(r->instance ? r->instance : "", hash, now);
	}
	return 0;
}

int
auth_authenticate(struct req *r, struct apierr *e)
{
	struct db_principal_query q;
	struct db_principal	 row;

	memset(&q, 0, sizeof(q));
	return authenticate(r, &q, &row, e);
}

int
auth_authenticate_self(struct req *r, struct user *self, struct apierr *e)
{
	struct db_principal_query q;
	struct db_principal	 row;

	memset(&q, 0, sizeof(q));
	q.with = WITH_SELF;
	if (authenticate(r, &q, &row, e) == -1)
		return -1;
	/* Deleted in between: any valid credential may read itself, so a
	 * missing self is a credential that no longer is (InfluxDB: 401). */
	if (!row.user_found)
		return apierr_unauthorized(e);
	*self = row.user;
	return 0;
}

int
auth_authenticate_user(struct req *r, const char *user_id, struct user *user,
    int *found, struct apierr *e)
{
	struct db_principal_query q;
	struct db_principal	 row;

	memset(&q, 0, sizeof(q));
	q.with = WITH_USER;
	q.user_id = user_id;
	if (authenticate(r, &q, &row, e) == -1)
		return -1;
	*found = row.user_found;
	if (*found)
		*user = row.user;
	return 0;
}

int
auth_authenticate_riding(struct req *r, struct db_read *ride,
    struct apierr *e)
{
	struct db_principal_query q;
	struct db_principal	 row;

	memset(&q, 0, sizeof(q));
	q.ride = ride;
	return authenticate(r, &q, &row, e);
}

int
auth_basic(struct req *r, char **user, char **pw, size_t *pwlen)
{
	const char	*h = http_header(r, "Authorization");
	unsigned char	*dec;
	char		*colon;
	size_t		 n;
	long		 len;

	*user = *pw = NULL;
	*pwlen = 0;
	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	/* Room for a 256-byte name and password, like lighttpd's cap. */
	if ((n = strlen(h)) > 1024)
		return -1;
	dec = arena_alloc(r->arena, n + 1);
	if ((len = crypto_b64_decode(h, n, dec)) < 0 ||
	    memchr(dec, '\0', (size_t)len) != NULL ||
	    (colon = memchr(dec, ':', (size_t)len)) == NULL) {
		crypto_wipe(dec, n + 1);
		return -1;
	}
	*colon = '\0';
	*user = (char *)dec;
	*pw = colon + 1;
	*pwlen = (size_t)len - (size_t)(colon + 1 - (char *)dec);
	return 0;
}

struct actor
auth_actor(const struct req *r)
{
	struct actor	 a;

	memset(&a, 0, sizeof(a));
	a.addr = r->remote_addr;
	if (r->principal != NULL) {
		a.user_id = r->principal->user_id;
		a.auth_id = r->principal->auth_id;
		if (r->principal->kind == PRINC_SESSION)
			a.session_id = r->principal->auth_id;
	}
	return a;
}

void
auth_set_cookie(struct req *r, const char *value, long long expires)
{
	char		 date[64];
	struct tm	 tm;
	time_t		 t = (time_t)(expires > 0 ? expires : 0);
	long long	 maxage = expires > 0 ? expires - (long long)time(NULL) : 0;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (maxage < 0)
		maxage = 0;
	http_add_header(r, "Set-Cookie", arena_printf(r->arena,
	    "%s=%s; Path=/api/; Expires=%s; Max-Age=%lld; HttpOnly%s; "
	    "SameSite=Strict", HTTP_SESSION_COOKIE, expires > 0 ? value : "",
	    date, maxage, r->https ? "; Secure" : ""));
}
