/*
 * tokens.c -- the authorizations service.  Checks run in InfluxDB's order
 * (authorization/middleware_auth.go, service.go), except that an instance
 * permission is 400, not 500.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "db_tokens.h"
#include "ids.h"
#include "orgs.h"
#include "svc.h"
#include "tokens.h"
#include "users.h"
#include "banned.h"

/* The days of month m (1-12) of year y. */
static int
month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * 1 when s is an RFC 3339 time PostgreSQL reads as it is meant: nothing
 * of its other inputs ("infinity", "tomorrow", "epoch") gets through.
 */
static int
rfc3339(const char *s)
{
	int	 y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
	char	 t;

	if (strlen(s) > 40 || sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo,
	    &d, &t, &h, &mi, &sec, &n) != 7 || n != 19 || t != 'T')
		return 0;
	for (n = 0; n < 19; n++)
		if ((n == 4 || n == 7) ? s[n] != '-' : (n == 13 || n == 16) ?
		    s[n] != ':' : n == 10 ? 0 : (s[n] < '0' || s[n] > '9'))
			return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return 0;
	s += 19;
	if (*s == '.') {
		for (n = 0, s++; s[n] >= '0' && s[n] <= '9'; n++)
			;
		if (n == 0 || n > 9)
			return 0;
		s += n;
	}
	if (strcmp(s, "Z") == 0)
		return 1;
	if ((*s != '+' && *s != '-') || strlen(s) != 6 || s[3] != ':' ||
	    sscanf(s + 1, "%2d", &oh) != 1 || sscanf(s + 4, "%2d", &om) != 1)
		return 0;
	for (n = 1; n < 6; n++)
		if (n != 3 && (s[n] < '0' || s[n] > '9'))
			return 0;
	return oh <= 23 && om <= 59;
}

/*
 * Checks an expiry asked for: expiresAt an RFC 3339 time, or expiresIn
 * seconds (json.c bounds them; 0 is "now", for a PATCH only).
 */
static int
check_expiry(const struct expiry_in *x, int create, struct apierr *e)
{
	if (x->at != NULL && x->in != NULL)
		return apierr_set(e, APIERR_INVALID,
		    "give expiresAt or expiresIn, not both");
	if (x->at != NULL && !rfc3339(x->at))
		return apierr_set(e, APIERR_INVALID, "expiresAt must be an "
		    "RFC 3339 time such as 2030-01-02T03:04:05Z");
	if (create && x->in != NULL && strcmp(x->in, "0") == 0)
		return apierr_set(e, APIERR_INVALID,
		    "expiresIn must be at least 1 second");
	return 0;
}

static int
insert(struct db *db, struct arena *a, const struct actor *act,
    const char *user, const char *org, const char *status,
    const char *description, const struct perm *perms, size_t n,
    const struct expiry_in *x, struct authz *out, struct apierr *e)
{
	char		 token[TOKEN_LEN + 1], hash[SHA256_HEX_LEN + 1];
	enum dbres	 rc;

	if (crypto_new_token(token) == -1)
		return apierr_internal(e);
	crypto_sha256_hex(token, strlen(token), hash);
	rc = db_token_insert(db, a, act, hash, status ? status : "active",
	    description ? description : "", org, user, perms, n, x, out);
	if (rc == DB_FOREIGN || rc == DB_NOROW || rc == DB_CHECK) {
		crypto_wipe(token, sizeof(token));
		if (rc == DB_CHECK)
			return apierr_set(e, APIERR_INVALID,
			    "expiresAt must be in the future");
		return apierr_set(e, APIERR_INVALID, "unable to create token");
	}
	if (rc != DB_OK) {
		crypto_wipe(token, sizeof(token));
		return svc_dberr(db, rc, e);
	}
	out->token = arena_strdup(a, token);
	crypto_wipe(token, sizeof(token));
	return 0;
}

/*
 * 1 when a session asks to give a token write on its own user.  A session
 * sets its own password only with the current one (api_session.c); a token
 * that writes its user would set it without: a stolen cookie's way round.
 */
static int
grants_own_user(const struct principal *p, const struct perm *q)
{
	struct perm	 self;

	perm_make(&self, ACT_WRITE, RT_USERS, p->user_id, NULL);
	return p->kind == PRINC_SESSION && perm_matches(q, &self);
}

/*
 * 0 when p may give a token perms: it may do each itself (a requested
 * permission, read as the resource it names, is the widest resource it
 * can ever match: every resource it matches has its type, id and org, so
 * a maker allowed that resource by the same matcher is allowed all of
 * them), and no session gives write on its own user.  Else -1, e 403.
 */
static int
may_grant(const struct principal *p, const struct perm *perms, size_t n,
    struct apierr *e)
{
	char		 buf[PERM_STR_MAX];
	size_t		 i;

	for (i = 0; i < n; i++) {
		const struct perm *q = &perms[i];

		if (!policy_allowed(p, q->action, q->type, q->id[0] ? q->id :
		    NULL, q->org[0] ? q->org : NULL)) {
			perm_format(q, buf);
			return apierr_set(e, APIERR_FORBIDDEN, "permission %s "
			    "is not allowed: %s is unauthorized", buf, buf);
		}
	}
	for (i = 0; i < n; i++)
		if (grants_own_user(p, &perms[i])) {
			perm_format(&perms[i], buf);
			return apierr_set(e, APIERR_FORBIDDEN, "permission %s "
			    "is not allowed: a session may not give a token "
			    "write on its own user (its password needs the "
			    "current one: PUT /api/v2/me/password)", buf);
		}
	return 0;
}

int
tokens_create(struct db *db, struct arena *a, const struct principal *p,
    const struct actor *act, const struct authz_in *in, struct authz *out,
    struct apierr *e)
{
	struct idstr	 org, user;
	char		 buf[PERM_STR_MAX];
	const char	*target;
	size_t		 i;

	if (in->nperms == 0)
		return apierr_set(e, APIERR_INVALID,
		    "authorization must include permissions");
	if (in->org_id == NULL)
		return apierr_set(e, APIERR_INVALID,
		    "org id required: invalid ID");
	if (id_parse(in->org_id, &org, "org id required", e) == -1)
		return -1;
	if (svc_check_status(in->status, e) == -1)
		return -1;
	if (in->description != NULL && strlen(in->description) > 1024)
		return apierr_set(e, APIERR_INVALID,
		    "description must be at most 1024 bytes");
	if (check_expiry(&in->expiry, 1, e) == -1)
		return -1;
	target = p->user_id;
	if (in->user_id != NULL) {
		if (id_parse(in->user_id, &user, NULL, e) == -1)
			return -1;
		target = user.s;
	}
	if (policy_require(p, ACT_WRITE, RT_AUTHORIZATIONS, NULL, org.s, e) == -1 ||
	    policy_require(p, ACT_WRITE, RT_USERS, target, NULL, e) == -1)
		return -1;
	/* The maker grants only what it may do itself. */
	if (may_grant(p, in->perms, in->nperms, e) == -1)
		return -1;
	for (i = 0; i < in->nperms; i++) {
		const struct perm *q = &in->perms[i];

		if (q->type == RT_INSTANCE)
			return apierr_set(e, APIERR_INVALID, "authorizations "
			    "cannot be created with the instance type, it is "
			    "only used during setup");
		if (q->org[0] != '\0' && strcmp(q->org, org.s) != 0)
			return apierr_set(e, APIERR_INVALID, "permission %s is "
			    "not for org id %s", perm_format(q, buf), org.s);
	}
	return insert(db, a, act, target, org.s, in->status, in->description,
	    in->perms, in->nperms, &in->expiry, out, e);
}

int
tokens_create_unchecked(struct db *db, struct arena *a,
    const struct actor *act, const char *user_id, const char *org_id,
    const char *description, const struct perm *perms, size_t n,
    const struct expiry_in *x, struct authz *out, struct apierr *e)
{
	if (check_expiry(x, 1, e) == -1)
		return -1;
	return insert(db, a, act, user_id, org_id, "active", description,
	    perms, n, x, out, e);
}

static int
found(struct db *db, enum dbres rc, struct apierr *e)
{
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND,
		    "authorization not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

int
tokens_get(struct db *db, struct arena *a, const char *id,
    struct authz *out, struct apierr *e)
{
	return found(db, db_token_get(db, a, id, out), e);
}

/*
 * A page of the tokens matching the ids (NULL: any) that p may read: of a
 * user it may read, and which it may read itself (policy_scope), both
 * filtered in the statement before paging.
 */
static int
list_readable(struct db *db, struct arena *a, const struct principal *p,
    const char *user_id, const char *org_id, struct page *pg,
    struct authz **out, size_t *n, struct apierr *e)
{
	struct db_tokens_scope sc;
	struct scope	 users, auths;
	enum dbres	 rc;

	policy_scope(a, p, RT_USERS, &users);
	policy_scope(a, p, RT_AUTHORIZATIONS, &auths);
	sc.all_users = users.all;
	sc.users = users.ids;
	sc.all_auths = auths.all;
	sc.orgs = auths.orgs;
	sc.ids = auths.ids;
	rc = db_tokens_page(db, a, user_id, org_id, &sc, pg, out, n);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	return 0;
}

/*
 * Resolves a filter given by id or by name (tokens.h) to an id in *out,
 * NULL when neither is given.  1: a name that reads as hidden.
 */
static int
filter_id(struct db *db, struct arena *a, const struct principal *p,
    enum rtype type, const char *id, const char *name, const char **out,
    struct apierr *e)
{
	struct idstr	 parsed;
	struct user	 u;
	struct org	 o;
	int		 rc;

	*out = NULL;
	if (id != NULL && *id != '\0') {
		if (id_parse(id, &parsed, NULL, e) == -1)
			return -1;
		*out = arena_strdup(a, parsed.s);
		return 0;
	}
	if (name == NULL || *name == '\0')
		return 0;
	if (type == RT_USERS) {
		if ((rc = users_get_by_name(db, a, name, &u, e)) == 0)
			*out = u.id;
	} else if ((rc = orgs_get_by_name(db, a, name, &o, e)) == 0)
		*out = o.id;
	if (rc == -1 && e->code == APIERR_NOT_FOUND &&
	    !policy_allowed(p, ACT_READ, type, NULL, NULL))
		return 1;
	return rc;
}

int
tokens_list(struct db *db, struct arena *a, const struct principal *p,
    struct tokens_filter *f, struct page *pg, struct authz **out, size_t *n,
    struct apierr *e)
{
	const char	*user, *org;
	int		 ru, ro;

	*out = NULL;
	*n = 0;
	/* Both filters are judged whatever the other says: a 400 of one
	 * must not depend on whether the other's name exists. */
	if ((ru = filter_id(db, a, p, RT_USERS, f->user_id, f->user, &user,
	    e)) == -1 ||
	    (ro = filter_id(db, a, p, RT_ORGS, f->org_id, f->org, &org,
	    e)) == -1)
		return -1;
	pg->more = 0;
	if (ru == 1 || ro == 1)
		return 0;
	f->user_id = user;
	f->org_id = org;
	return list_readable(db, a, p, user, org, pg, out, n, e);
}

/* An expired token stays so: no new end, no new secret. */
static int
expired(struct apierr *e)
{
	return apierr_set(e, APIERR_CONFLICT, "the token has expired: its end "
	    "cannot change and it gets no new secret (make a new token)");
}

int
tokens_update(struct db *db, struct arena *a, const struct principal *p,
    const struct actor *act, const struct authz *z, const struct authz_in *in,
    struct authz *out, struct apierr *e)
{
	struct apierr	 why;
	enum dbres	 rc;
	int		 nearer_only;

	if (svc_check_status(in->status, e) == -1)
		return -1;
	if (in->description != NULL && strlen(in->description) > 1024)
		return apierr_set(e, APIERR_INVALID,
		    "description must be at most 1024 bytes");
	if (check_expiry(&in->expiry, 0, e) == -1)
		return -1;
	/* A caller that could not make this token may only end it sooner. */
	nearer_only = p != NULL && may_grant(p, z->perms, z->nperms,
	    &why) == -1;
	rc = db_token_update(db, a, act, z->id, in->status, in->description,
	    &in->expiry, nearer_only, out);
	if (rc == DB_CHECK)
		return apierr_set(e, APIERR_INVALID,
		    "expiresAt must be after the token's creation");
	if (rc == DB_NOROW && db_token_get(db, a, z->id, out) == DB_OK) {
		/* Copies of a dead secret may lie anywhere: none comes back. */
		if (out->expired)
			return expired(e);
		if (nearer_only)
			return apierr_set(e, APIERR_FORBIDDEN, "a later expiry "
			    "is not allowed: %s", why.msg);
	}
	return found(db, rc, e);
}

int
tokens_rotate(struct db *db, struct arena *a, const struct principal *p,
    const struct actor *act, const struct authz *z, const char *grace,
    struct authz *out, struct apierr *e)
{
	char		 token[TOKEN_LEN + 1], hash[SHA256_HEX_LEN + 1];
	enum dbres	 rc;

	/* A new secret is a new token: only for who could make this one. */
	if (p != NULL && may_grant(p, z->perms, z->nperms, e) == -1)
		return -1;
	if (crypto_new_token(token) == -1)
		return apierr_internal(e);
	crypto_sha256_hex(token, strlen(token), hash);
	rc = db_token_rotate(db, a, act, z->id, hash, grace, out);
	if (rc == DB_OK)
		out->token = arena_strdup(a, token);
	crypto_wipe(token, sizeof(token));
	if (rc == DB_NOROW && db_token_get(db, a, z->id, out) == DB_OK &&
	    out->expired)
		return expired(e);
	return found(db, rc, e);
}

int
tokens_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id, struct apierr *e)
{
	return found(db, db_token_delete(db, a, act, id), e);
}

int
tokens_stats(struct db *db, struct arena *a, struct token_stats *out,
    struct apierr *e)
{
	enum dbres	 rc;

	if ((rc = db_tokens_stats(db, a, out)) != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}
