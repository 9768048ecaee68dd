/*
 * db_setup.c -- onboarding's statements, typed (db_setup.h).
 */
#include <stdio.h>
#include <string.h>

#include "db_setup.h"
#include "db_users.h"
#include "banned.h"

enum dbres
db_setup_allowed(struct db *db, struct arena *a, const char *addr,
    int *allowed)
{
	struct dbrows	 rows;
	enum dbres	 rc;

	*allowed = 0;
	/* Column 0: "t" when onboarding is open to addr. */
	if ((rc = db_run(db, STMT_SETUP_ALLOWED, 1, &addr, a, &rows)) ==
	    DB_OK)
		*allowed = strcmp(dbrows_get(&rows, 0, 0), "t") == 0;
	return rc;
}

enum dbres
db_setup_run(struct db *db, struct arena *a, const struct db_setup *in,
    struct setup_out *out)
{
	char		 ret[24];
	const char	*params[9] = { in->username, in->password_hash,
	    in->org, in->bucket, ret, in->token_hash, in->perms,
	    in->description, in->addr };
	struct dbrows	 rows;
	enum dbres	 rc;

	snprintf(ret, sizeof(ret), "%lld", in->retention);
	memset(out, 0, sizeof(*out));
	if ((rc = db_run(db, STMT_SETUP, 9, params, a, &rows)) != DB_OK)
		return rc;
	/* usersd_setup(): 0-2 the user, 3 org id, 4 org name, 5 org
	 * created, 6 bucket id, 7 bucket name, 8 retention, 9 bucket
	 * created, 10 token id, 11 its description, 12 token created */
	out->user.id = dbrows_get(&rows, 0, 0);
	out->user.name = dbrows_get(&rows, 0, 1);
	out->user.status = dbrows_get(&rows, 0, 2);
	out->user.kind = "user";
	out->org.id = dbrows_get(&rows, 0, 3);
	out->org.name = dbrows_get(&rows, 0, 4);
	out->org.created = out->org.updated = dbrows_get(&rows, 0, 5);
	out->bucket.id = dbrows_get(&rows, 0, 6);
	out->bucket.name = dbrows_get(&rows, 0, 7);
	out->bucket.created = dbrows_get(&rows, 0, 9);
	out->auth.id = dbrows_get(&rows, 0, 10);
	out->auth.description = dbrows_get(&rows, 0, 11);
	out->auth.created = out->auth.updated = dbrows_get(&rows, 0, 12);
	return rc;
}
