/*
 * api_orgs.c -- /api/v2/orgs, with members and owners.  Reading an org
 * needs read:orgs/<id>, changing it write:orgs/<id>; creating one needs
 * write:orgs.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "http.h"
#include "ids.h"
#include "json.h"
#include "orgs.h"
#include "banned.h"

int
api_orgs_list(struct req *r, struct apierr *e)
{
	struct orgs_filter f;
	struct page	 pg;
	struct org	*list;
	const char	*next = NULL;
	size_t		 n;

	if (api_parse_page(r, &pg, 0, e) == -1)
		return -1;
	f.id = http_query(r, "orgID");
	f.name = http_query(r, "org");
	f.member = http_query(r, "userID");
	if (orgs_list(r->db, r->arena, r->principal, &f, &pg, &list, &n,
	    e) == -1)
		return -1;
	if (pg.more && n > 0)
		next = arena_printf(r->arena, "/api/v2/orgs?limit=%d&after=%s",
		    pg.limit, list[n - 1].id);
	http_send_json(r, 200, json_orgs_encode(r->arena, list, n,
	    "/api/v2/orgs", next, NULL));
	return 0;
}

int
api_orgs_create(struct req *r, struct apierr *e)
{
	struct org_in	 in;
	struct org	 o;
	struct actor	 act = auth_actor(r);

	if (policy_require(r->principal, ACT_WRITE, RT_ORGS, NULL, NULL, e) == -1)
		return -1;
	if (json_org_decode(r->arena, r->body, r->body_len, &in, e) == -1)
		return -1;
	if (orgs_create(r->db, r->arena, &act, &in, &o, e) == -1)
		return -1;
	http_send_json(r, 201, json_org_encode(r->arena, &o));
	return 0;
}

/* The org id of path[0], checked for action; NULL with e set. */
static char *
org_checked(struct req *r, enum perm_action act, struct apierr *e)
{
	char	*id;

	if ((id = api_path_id(r, 0, e)) == NULL ||
	    policy_require(r->principal, act, RT_ORGS, id, NULL, e) == -1)
		return NULL;
	return id;
}

int
api_org_get(struct req *r, struct apierr *e)
{
	struct org	 o;
	char		*id;

	if ((id = org_checked(r, ACT_READ, e)) == NULL ||
	    orgs_get(r->db, r->arena, id, &o, e) == -1)
		return -1;
	http_send_json(r, 200, json_org_encode(r->arena, &o));
	return 0;
}

int
api_org_patch(struct req *r, struct apierr *e)
{
	struct org_in	 in;
	struct org	 o;
	struct actor	 act = auth_actor(r);
	char		*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	if (json_org_decode(r->arena, r->body, r->body_len, &in, e) == -1)
		return -1;
	if (org_checked(r, ACT_WRITE, e) == NULL ||
	    orgs_update(r->db, r->arena, &act, id, &in, &o, e) == -1)
		return -1;
	http_send_json(r, 200, json_org_encode(r->arena, &o));
	return 0;
}

int
api_org_delete(struct req *r, struct apierr *e)
{
	struct actor	 act = auth_actor(r);
	char		*id;

	if ((id = org_checked(r, ACT_WRITE, e)) == NULL ||
	    orgs_delete(r->db, r->arena, &act, id, e) == -1)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

static int
role_list(struct req *r, const char *role, struct apierr *e)
{
	struct org	 o;
	struct user	*list;
	size_t		 n;
	char		*id;

	if ((id = org_checked(r, ACT_READ, e)) == NULL ||
	    orgs_get(r->db, r->arena, id, &o, e) == -1 ||
	    orgs_members(r->db, r->arena, r->principal, id, role, &list, &n,
	    e) == -1)
		return -1;
	http_send_json(r, 200, json_members_encode(r->arena, list, n, role,
	    arena_printf(r->arena, "/api/v2/orgs/%s/%ss", id, role)));
	return 0;
}

static int
role_add(struct req *r, const char *role, struct apierr *e)
{
	struct actor	 act = auth_actor(r);
	struct org	 o;
	struct user	 u;
	struct idstr	 uid;
	const char	*user_id = NULL, *name = NULL;
	char		*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	if (json_member_decode(r->arena, r->body, r->body_len, &user_id, &name,
	    e) == -1)
		return -1;
	if (user_id == NULL)
		return apierr_set(e, APIERR_INVALID, "user id is required");
	if (id_parse(user_id, &uid, NULL, e) == -1)
		return -1;
	if (org_checked(r, ACT_WRITE, e) == NULL ||
	    orgs_get(r->db, r->arena, id, &o, e) == -1 ||
	    orgs_member_add(r->db, r->arena, r->principal, &act, id, uid.s,
	    role, &u, e) == -1)
		return -1;
	http_send_json(r, 201, json_member_encode(r->arena, &u, role));
	return 0;
}

static int
role_remove(struct req *r, const char *role, struct apierr *e)
{
	struct actor	 act = auth_actor(r);
	char		*id, *uid;

	if ((id = api_path_id(r, 0, e)) == NULL ||
	    (uid = api_path_id(r, 1, e)) == NULL)
		return -1;
	if (org_checked(r, ACT_WRITE, e) == NULL ||
	    orgs_member_remove(r->db, r->arena, &act, id, uid, role, e) == -1)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

int
api_members_list(struct req *r, struct apierr *e)
{
	return role_list(r, "member", e);
}

int
api_members_add(struct req *r, struct apierr *e)
{
	return role_add(r, "member", e);
}

int
api_member_remove(struct req *r, struct apierr *e)
{
	return role_remove(r, "member", e);
}

int
api_owners_list(struct req *r, struct apierr *e)
{
	return role_list(r, "owner", e);
}

int
api_owners_add(struct req *r, struct apierr *e)
{
	return role_add(r, "owner", e);
}

int
api_owner_remove(struct req *r, struct apierr *e)
{
	return role_remove(r, "owner", e);
}
