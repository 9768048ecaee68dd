/*
 * migrate.c -- applies the compiled-in migrations that usersd_schema does
 * not list yet, all in one transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "db_admin.h"
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
word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int
failed(struct db *db, struct arena *a, const char *what, char *err,
    size_t errsz)
{
	if (*err == '\0')
		snprintf(err, errsz, "%s failed: %s", what, db_raised(db));
	(void)db_exec(db, a, STMT_ROLLBACK);
	return -1;
}

/*
 * The text of a migration for a hosted instance: the migrations name the
 * instance's schema "public" (SET search_path clauses, grants on the
 * schema), so each lower-case word "public" becomes the quoted schema.
 * PUBLIC, the pseudo-role, is upper case in every migration.  Free it.
 */
static char *
in_schema(const char *sql, const char *schema)
{
	size_t		 cap = strlen(sql) * 2 + 64, len = 0;
	const char	*p;
	char		*out;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (p = sql; *p != '\0'; p++) {
		if (strncmp(p, "public", 6) == 0 && !word(p[6]) &&
		    (p == sql || !word(p[-1]))) {
			if (len + strlen(schema) + 3 >= cap)
				break;
			len += (size_t)snprintf(out + len, cap - len, "\"%s\"",
			    schema);
			p += 5;
		} else if (len + 1 < cap)
			out[len++] = *p;
	}
	out[len] = '\0';
	return out;
}

/*
 * A hosted instance's transaction starts by making its schema (create: a
 * new name must not meet roles of the same prefix elsewhere on the
 * server, nor an unregistered schema) and pointing the migrations at it.
 */
static int
hosted_begin(struct db *db, const char *schema, int create, char *err,
    size_t errsz)
{
	char	 sql[2048];

	snprintf(sql, sizeof(sql),
	    "DO $$ BEGIN"
	    " CREATE TABLE IF NOT EXISTS public.usersd_hosted ("
	    "  name text PRIMARY KEY,"
	    "  created_at timestamptz NOT NULL DEFAULT now());"
	    " REVOKE ALL ON public.usersd_hosted FROM PUBLIC;"
	    " IF NOT EXISTS (SELECT 1 FROM public.usersd_hosted"
	    "   WHERE name = '%1$s') THEN"
	    "  IF NOT %2$s THEN"
	    "   RAISE EXCEPTION 'no hosted instance \"%1$s\" here';"
	    "  END IF;"
	    "  IF to_regnamespace('\"%1$s\"') IS NOT NULL THEN"
	    "   RAISE EXCEPTION 'a schema \"%1$s\" exists that is no instance';"
	    "  END IF;"
	    "  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname IN"
	    "    ('%1$s_owner', '%1$s_service', '%1$s_admin', '%1$s_readonly'))"
	    "  THEN"
	    "   RAISE EXCEPTION 'roles named %1$s_* exist already (another"
	    " instance on this server?); choose another name';"
	    "  END IF;"
	    "  CREATE SCHEMA \"%1$s\";"
	    "  INSERT INTO public.usersd_hosted (name) VALUES ('%1$s');"
	    " END IF;"
	    " END $$;"
	    " SET LOCAL search_path = \"%1$s\";"
	    " SET LOCAL usersd.role_prefix = '%1$s'",
	    schema, create ? "true" : "false");
	return db_script(db, sql, err, errsz);
}

/*
 * Role names are cluster-wide, and 0005 adopts roles that exist: a
 * database about to get its roles must not adopt a hosted instance's
 * (marked by hosted_finish), or the hosting role would reach it.
 */
static const char no_hosted_roles[] =
    "DO $$ DECLARE p text := coalesce(nullif(current_setting("
    "'usersd.role_prefix', true), ''), current_database()); BEGIN"
    " IF to_regclass('usersd_roles') IS NULL AND EXISTS (SELECT 1"
    "  FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid"
    "  AND d.classoid = 'pg_authid'::regclass"
    "  WHERE r.rolname IN (p || '_owner', p || '_service', p || '_admin',"
    "   p || '_readonly') AND d.description = 'usersd hosted instance')"
    " THEN"
    "  RAISE EXCEPTION 'the roles %_* are a hosted instance''s; set"
    " usersd.role_prefix to another name', p;"
    " END IF;"
    " END $$";

/*
 * Functions resolve names through the search_path when they run; in a
 * hosting database that is not the instance's schema, so each function
 * gets its own.  usersd_time and usersd_act touch no table, and stay
 * inlinable (a function with a SET clause never is).
 */
static int
hosted_finish(struct db *db, const char *schema, char *err,
    size_t errsz)
{
	char	 sql[1024];

	snprintf(sql, sizeof(sql),
	    "DO $$ DECLARE f regprocedure; BEGIN"
	    " FOR f IN SELECT p.oid::regprocedure FROM pg_proc p"
	    "  WHERE p.pronamespace = '\"%1$s\"'::regnamespace"
	    "   AND p.proconfig IS NULL"
	    "   AND p.proname NOT IN ('usersd_time', 'usersd_act') LOOP"
	    "  EXECUTE format('ALTER FUNCTION %%s SET search_path ="
	    " pg_catalog, %%I', f, '%1$s');"
	    " END LOOP;"
	    " END $$;"
	    " COMMENT ON ROLE \"%1$s_owner\" IS 'usersd hosted instance';"
	    " COMMENT ON ROLE \"%1$s_service\" IS 'usersd hosted instance';"
	    " COMMENT ON ROLE \"%1$s_admin\" IS 'usersd hosted instance';"
	    " COMMENT ON ROLE \"%1$s_readonly\" IS 'usersd hosted instance'",
	    schema);
	return db_script(db, sql, err, errsz);
}

int
migrate_run(struct db *db, const char *schema, int create, struct arena *a,
    int *applied, char *err, size_t errsz)
{
	char		*sql;
	int		*applied_v;
	size_t		 i, j, napplied;
	enum dbres	 rc;
	int		 done, ok;

	*applied = 0;
	*err = '\0';
	if (db_connect(db, err, errsz) == -1)
		return -1;
	if (db_exec(db, a, STMT_BEGIN) != DB_OK)
		return failed(db, a, "BEGIN", err, errsz);
	if (db_exec(db, a, STMT_MIGRATE_LOCK) != DB_OK)
		return failed(db, a, "locking", err, errsz);
	if (schema != NULL &&
	    hosted_begin(db, schema, create, err, errsz) == -1)
		return failed(db, a, "making the schema", err, errsz);
	if (schema == NULL && db_script(db, no_hosted_roles, err, errsz) == -1)
		return failed(db, a, "checking the role names", err, errsz);
	if (db_script(db, become_owner, err, errsz) == -1)
		return failed(db, a, "becoming the owner role", err, errsz);
	if (db_script(db, schema_table, err, errsz) == -1)
		return failed(db, a, "creating usersd_schema", err, errsz);
	rc = db_migrate_applied(db, a, &applied_v, &napplied);
	if (rc != DB_OK && rc != DB_NOROW)
		return failed(db, a, "reading usersd_schema", err, errsz);
	for (i = 0; i < nmigrations; i++) {
		done = 0;
		for (j = 0; j < napplied; j++)
			if (applied_v[j] == migrations[i].version)
				done = 1;
		if (done)
			continue;
		sql = schema ? in_schema(migrations[i].sql, schema) : NULL;
		if (schema != NULL && sql == NULL)
			return failed(db, a, "out of memory", err, errsz);
		ok = db_script(db, sql ? sql : migrations[i].sql, err,
		    errsz) == 0;
		free(sql);
		if (!ok) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s: %s", migrations[i].name,
			    err);
			snprintf(err, errsz, "%s", msg);
			return failed(db, a, migrations[i].name, err, errsz);
		}
		if (db_migrate_record(db, a, migrations[i].version,
		    migrations[i].name) != DB_OK)
			return failed(db, a, "recording", err, errsz);
		(*applied)++;
	}
	if (schema != NULL && hosted_finish(db, schema, err,
	    errsz) == -1)
		return failed(db, a, "pinning the functions and marking the "
		    "roles", err, errsz);
	if (db_exec(db, a, STMT_COMMIT) != DB_OK)
		return failed(db, a, "COMMIT", err, errsz);
	return 0;
}
