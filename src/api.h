/*
 * api.h -- the HTTP handlers: decode the request, call a service, encode
 * the answer.  Each returns 0 after sending its response, or -1 with e set
 * for the router to render.  Path parameters are in r->args.
 */
#ifndef API_H
#define API_H

#include "err.h"
#include "model.h"

struct req;

int	api_health(struct req *, struct apierr *);
int	api_ping(struct req *, struct apierr *);
int	api_ready(struct req *, struct apierr *);
int	api_metrics(struct req *, struct apierr *);

int	api_setup_get(struct req *, struct apierr *);
int	api_setup_post(struct req *, struct apierr *);

int	api_me_get(struct req *, struct apierr *);
int	api_users_list(struct req *, struct apierr *);
int	api_users_create(struct req *, struct apierr *);
int	api_user_get(struct req *, struct apierr *);
int	api_user_patch(struct req *, struct apierr *);
int	api_user_delete(struct req *, struct apierr *);
int	api_user_password_post(struct req *, struct apierr *);

int	api_signin(struct req *, struct apierr *);
int	api_signout(struct req *, struct apierr *);
int	api_me_password_put(struct req *, struct apierr *);
int	api_user_password_put(struct req *, struct apierr *);
int	api_me_sessions_list(struct req *, struct apierr *);
int	api_me_sessions_end(struct req *, struct apierr *);
int	api_me_session_end(struct req *, struct apierr *);
int	api_user_sessions_list(struct req *, struct apierr *);
int	api_user_sessions_end(struct req *, struct apierr *);

int	api_tokens_list(struct req *, struct apierr *);
int	api_tokens_create(struct req *, struct apierr *);
int	api_token_get(struct req *, struct apierr *);
int	api_token_patch(struct req *, struct apierr *);
int	api_token_delete(struct req *, struct apierr *);
int	api_token_rotate(struct req *, struct apierr *);

int	api_orgs_list(struct req *, struct apierr *);
int	api_orgs_create(struct req *, struct apierr *);
int	api_org_get(struct req *, struct apierr *);
int	api_org_patch(struct req *, struct apierr *);
int	api_org_delete(struct req *, struct apierr *);
int	api_members_list(struct req *, struct apierr *);
int	api_members_add(struct req *, struct apierr *);
int	api_member_remove(struct req *, struct apierr *);
int	api_owners_list(struct req *, struct apierr *);
int	api_owners_add(struct req *, struct apierr *);
int	api_owner_remove(struct req *, struct apierr *);

/*
 * Parses offset, limit and after (InfluxDB's paging.go order and
 * messages) into pg; descending too when allow_desc.  0 or -1 with e.
 */
int	api_parse_page(struct req *, struct page *pg, int allow_desc,
	    struct apierr *e);
/* Parses path parameter i as an ID into the arena; NULL with e set. */
char	*api_path_id(struct req *, size_t i, struct apierr *e);

#endif
