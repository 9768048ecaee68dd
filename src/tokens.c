/*
 * tokens.c -- the authorizations service.  Checks run in InfluxDB's order
 * (authorization/middleware_auth.go, service.go), except that an instance
 * permission is 400, not 500.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "ids.h"
#include "svc.h"
#include "tokens.h"
#include "banned.h"

static char *
perms_string(struct arena *a, const struct perm *p, size_t n)
{
	struct abuf	 b;
	char		 buf[PERM_STR_MAX];
	size_t		 i;

	abuf_init(&b, a, 64 * (n + 1));
	for (i = 0; i < n; i++)
		abuf_printf(&b, "%s%s", i ? " " : "", perm_format(&p[i], buf));
	return b.data;
}

static void
row_authz(struct arena *a, const struct dbrows *rows, int r, struct authz *z)
{
	const char	*ps;
	char		*copy, *w, *save = NULL;
	size_t		 cap = 1;

	memset(z, 0, sizeof(*z));
	z->id = dbrows_get(rows, r, 0);
	z->status = dbrows_get(rows, r, 1);
	z->description = dbrows_get(rows, r, 2);
	z->org_id = dbrows_get(rows, r, 3);
	z->org_name = dbrows_get(rows, r, 4);
	z->user_id = dbrows_get(rows, r, 5);
	z->user_name = dbrows_get(rows, r, 6);
	z->created = dbrows_get(rows, r, 8);
	z->updated = dbrows_get(rows, r, 9);
	ps = dbrows_get(rows, r, 7);
	if (ps == NULL)
		ps = "";
	for (w = (char *)ps; *w != '\0'; w++)
		if (*w == ' ')
			cap++;
	z->perms = arena_alloc(a, sizeof(struct perm) * cap);
	copy = arena_strdup(a, ps);
	for (w = strtok_r(copy, " ", &save); w != NULL && z->nperms < cap;
	    w = strtok_r(NULL, " ", &save))
		if (perm_parse(w, &z->perms[z->nperms]) == 0)
			z->nperms++;
}

static int
insert(struct db *db, struct arena *a, const struct actor *act,
    const char *user, const char *org, const char *status,
    const char *description, const struct perm *perms, size_t n,
    struct authz *out, struct apierr *e)
{
	char		 token[TOKEN_LEN + 1], hash[SHA256_HEX_LEN + 1];
	const char	*params[9];
	struct dbrows	 rows;
	enum dbres	 rc;

	if (crypto_new_token(token) == -1)
		return apierr_internal(e);
	crypto_sha256_hex(token, strlen(token), hash);
	params[0] = hash;
	params[1] = status ? status : "active";
	params[2] = description ? description : "";
	params[3] = org;
	params[4] = user;
	params[5] = perms_string(a, perms, n);
	params[6] = act->user_id;
	params[7] = act->auth_id;
	params[8] = act->addr;
	rc = db_run(db, STMT_AUTH_INSERT, 9, params, a, &rows);
	if (rc == DB_FOREIGN || rc == DB_NOROW) {
		crypto_wipe(token, sizeof(token));
		return apierr_set(e, APIERR_INVALID, "unable to create token");
	}
	if (rc != DB_OK) {
		crypto_wipe(token, sizeof(token));
		return svc_dberr(db, rc, e);
	}
	row_authz(a, &rows, 0, out);
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
	target = p->user_id;
	if (in->user_id != NULL) {
		if (id_parse(in->user_id, &user, NULL, e) == -1)
			return -1;
		target = user.s;
	}
	if (auth_require(p, ACT_WRITE, RT_AUTHORIZATIONS, NULL, org.s, e) == -1 ||
	    auth_require(p, ACT_WRITE, RT_USERS, target, NULL, e) == -1)
		return -1;
	/*
	 * The maker grants only what it may do itself.  A requested
	 * permission, read as the resource it names, is the widest resource
	 * it can ever match (every resource it matches has its type, id and
	 * org), so a maker allowed that resource by the same matcher is
	 * allowed all of them.
	 */
	for (i = 0; i < in->nperms; i++) {
		const struct perm *q = &in->perms[i];

		if (!auth_allowed(p, q->action, q->type, q->id[0] ? q->id :
		    NULL, q->org[0] ? q->org : NULL)) {
			perm_format(q, buf);
			return apierr_set(e, APIERR_FORBIDDEN, "permission %s "
			    "is not allowed: %s is unauthorized", buf, buf);
		}
	}
	for (i = 0; i < in->nperms; i++)
		if (grants_own_user(p, &in->perms[i])) {
			perm_format(&in->perms[i], buf);
			return apierr_set(e, APIERR_FORBIDDEN, "permission %s "
			    "is not allowed: a session may not give a token "
			    "write on its own user (its password needs the "
			    "current one: PUT /api/v2/me/password)", buf);
		}
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
	    in->perms, in->nperms, out, e);
}

int
tokens_create_unchecked(struct db *db, struct arena *a,
    const struct actor *act, const char *user_id, const char *org_id,
    const char *description, const struct perm *perms, size_t n,
    struct authz *out, struct apierr *e)
{
	return insert(db, a, act, user_id, org_id, "active", description,
	    perms, n, out, e);
}

/* The one token a statement returned into out, or the error. */
static int
authz_result(struct db *db, struct arena *a, enum dbres rc,
    const struct dbrows *rows, struct authz *out, struct apierr *e)
{
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND,
		    "authorization not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	if (out != NULL)
		row_authz(a, rows, 0, out);
	return 0;
}

int
tokens_get(struct db *db, struct arena *a, const char *id,
    struct authz *out, struct apierr *e)
{
	struct dbrows	 rows;

	return authz_result(db, a, db_run(db, STMT_AUTH_GET, 1, &id, a,
	    &rows), &rows, out, e);
}

int
tokens_list(struct db *db, struct arena *a, const struct principal *p,
    const char *user_id, const char *org_id, struct authz **out, size_t *n,
    struct apierr *e)
{
	const char	*params[2] = { user_id, org_id };
	struct dbrows	 rows;
	struct authz	 z;
	enum dbres	 rc;
	int		 i;

	*n = 0;
	rc = db_run(db, STMT_AUTHS_LIST, 2, params, a, &rows);
	if (rc != DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	*out = arena_alloc(a, sizeof(struct authz) * ((size_t)rows.nrows + 1));
	for (i = 0; i < rows.nrows; i++) {
		row_authz(a, &rows, i, &z);
		if (auth_allowed(p, ACT_READ, RT_AUTHORIZATIONS, z.id,
		    z.org_id) && auth_allowed(p, ACT_READ, RT_USERS,
		    z.user_id, NULL))
			(*out)[(*n)++] = z;
	}
	return 0;
}

int
tokens_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *status, const char *description,
    struct authz *out, struct apierr *e)
{
	const char	*params[6];
	struct dbrows	 rows;

	if (svc_check_status(status, e) == -1)
		return -1;
	if (description != NULL && strlen(description) > 1024)
		return apierr_set(e, APIERR_INVALID,
		    "description must be at most 1024 bytes");
	params[0] = id;
	params[1] = status;
	params[2] = description;
	params[3] = act->user_id;
	params[4] = act->auth_id;
	params[5] = act->addr;
	return authz_result(db, a, db_run(db, STMT_AUTH_UPDATE, 6, params, a,
	    &rows), &rows, out, e);
}

int
tokens_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id, struct apierr *e)
{
	const char	*params[4] = { id, act->user_id, act->auth_id,
	    act->addr };

	return authz_result(db, a, db_run(db, STMT_AUTH_DELETE, 4, params, a,
	    NULL), NULL, NULL, e);
}
