/*
 * api_users.c -- /api/v2/me and /api/v2/users*.  GET /me and GET
 * /users/{id} authenticate and read the user in one round trip.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "crypto.h"
#include "http.h"
#include "ids.h"
#include "json.h"
#include "users.h"
#include "util.h"
#include "banned.h"

int
api_parse_page(struct req *r, struct page *pg, int allow_desc,
    struct apierr *e)
{
	const char	*off = http_query(r, "offset");
	const char	*lim = http_query(r, "limit");
	const char	*after = http_query(r, "after");
	const char	*desc = http_query(r, "descending");
	struct idstr	 id;
	long long	 v;

	memset(pg, 0, sizeof(*pg));
	pg->limit = 20;
	if (off != NULL && *off != '\0') {
		if (util_parse_ll(off, -0x7fffffffLL, 0x7fffffffLL, &v) == -1)
			return apierr_set(e, APIERR_INVALID,
			    "offset is invalid");
		if (v < 0)
			return apierr_set(e, APIERR_INVALID,
			    "offset must not be negative");
		pg->offset = (int)v;
	}
	if (after != NULL && *after != '\0') {
		if (id_parse(after, &id, "decoding after", e) == -1)
			return -1;
		pg->after = arena_strdup(r->arena, id.s);
	}
	if (lim != NULL && *lim != '\0') {
		if (util_parse_ll(lim, -0x7fffffffLL, 0x7fffffffLL, &v) == -1)
			return apierr_set(e, APIERR_INVALID,
			    "limit is invalid");
		if (v < 1 || v > 100)
			return apierr_set(e, APIERR_INVALID,
			    "limit must be between 1 and 100");
		pg->limit = (int)v;
	}
	if (allow_desc && desc != NULL && *desc != '\0') {
		if (strcmp(desc, "true") == 0 || strcmp(desc, "1") == 0 ||
		    strcmp(desc, "t") == 0 || strcmp(desc, "T") == 0 ||
		    strcmp(desc, "TRUE") == 0 || strcmp(desc, "True") == 0)
			pg->descending = 1;
		else if (strcmp(desc, "false") != 0 && strcmp(desc, "0") != 0 &&
		    strcmp(desc, "f") != 0 && strcmp(desc, "F") != 0 &&
		    strcmp(desc, "FALSE") != 0 && strcmp(desc, "False") != 0)
			return apierr_set(e, APIERR_INVALID,
			    "descending is invalid");
	}
	if (pg->after != NULL && pg->offset > 0)
		return apierr_set(e, APIERR_INVALID,
		    "after and offset cannot be used together");
	return 0;
}

char *
api_path_id(struct req *r, size_t i, struct apierr *e)
{
	struct idstr	 id;

	if (i >= r->nargs || id_parse(r->args[i], &id, NULL, e) == -1)
		return NULL;
	return arena_strdup(r->arena, id.s);
}

int
api_me_get(struct req *r, struct apierr *e)
{
	struct user	 u;

	/* Any valid credential may read its own user. */
	if (auth_authenticate_self(r, &u, e) == -1)
		return -1;
	http_send_json(r, 200, json_user_encode(r->arena, &u));
	return 0;
}

int
api_user_get(struct req *r, struct apierr *e)
{
	struct user	 u;
	struct apierr	 bad;
	char		*id;
	int		 found;

	/* Credentials are checked before the id, as on every route. */
	if ((id = api_path_id(r, 0, &bad)) == NULL) {
		if (auth_authenticate(r, e) == -1)
			return -1;
		*e = bad;
		return -1;
	}
	if (auth_authenticate_user(r, id, &u, &found, e) == -1)
		return -1;
	/* Permission before existence, so ids do not leak. */
	if (policy_require(r->principal, ACT_READ, RT_USERS, id, NULL, e) == -1)
		return -1;
	if (!found)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	http_send_json(r, 200, json_user_encode(r->arena, &u));
	return 0;
}

/* The list's own URL with after= set, for links.next. */
static char *
page_link(struct req *r, const struct page *pg, const char *after,
    int offset)
{
	struct abuf	 b;

	abuf_init(&b, r->arena, 128);
	abuf_printf(&b, "/api/v2/users?limit=%d", pg->limit);
	if (pg->descending)
		abuf_adds(&b, "&descending=true");
	if (after != NULL)
		abuf_printf(&b, "&after=%s", after);
	else if (offset > 0)
		abuf_printf(&b, "&offset=%d", offset);
	return b.data;
}

int
api_users_list(struct req *r, struct apierr *e)
{
	struct page	 pg;
	struct user	*users = NULL;
	const char	*qid = http_query(r, "id"), *qname = http_query(r, "name");
	const char	*next = NULL, *prev = NULL;
	struct db_read	 ride, *rd = NULL;
	struct apierr	 bad;
	size_t		 n = 0;

	if (qid != NULL && *qid == '\0')
		qid = NULL;
	if (qname != NULL && *qname == '\0')
		qname = NULL;
	/* Credentials are checked before the query string, as elsewhere. */
	if (api_parse_page(r, &pg, 1, &bad) == -1) {
		if (auth_authenticate(r, e) == -1)
			return -1;
		*e = bad;
		return -1;
	}
	if (qid != NULL || qname != NULL) {
		/* A single-user lookup: paging does not apply. */
		if (auth_authenticate(r, e) == -1 ||
		    users_find(r->db, r->arena, r->principal, qid, qname,
		    &users, &n, e) == -1)
			return -1;
		http_send_json(r, 200, json_users_encode(r->arena, users, n,
		    "/api/v2/users", NULL, NULL));
		return 0;
	}
	/* A plain page for an operator costs one round trip with the auth. */
	users_list_ride(&pg, &ride);
	rd = &ride;
	if (auth_authenticate_riding(r, rd, e) == -1)
		return -1;
	if (users_list(r->db, r->arena, r->principal, &pg, rd, &users, &n,
	    e) == -1)
		return -1;
	if (pg.more && n > 0)
		next = page_link(r, &pg, users[n - 1].id, 0);
	if (pg.offset > 0)
		prev = page_link(r, &pg, NULL,
		    pg.offset > pg.limit ? pg.offset - pg.limit : 0);
	http_send_json(r, 200, json_users_encode(r->arena, users, n,
	    "/api/v2/users", next, prev));
	return 0;
}

int
api_users_create(struct req *r, struct apierr *e)
{
	struct user_in	 in;
	struct user	 u;
	struct actor	 act = auth_actor(r);

	if (policy_require(r->principal, ACT_WRITE, RT_USERS, NULL, NULL,
	    e) == -1)
		return -1;
	if (json_user_decode(r->arena, r->body, r->body_len, &in, e) == -1)
		return -1;
	if (users_create(r->db, r->arena, &act, &in, &u, e) == -1)
		return -1;
	http_send_json(r, 201, json_user_encode(r->arena, &u));
	return 0;
}

int
api_user_patch(struct req *r, struct apierr *e)
{
	struct user_in	 in;
	struct user	 u;
	struct actor	 act = auth_actor(r);
	char		*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	if (json_user_decode(r->arena, r->body, r->body_len, &in, e) == -1)
		return -1;
	if (policy_require(r->principal, ACT_WRITE, RT_USERS, id, NULL,
	    e) == -1)
		return -1;
	if (users_update(r->db, r->arena, &act, id, &in, &u, e) == -1)
		return -1;
	http_send_json(r, 200, json_user_encode(r->arena, &u));
	return 0;
}

int
api_user_delete(struct req *r, struct apierr *e)
{
	struct actor	 act = auth_actor(r);
	char		*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	if (policy_require(r->principal, ACT_WRITE, RT_USERS, id, NULL,
	    e) == -1)
		return -1;
	if (users_delete(r->db, r->arena, &act, id, e) == -1)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

int
api_user_password_post(struct req *r, struct apierr *e)
{
	struct actor	 act = auth_actor(r);
	char		*id, *pw = NULL;
	int		 rc = -1;

	if ((id = api_path_id(r, 0, e)) == NULL)
		goto out;
	if (json_password_decode(r->arena, r->body, r->body_len, &pw,
	    e) == -1)
		goto out;
	if (policy_require(r->principal, ACT_WRITE, RT_USERS, id, NULL,
	    e) == -1)
		goto out;
	/* A cookie alone must not set its own password: prove the old one. */
	if (r->principal->kind == PRINC_SESSION &&
	    strcmp(id, r->principal->user_id) == 0) {
		apierr_set(e, APIERR_FORBIDDEN, "a session changes its own "
		    "password with PUT /api/v2/me/password and the current "
		    "password as Basic credentials");
		goto out;
	}
	if (users_set_password(r->db, r->arena, &act, id, pw,
	    pw ? strlen(pw) : 0, NULL, e) == -1)
		goto out;
	http_send_empty(r, 204);
	rc = 0;
out:
	if (pw != NULL)
		crypto_wipe(pw, strlen(pw));
	crypto_wipe(r->body, r->body_len);
	return rc;
}
