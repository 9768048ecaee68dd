/*
 * api_tokens.c -- /api/v2/authorizations: API tokens.  Lookups by id answer
 * 404 before the permission check, as InfluxDB does; the list shows only
 * what the caller may read and never a token value.
 */
#include <string.h>

#include "api.h"
#include "auth.h"
#include "http.h"
#include "json.h"
#include "tokens.h"
#include "banned.h"

/* The list's own URL with after= and the filters, for links.next. */
static char *
next_link(struct req *r, const struct page *pg, const struct tokens_filter *f,
    const char *after)
{
	struct abuf	 b;

	abuf_init(&b, r->arena, 128);
	abuf_printf(&b, "/api/v2/authorizations?limit=%d&after=%s", pg->limit,
	    after);
	if (f->user_id != NULL)
		abuf_printf(&b, "&userID=%s", f->user_id);
	if (f->org_id != NULL)
		abuf_printf(&b, "&orgID=%s", f->org_id);
	return b.data;
}

int
api_tokens_list(struct req *r, struct apierr *e)
{
	struct tokens_filter f;
	struct page	 pg;
	struct authz	*list;
	const char	*lim = http_query(r, "limit");
	size_t		 n;

	if (api_parse_page(r, &pg, 0, e) == -1)
		return -1;
	/* InfluxDB does not page this list: without a limit, every one. */
	if (lim == NULL || *lim == '\0')
		pg.limit = 0;
	f.user_id = http_query(r, "userID");
	f.user = http_query(r, "user");
	f.org_id = http_query(r, "orgID");
	f.org = http_query(r, "org");
	if (tokens_list(r->db, r->arena, r->principal, &f, &pg, &list, &n,
	    e) == -1)
		return -1;
	http_send_json(r, 200, json_authzs_encode(r->arena, list, n,
	    "/api/v2/authorizations", pg.more && n > 0 ? next_link(r, &pg, &f,
	    list[n - 1].id) : NULL));
	return 0;
}

int
api_tokens_create(struct req *r, struct apierr *e)
{
	struct authz_in	 in;
	struct authz	 out;
	struct actor	 act = auth_actor(r);

	if (json_authz_decode(r->arena, r->body, r->body_len, 1, &in, e) == -1)
		return -1;
	if (tokens_create(r->db, r->arena, r->principal, &act, &in, &out,
	    e) == -1)
		return -1;
	http_send_json(r, 201, json_authz_encode(r->arena, &out));
	return 0;
}

/* Loads token path[0] and checks action on it and on its user. */
static int
load_checked(struct req *r, enum perm_action act, struct authz *z,
    struct apierr *e)
{
	char	*id;

	if ((id = api_path_id(r, 0, e)) == NULL ||
	    tokens_get(r->db, r->arena, id, z, e) == -1)
		return -1;
	if (policy_require(r->principal, act, RT_AUTHORIZATIONS, z->id,
	    z->org_id, e) == -1 ||
	    policy_require(r->principal, act, RT_USERS, z->user_id, NULL,
	    e) == -1)
		return -1;
	return 0;
}

int
api_token_get(struct req *r, struct apierr *e)
{
	struct authz	 z;

	if (load_checked(r, ACT_READ, &z, e) == -1)
		return -1;
	http_send_json(r, 200, json_authz_encode(r->arena, &z));
	return 0;
}

int
api_token_patch(struct req *r, struct apierr *e)
{
	struct authz_in	 in;
	struct authz	 z;
	struct actor	 act = auth_actor(r);

	if (json_authz_decode(r->arena, r->body, r->body_len, 0, &in, e) == -1)
		return -1;
	if (load_checked(r, ACT_WRITE, &z, e) == -1)
		return -1;
	if (tokens_update(r->db, r->arena, r->principal, &act, &z, &in, &z,
	    e) == -1)
		return -1;
	http_send_json(r, 200, json_authz_encode(r->arena, &z));
	return 0;
}

/* POST /api/v2/authorizations/{id}/rotate: an extension. */
int
api_token_rotate(struct req *r, struct apierr *e)
{
	struct authz	 z;
	struct actor	 act = auth_actor(r);
	const char	*grace;

	if (json_rotate_decode(r->arena, r->body, r->body_len, &grace,
	    e) == -1)
		return -1;
	if (load_checked(r, ACT_WRITE, &z, e) == -1)
		return -1;
	if (tokens_rotate(r->db, r->arena, r->principal, &act, &z, grace, &z,
	    e) == -1)
		return -1;
	http_send_json(r, 200, json_authz_encode(r->arena, &z));
	return 0;
}

int
api_token_delete(struct req *r, struct apierr *e)
{
	struct authz	 z;
	struct actor	 act = auth_actor(r);

	if (load_checked(r, ACT_WRITE, &z, e) == -1)
		return -1;
	if (tokens_delete(r->db, r->arena, &act, z.id, e) == -1)
		return -1;
	http_send_empty(r, 204);
	return 0;
}
