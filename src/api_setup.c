/*
 * api_setup.c -- GET/POST /api/v2/setup (no authentication: it works only
 * while no user and no org exist).
 */
#include "api.h"
#include "http.h"
#include "json.h"
#include "setup.h"
#include "banned.h"

int
api_setup_get(struct req *r, struct apierr *e)
{
	int	 allowed;

	if (setup_allowed(r->db, r->arena, r->remote_addr, &allowed, e) == -1)
		return -1;
	http_send_json(r, 200, json_allowed_encode(r->arena, allowed));
	return 0;
}

int
api_setup_post(struct req *r, struct apierr *e)
{
	struct setup_in		 in;
	struct setup_out	 out;

	if (json_setup_decode(r->arena, r->body, r->body_len, &in, e) == -1)
		return -1;
	if (setup_run(r->db, r->arena, r->remote_addr, &in, &out, e) == -1)
		return -1;
	http_send_json(r, 201, json_setup_encode(r->arena, &out));
	return 0;
}
