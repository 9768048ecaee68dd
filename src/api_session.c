/*
 * api_session.c -- POST /api/v2/signin and /signout; the sessions list,
 * GET and DELETE /api/v2/me/sessions[/{id}] and /api/v2/users/{id}/sessions
 * (an extension, docs/compatibility.md); and the password changes that
 * need the current password: PUT /api/v2/me/password and PUT
 * /api/v2/users/{id}/password (session cookie plus Basic credentials).
 */
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "crypto.h"
#include "csrf.h"
#include "http.h"
#include "json.h"
#include "metrics.h"
#include "session.h"
#include "users.h"
#include "util.h"
#include "banned.h"

/* Adds the device cookie with value to the response: sign-in only. */
static void
set_device_cookie(struct req *r, const char *value)
{
	http_add_header(r, "Set-Cookie", arena_printf(r->arena,
	    "%s=%s; Path=%s; Max-Age=%d; HttpOnly%s; SameSite=Strict",
	    HTTP_DEVICE_COOKIE, value, HTTP_DEVICE_PATH, HTTP_DEVICE_MAX_AGE,
	    r->https ? "; Secure" : ""));
}

/* The device cookie the request presents, if it has exactly one. */
static const char *
device_cookie(struct req *r)
{
	const char	*v;
	int		 count;

	v = http_cookie(r, HTTP_DEVICE_COOKIE, &count);
	if (v == NULL || count != 1 || *v == '\0' || strlen(v) > 512)
		return NULL;
	return v;
}

int
api_signin(struct req *r, struct apierr *e)
{
	struct signin_out out;
	char		*user, *pw;
	size_t		 pwlen;
	int		 rc;

	if (auth_basic(r, &user, &pw, &pwlen) == -1) {
		metrics_signin(MET_SIGNIN_INVALID);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	if (!util_utf8_valid(user, strlen(user))) {
		crypto_wipe(pw, pwlen);
		metrics_signin(MET_SIGNIN_INVALID);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	rc = session_signin(r->db, r->arena, r->cfg, user, pw, pwlen,
	    r->remote_addr, http_header(r, "User-Agent"), device_cookie(r), &out,
	    e);
	crypto_wipe(pw, pwlen);
	if (rc == -1)
		return -1;
	auth_set_cookie(r, out.cookie, out.expires);
	if (out.device[0] != '\0')
		set_device_cookie(r, out.device);
	crypto_wipe(&out, sizeof(out));
	http_send_empty(r, 204);
	return 0;
}

int
api_signout(struct req *r, struct apierr *e)
{
	const char	*cookie;
	int		 count;

	cookie = http_cookie(r, HTTP_SESSION_COOKIE, &count);
	if (cookie == NULL || count != 1 || strlen(cookie) > 512)
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	if (csrf_check(r, e) == -1)
		return -1;
	if (session_signout(r->db, r->arena, cookie, r->remote_addr, e) == -1)
		return -1;
	auth_set_cookie(r, "", 0);
	http_send_empty(r, 204);
	return 0;
}

/* Changes user id's password after checking the Basic (current) one. */
static int
change_password(struct req *r, const char *id, struct apierr *e)
{
	struct actor	 act = auth_actor(r);
	char		*user, *old = NULL, *pw = NULL;
	const char	*gen = NULL;
	size_t		 oldlen = 0;
	int		 rc = -1;

	if (auth_basic(r, &user, &old, &oldlen) == -1) {
		apierr_set(e, APIERR_UNAUTHORIZED, "the current password is "
		    "required as Basic credentials");
		goto out;
	}
	if (json_password_decode(r->arena, r->body, r->body_len, &pw,
	    e) == -1)
		goto out;
	if (policy_require(r->principal, ACT_WRITE, RT_USERS, id, NULL,
	    e) == -1)
		goto out;
	if (users_check_password_policy(pw, e) == -1)
		goto out;
	if (session_check_password(r->db, r->arena, r->cfg, id, old, oldlen,
	    r->remote_addr, &gen, e) == -1)
		goto out;
	if (users_set_password(r->db, r->arena, &act, id, pw, strlen(pw),
	    gen, e) == -1)
		goto out;
	http_send_empty(r, 204);
	rc = 0;
out:
	crypto_wipe(old, oldlen);
	if (pw != NULL)
		crypto_wipe(pw, strlen(pw));
	crypto_wipe(r->body, r->body_len);
	return rc;
}

int
api_me_password_put(struct req *r, struct apierr *e)
{
	return change_password(r, r->principal->user_id, e);
}

int
api_user_password_put(struct req *r, struct apierr *e)
{
	char	*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	return change_password(r, id, e);
}

/* The session making the request, or NULL for a token. */
static const char *
current_session(const struct req *r)
{
	return r->principal->kind == PRINC_SESSION ? r->principal->auth_id :
	    NULL;
}

/* Lists user id's sessions for whoever may read that user. */
static int
sessions_list(struct req *r, const char *id, const char *self,
    struct apierr *e)
{
	struct session_info *s;
	size_t		 n;

	if (policy_require(r->principal, ACT_READ, RT_USERS, id, NULL, e) == -1)
		return -1;
	if (session_list(r->db, r->arena, id, current_session(r), &s, &n,
	    e) == -1)
		return -1;
	http_send_json(r, 200, json_sessions_encode(r->arena, s, n, self));
	return 0;
}

/*
 * Ends user id's session sid, or with sid NULL all of them but the one
 * making the request, for whoever may write that user.
 */
static int
sessions_end(struct req *r, const char *id, const char *sid,
    struct apierr *e)
{
	struct actor	 act = auth_actor(r);

	if (policy_require(r->principal, ACT_WRITE, RT_USERS, id, NULL,
	    e) == -1)
		return -1;
	if (session_end(r->db, r->arena, &act, id, sid,
	    sid == NULL ? current_session(r) : NULL, e) == -1)
		return -1;
	http_send_empty(r, 204);
	return 0;
}

int
api_me_sessions_list(struct req *r, struct apierr *e)
{
	return sessions_list(r, r->principal->user_id, "/api/v2/me/sessions",
	    e);
}

int
api_me_sessions_end(struct req *r, struct apierr *e)
{
	return sessions_end(r, r->principal->user_id, NULL, e);
}

int
api_me_session_end(struct req *r, struct apierr *e)
{
	char	*sid;

	if ((sid = api_path_id(r, 0, e)) == NULL)
		return -1;
	return sessions_end(r, r->principal->user_id, sid, e);
}

int
api_user_sessions_list(struct req *r, struct apierr *e)
{
	char	*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	return sessions_list(r, id, arena_printf(r->arena,
	    "/api/v2/users/%s/sessions", id), e);
}

int
api_user_sessions_end(struct req *r, struct apierr *e)
{
	char	*id;

	if ((id = api_path_id(r, 0, e)) == NULL)
		return -1;
	return sessions_end(r, id, NULL, e);
}
