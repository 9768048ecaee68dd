/*
 * tokens.h -- API tokens (InfluxDB "authorizations").  The token is
 * generated here, returned once at creation, and stored only as its
 * SHA-256.  Returns 0, or -1 with e set; strings belong to the arena.
 */
#ifndef TOKENS_H
#define TOKENS_H

#include <stddef.h>

#include "arena.h"
#include "policy.h"
#include "db.h"
#include "err.h"
#include "model.h"

/*
 * Creates a token by InfluxDB's rules (B.9): the caller needs write on the
 * org's authorizations and on the target user, and may grant only
 * permissions it holds, each within the token's org.  Its expiry: as
 * asked (400: not RFC 3339, not in the future), else the instance's
 * default lifetime, never past the instance's longest lifetime nor the
 * end of the token or session that makes it (db_token_insert).
 */
int	tokens_create(struct db *, struct arena *, const struct principal *,
	    const struct actor *, const struct authz_in *, struct authz *out,
	    struct apierr *e);
/* 404 `authorization not found`. */
int	tokens_get(struct db *, struct arena *, const char *id,
	    struct authz *out, struct apierr *e);
/*
 * What a list asks for, as the client sent it: the user and the org, each
 * by id, else by name (NULL or "": any).  A name that does not exist,
 * asked by a caller that may not read every user (or org), gives an empty
 * list as a hidden one would, so the filter tells it no names.
 */
struct tokens_filter {
	const char	*user_id;
	const char	*user;
	const char	*org_id;
	const char	*org;
};

/*
 * A page of the tokens matching f that p may read, filtered in the query
 * before paging (400: a bad id): pg->limit 0 is every one, pg->more says
 * more follow.  f->user_id and f->org_id are then the ids the filters
 * named (NULL: any), for the next page's link.
 */
int	tokens_list(struct db *, struct arena *, const struct principal *,
	    struct tokens_filter *f, struct page *pg, struct authz **out,
	    size_t *n, struct apierr *e);
/*
 * Changes token z's status, description and/or expiry (in: what was sent).
 * The caller p has write on z (the handler checked); a p that could not
 * make z (may not grant all its permissions) may only bring its expiry
 * nearer (403 otherwise), and any p's expiry caps the new one, so no
 * token extends its own life.  p NULL: usersctl, no such rule.
 */
int	tokens_update(struct db *, struct arena *, const struct principal *p,
	    const struct actor *, const struct authz *z,
	    const struct authz_in *in, struct authz *out, struct apierr *e);
/*
 * Gives token z a new secret (in out->token, shown this once), same id,
 * permissions and expiry; the old one works grace seconds more (NULL:
 * none; capped by the instance's maximum).  p, with write on z, must be
 * able to make z (403); NULL: usersctl.
 */
int	tokens_rotate(struct db *, struct arena *, const struct principal *p,
	    const struct actor *, const struct authz *z, const char *grace,
	    struct authz *out, struct apierr *e);
/* The instance's token counts, for /metrics. */
int	tokens_stats(struct db *, struct arena *, struct token_stats *out,
	    struct apierr *e);
int	tokens_delete(struct db *, struct arena *, const struct actor *,
	    const char *id, struct apierr *e);
/*
 * Creates a token for user in org with the given permissions and expiry,
 * without permission checks (for usersctl).  The token is in out->token.
 */
int	tokens_create_unchecked(struct db *, struct arena *,
	    const struct actor *, const char *user_id, const char *org_id,
	    const char *description, const struct perm *, size_t,
	    const struct expiry_in *, struct authz *out, struct apierr *e);

#endif
