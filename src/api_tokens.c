/*
 * api_tokens.c -- /api/v2/authorizations: API tokens.  Lookups by id answer
 * 404 before the permission check, as InfluxDB does; the list shows only
 * what the caller may read and never a token value.
 */
#include <string.h>

#include "api.h"
#include "auth.h"
#include "http.h"
#include "ids.h"
#include "json.h"
#include "orgs.h"
#include "tokens.h"
#include "users.h"
#include "banned.h"

/*
 * Resolves an id or name filter to an id; NULL when absent (e unset).
 * Returns 1 when the name is unknown to a caller that may not read every
 * resource of its type: that answers as for a hidden one (an empty list),
 * so the filter does not tell which names exist.
 */
static int
filter_id(struct req *r, const char *idkey, const char *namekey,
    enum rtype type, const char **out, struct apierr *e)
{
	const char	*id = http_query(r, idkey), *name = http_query(r, namekey);
	struct idstr	 parsed;
	struct user	 u;
	struct org	 o;
	int		 rc = 0;

	*out = NULL;
	if (id != NULL && *id != '\0') {
		if (id_parse(id, &parsed, NULL, e) == -1)
			return -1;
		*out = arena_strdup(r->arena, parsed.s);
		return 0;
	}
	if (name == NULL || *name == '\0')
		return 0;
	if (type == RT_USERS) {
		if ((rc = users_get_by_name(r->db, r->arena, name, &u, e)) == 0)
			*out = u.id;
	} else if ((rc = orgs_get_by_name(r->db, r->arena, name, &o, e)) == 0)
		*out = o.id;
	if (rc == -1 && e->code == APIERR_NOT_FOUND &&
	    !auth_allowed(r->principal, ACT_READ, type, NULL, NULL))
		return 1;
	return rc;
}

int
api_auths_list(struct req *r, struct apierr *e)
{
	struct authz	*list = NULL;
	const char	*user, *org;
	size_t		 n = 0;
	int		 ru, ro;

	/* Both filters are judged whatever the other says: a 400 of one
	 * must not depend on whether the other's name exists. */
	if ((ru = filter_id(r, "userID", "user", RT_USERS, &user, e)) == -1 ||
	    (ro = filter_id(r, "orgID", "org", RT_ORGS, &org, e)) == -1)
		return -1;
	if (ru == 0 && ro == 0 && tokens_list(r->db, r->arena, r->principal,
	    user, org, &list, &n, e) == -1)
		return -1;
	http_send_json(r, 200, json_authzs_encode(r->arena, list, n,
	    "/api/v2/authorizations"));
	return 0;
}

int
api_auths_create(struct req *r, struct apierr *e)
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
	if (auth_require(r->principal, act, RT_AUTHORIZATIONS, z->id,
	    z->org_id, e) == -1 ||
	    auth_require(r->principal, act, RT_USERS, z->user_id, NULL,
	    e) == -1)
		return -1;
	return 0;
}

int
api_auth_get(struct req *r, struct apierr *e)
{
	struct authz	 z;

	if (load_checked(r, ACT_READ, &z, e) == -1)
		return -1;
	http_send_json(r, 200, json_authz_encode(r->arena, &z));
	return 0;
}

int
api_auth_patch(struct req *r, struct apierr *e)
{
	struct authz_in	 in;
	struct authz	 z;
	struct actor	 act = auth_actor(r);

	if (json_authz_decode(r->arena, r->body, r->body_len, 0, &in, e) == -1)
		return -1;
	if (load_checked(r, ACT_WRITE, &z, e) == -1)
		return -1;
	if (tokens_update(r->db, r->arena, &act, z.id, in.status,
	    in.description, &z, e) == -1)
		return -1;
	http_send_json(r, 200, json_authz_encode(r->arena, &z));
	return 0;
}

int
api_auth_delete(struct req *r, struct apierr *e)
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
