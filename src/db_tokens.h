/*
 * db_tokens.h -- the authorizations table, typed: each function runs one
 * statement of stmts.def and fills struct authz, permissions parsed, so
 * no service builds a parameter array, reads a column by number or sees
 * how permissions are stored.  Strings belong to the arena.  The result
 * is the statement's enum dbres (DB_NOROW: no such token); the service
 * turns it into the API's answer.  No function here sees a token value.
 */
#ifndef DB_TOKENS_H
#define DB_TOKENS_H

#include <stddef.h>

#include "db.h"
#include "model.h"

/*
 * hash: the token's SHA-256 (hex).  Its expiry is the one asked (else the
 * instance's default), capped by the instance's longest lifetime and by
 * the acting credential's own end (act's token or session).
 * DB_FOREIGN: no such user or org; DB_CHECK: an expiry already past.
 */
enum dbres	 db_token_insert(struct db *, struct arena *,
		    const struct actor *, const char *hash,
		    const char *status, const char *description,
		    const char *org, const char *user, const struct perm *,
		    size_t nperms, const struct expiry_in *, struct authz *out);
enum dbres	 db_token_get(struct db *, struct arena *, const char *id,
		    struct authz *out);
/*
 * What a token list may show, as the caller's permissions decide: the
 * tokens whose authorization it may read (all_auths, else those in the
 * orgs and with the ids given) of the users it may read (all_users, else
 * those given).  Lists are space-separated ids (ids: "ID" or "ORG/ID",
 * as policy.h's struct scope).
 */
struct db_tokens_scope {
	int		 all_auths;
	const char	*orgs;
	const char	*ids;
	int		 all_users;
	const char	*users;
};

/*
 * A page of the tokens in scope, of user and of org (NULL: any), by id:
 * pg->limit 0 is every one; pg->more: more follow.
 */
enum dbres	 db_tokens_page(struct db *, struct arena *, const char *user,
		    const char *org, const struct db_tokens_scope *,
		    struct page *pg, struct authz **out, size_t *n);
/*
 * status, description and the expiry NULL: unchanged.  An expiry asked is
 * capped as db_token_insert's (the longest lifetime from the token's
 * creation); nearer_only: DB_NOROW when it would come later than now
 * set.  DB_CHECK: before the token's creation.
 */
enum dbres	 db_token_update(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *status,
		    const char *description, const struct expiry_in *,
		    int nearer_only, struct authz *out);
/*
 * A new secret (hash) for token id; grace: seconds the old one still
 * works (NULL: none; capped by the instance's maximum).
 */
enum dbres	 db_token_rotate(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *hash,
		    const char *grace, struct authz *out);
/*
 * Records token id's use now from addr, unless recorded less than a minute
 * ago (then DB_NOROW).
 */
enum dbres	 db_token_touch(struct db *, struct arena *, const char *id,
		    const char *addr);
/* The instance's token counts (struct token_stats). */
enum dbres	 db_tokens_stats(struct db *, struct arena *,
		    struct token_stats *out);
enum dbres	 db_token_delete(struct db *, struct arena *,
		    const struct actor *, const char *id);

#endif
