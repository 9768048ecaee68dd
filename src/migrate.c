/*
 * migrate.c -- applies the compiled-in migrations that usersd_schema does
 * not list yet, all in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "migrate.h"
#include "banned.h"

/* Created only when missing: any role may run a migrate with nothing to do. */
static const char schema_table[] =
    "DO $$ BEGIN"
    " IF to_regclass('usersd_schema') IS NULL THEN"
    "  CREATE TABLE usersd_schema ("
    "   version integer PRIMARY KEY,"
    "   name text NOT NULL,"
    "   applied_at timestamptz NOT NULL DEFAULT now());"
    " END IF;"
    " END $$";

/*
 * From 0005 on, migrations run as the owner role whoever connects (a
 * superuser, or a member of PREFIX_owner), so every new object is the
 * owner's (another role fails on its first DDL, or applies nothing).
 * Before 0005 there is no such role yet.
 */
static const char become_owner[] =
    "DO $$ DECLARE o text; BEGIN"
    " IF to_regprocedure('usersd_role(text)') IS NOT NULL THEN"
    "  EXECUTE 'SELECT usersd_role(''owner'')' INTO o;"
    "  IF pg_has_role(o, 'MEMBER') THEN"
    "   EXECUTE format('SET LOCAL ROLE %I', o);"
    "  END IF;"
    " END IF;"
    " END $$";

static int
failed(struct db *db, struct arena *a, const char *what, char *err,
    size_t errsz)
{
	if (*err == '\0')
		snprintf(err, errsz, "%s failed: %s", what, db_raised(db));
	(void)db_run(db, STMT_ROLLBACK, 0, NULL, a, NULL);
	return -1;
}

int
migrate_run(struct db *db, struct arena *a, int *applied, char *err,
    size_t errsz)
{
	struct dbrows	 rows;
	char		 ver[16];
	const char	*params[2];
	enum dbres	 rc;
	size_t		 i;
	int		 r, done;

	*applied = 0;
	*err = '\0';
	if (db_connect(db, err, errsz) == -1)
		return -1;
	if (db_run(db, STMT_BEGIN, 0, NULL, a, NULL) != DB_OK)
		return failed(db, a, "BEGIN", err, errsz);
	if (db_run(db, STMT_MIGRATE_LOCK, 0, NULL, a, NULL) != DB_OK)
		return failed(db, a, "locking", err, errsz);
	if (db_script(db, become_owner, err, errsz) == -1)
		return failed(db, a, "becoming the owner role", err, errsz);
	if (db_script(db, schema_table, err, errsz) == -1)
		return failed(db, a, "creating usersd_schema", err, errsz);
	rc = db_run(db, STMT_MIGRATE_VERSIONS, 0, NULL, a, &rows);
	if (rc != DB_OK && rc != DB_NOROW)
		return failed(db, a, "reading usersd_schema", err, errsz);
	for (i = 0; i < nmigrations; i++) {
		done = 0;
		for (r = 0; r < rows.nrows; r++)
			if (strtol(dbrows_get(&rows, r, 0), NULL, 10) ==
			    migrations[i].version)
				done = 1;
		if (done)
			continue;
		if (db_script(db, migrations[i].sql, err, errsz) == -1) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s: %s", migrations[i].name,
			    err);
			snprintf(err, errsz, "%s", msg);
			return failed(db, a, migrations[i].name, err, errsz);
		}
		snprintf(ver, sizeof(ver), "%d", migrations[i].version);
		params[0] = ver;
		params[1] = migrations[i].name;
		if (db_run(db, STMT_MIGRATE_RECORD, 2, params, a, NULL) !=
		    DB_OK)
			return failed(db, a, "recording", err, errsz);
		(*applied)++;
	}
	if (db_run(db, STMT_COMMIT, 0, NULL, a, NULL) != DB_OK)
		return failed(db, a, "COMMIT", err, errsz);
	return 0;
}
