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

/* hash: the token's SHA-256 (hex).  DB_FOREIGN: no such user or org. */
enum dbres	 db_token_insert(struct db *, struct arena *,
		    const struct actor *, const char *hash,
		    const char *status, const char *description,
		    const char *org, const char *user, const struct perm *,
		    size_t nperms, struct authz *out);
enum dbres	 db_token_get(struct db *, struct arena *, const char *id,
		    struct authz *out);
/* Every token of user and of org (NULL: any), by id. */
enum dbres	 db_tokens_list(struct db *, struct arena *, const char *user,
		    const char *org, struct authz **out, size_t *n);
/* status and description NULL: unchanged. */
enum dbres	 db_token_update(struct db *, struct arena *,
		    const struct actor *, const char *id, const char *status,
		    const char *description, struct authz *out);
enum dbres	 db_token_delete(struct db *, struct arena *,
		    const struct actor *, const char *id);

#endif
