/*
 * json.h -- the JSON codec (json-c): request bodies into the typed records
 * of model.h, and records into response bodies.  No json_object leaves
 * json.c.  Decoders accept keys in any case (as InfluxDB's Go decoder does),
 * ignore unknown keys, treat null as absent, and refuse empty bodies,
 * malformed JSON, non-objects, wrong types, invalid UTF-8, NUL bytes
 * (raw or escaped as \u0000) and lone surrogate escapes (\uD800-\uDFFF
 * outside a high-low pair), in any key or value, with 400 `invalid`.
 * All output strings belong to the arena.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "model.h"

int	 json_user_decode(struct arena *, const char *, size_t,
	    struct user_in *, struct apierr *);
/* *password is arena memory the caller wipes after use. */
int	 json_password_decode(struct arena *, const char *, size_t,
	    char **password, struct apierr *);
int	 json_setup_decode(struct arena *, const char *, size_t,
	    struct setup_in *, struct apierr *);
/*
 * full: POST (orgID, userID, permissions...); else PATCH (status,
 * description).  Both: the expiry, expiresAt or expiresIn (seconds).
 */
int	 json_authz_decode(struct arena *, const char *, size_t, int full,
	    struct authz_in *, struct apierr *);
/* POST .../rotate: gracePeriodSeconds (*grace NULL: none; empty body ok). */
int	 json_rotate_decode(struct arena *, const char *, size_t,
	    const char **grace, struct apierr *);
int	 json_org_decode(struct arena *, const char *, size_t,
	    struct org_in *, struct apierr *);
int	 json_member_decode(struct arena *, const char *, size_t,
	    const char **id, const char **name, struct apierr *);

char	*json_error_encode(struct arena *, const char *code, const char *msg);
char	*json_user_encode(struct arena *, const struct user *);
/* links: self always; next and prev when not NULL. */
char	*json_users_encode(struct arena *, const struct user *, size_t,
	    const char *self, const char *next, const char *prev);
char	*json_member_encode(struct arena *, const struct user *,
	    const char *role);
char	*json_members_encode(struct arena *, const struct user *, size_t,
	    const char *role, const char *self);
char	*json_org_encode(struct arena *, const struct org *);
char	*json_orgs_encode(struct arena *, const struct org *, size_t,
	    const char *self, const char *next, const char *prev);
char	*json_authz_encode(struct arena *, const struct authz *);
/* next: links.next, or NULL. */
char	*json_authzs_encode(struct arena *, const struct authz *, size_t,
	    const char *self, const char *next);
/* {"links":{"self"},"sessions":[{id, createdAt, lastUsedAt, expiresAt,
 * remoteAddress, userAgent, current}]} */
char	*json_sessions_encode(struct arena *, const struct session_info *,
	    size_t, const char *self);
char	*json_setup_encode(struct arena *, const struct setup_out *);
char	*json_allowed_encode(struct arena *, int allowed);
char	*json_health_encode(struct arena *, int pass, const char *message,
	    const char *check_message);

#endif
