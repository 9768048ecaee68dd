/*
 * migrate.c -- applies the compiled-in migrations that usersd_schema does
 * not list yet, all in one transaction, as the instance's owner role.
 *
 * Whoever connects (often a superuser) runs nothing of the instance's own
 * before it has become the owner: the connection's search_path is
 * pg_catalog alone (db.c), the owner comes from the catalog (a database
 * instance) or the hosting database's own functions (sql/hosting.sql),
 * and SET ROLE comes before the first name of the instance's schema.  So
 * a function, operator or overload the owner role wrote runs with the
 * owner's rights, never a superuser's.
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
 * Role names are cluster-wide, and 0005 adopts roles that exist: a
 * database about to get its roles must not adopt a hosted instance's
 * (sql/hosting.sql marks them), or the hosting role would reach it.
 * Catalog only: it runs before the owner is known.
 */
static const char no_hosted_roles[] =
    "DO $$ DECLARE p text := coalesce(nullif("
    "pg_catalog.current_setting('usersd.role_prefix', true), ''),"
    " pg_catalog.current_database()); BEGIN"
    " IF pg_catalog.to_regclass('public.usersd_roles') IS NULL AND EXISTS"
    " (SELECT 1 FROM pg_catalog.pg_roles r"
    "  JOIN pg_catalog.pg_shdescription d ON d.objoid = r.oid"
    "  AND d.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass"
    "  WHERE r.rolname IN (p || '_owner', p || '_service', p || '_admin',"
    "   p || '_readonly') AND d.description = 'usersd hosted instance')"
    " THEN"
    "  RAISE EXCEPTION 'the roles %_* are a hosted instance''s; set"
    " usersd.role_prefix to another name', p;"
    " END IF;"
    " END $$";

/*
 * Functions resolve names through the search_path when they run, and the
 * callers' is pg_catalog alone: each function of the schema gets its own.
 * usersd_time and usersd_act touch no table, and stay inlinable (a
 * function with a SET clause never is).  Run as the owner.
 */
static const char pin_functions[] =
    "DO $$ DECLARE f regprocedure; BEGIN"
    " FOR f IN SELECT p.oid::regprocedure FROM pg_proc p"
    "  JOIN pg_namespace n ON n.oid = p.pronamespace"
    "  WHERE n.nspname = current_schema() AND p.proconfig IS NULL"
    "   AND p.proname NOT IN ('usersd_time', 'usersd_act') LOOP"
    "  EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I',"
    "   f, current_schema());"
    " END LOOP;"
    " END $$";

/*
 * Onboarding over HTTP stays shut until the provider sets the instance up
 * (usersctl setup); an instance migrated only up to 0007 has no settings.
 */
static const char close_onboarding[] =
    "DO $$ BEGIN IF to_regclass('usersd_settings') IS NOT NULL THEN"
    " INSERT INTO usersd_settings (name, value) VALUES ('onboarding',"
    " 'closed') ON CONFLICT (name) DO UPDATE SET value = 'closed';"
    " END IF; END $$";

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
 * What a superuser made in the instance's schema is the owner's: before
 * this release the migrations after 0005 ran as the connected role, so a
 * superuser could own a SECURITY DEFINER function whose search_path holds
 * the owner's schema, where the owner plants what it calls.  Catalog and
 * ALTER ... OWNER only; the target comes from MIGRATE_TARGET.  A role
 * other than a superuser changes nothing here.
 */
static const char reassign_owned[] =
    "DO $$ DECLARE"
    " own oid := (SELECT oid FROM pg_catalog.pg_roles WHERE rolname ="
    "  pg_catalog.current_setting('usersd.migrate_owner'));"
    " sch oid := (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname ="
    "  pg_catalog.current_setting('usersd.migrate_schema'));"
    " r record; BEGIN"
    " IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles"
    "  WHERE rolname = CURRENT_USER) THEN RETURN; END IF;"
    " FOR r IN SELECT c.oid::pg_catalog.regclass AS n, c.relkind"
    "  FROM pg_catalog.pg_class c WHERE c.relnamespace = sch"
    "  AND c.relowner <> own AND c.relkind IN ('r', 'v', 'm', 'S', 'p')"
    "  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
    "   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    "   AND d.objid = c.oid AND d.deptype IN ('a', 'e', 'i')) LOOP"
    "  EXECUTE pg_catalog.format('ALTER %s %s OWNER TO %I',"
    "   CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'"
    "   WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.n,"
    "   pg_catalog.current_setting('usersd.migrate_owner'));"
    " END LOOP;"
    " FOR r IN SELECT p.oid::pg_catalog.regprocedure AS n"
    "  FROM pg_catalog.pg_proc p WHERE p.pronamespace = sch"
    "  AND p.proowner <> own LOOP"
    "  EXECUTE pg_catalog.format('ALTER ROUTINE %s OWNER TO %I', r.n,"
    "   pg_catalog.current_setting('usersd.migrate_owner'));"
    " END LOOP;"
    " FOR r IN SELECT t.oid::pg_catalog.regtype AS n"
    "  FROM pg_catalog.pg_type t WHERE t.typnamespace = sch"
    "  AND t.typtype = 'd' AND t.typowner <> own LOOP"
    "  EXECUTE pg_catalog.format('ALTER DOMAIN %s OWNER TO %I', r.n,"
    "   pg_catalog.current_setting('usersd.migrate_owner'));"
    " END LOOP;"
    " END $$";

/*
 * Acts as owner (NULL: as connected) in schema for the rest of the
 * transaction, once the owner holds everything there.
 */
static int
enter(struct db *db, struct arena *a, const char *owner, const char *schema,
    const char *prefix, char *err, size_t errsz)
{
	if (owner != NULL &&
	    (db_migrate_target(db, a, owner, schema) != DB_OK ||
	    db_script(db, reassign_owned, err, errsz) == -1))
		return -1;
	return db_migrate_enter(db, a, owner, schema, prefix) == DB_OK ? 0 :
	    -1;
}

/*
 * Becomes the owner of the instance: a hosted one through the hosting
 * database's functions (which make it when o->create), a database one
 * from the catalog.  A database before 0005 has no owner role yet: the
 * connected role (a superuser) makes it, and migrate_run comes back here
 * once it exists.  1 when acting as the owner now, 0 when as connected,
 * -1 on error.
 */
static int
become_owner(struct db *db, struct arena *a, const struct migrate_opts *o,
    char *err, size_t errsz)
{
	const char	*owner = NULL;
	int		 mighty, member;
	enum dbres	 rc;

	if (o->schema != NULL) {
		if (!o->hosting_ready &&
		    db_script(db, hosting_sql, err, errsz) == -1)
			return -1;
		if (db_hosted_open(db, a, o->schema, o->create,
		    o->hosting_role ? o->hosting_role : "", &owner) != DB_OK)
			return -1;
		return enter(db, a, owner, o->schema, o->schema, err,
		    errsz) == 0 ? 1 : -1;
	}
	if (db_script(db, no_hosted_roles, err, errsz) == -1)
		return -1;
	rc = db_migrate_db_owner(db, a, &owner, &mighty, &member);
	if (rc != DB_OK && rc != DB_NOROW)
		return -1;
	if (rc == DB_OK && mighty) {
		snprintf(err, errsz, "the owner of schema public, role \"%s\", "
		    "has SUPERUSER, CREATEROLE or BYPASSRLS: refusing to run "
		    "the migrations as it (docs/admin.md, Roles)", owner);
		return -1;
	}
	/* Not its member: a migrate with nothing to do, or refused DDL. */
	if (rc != DB_OK || !member)
		owner = NULL;
	if (enter(db, a, owner, "public", NULL, err, errsz) == -1)
		return -1;
	return owner != NULL;
}

int
migrate_run(struct db *db, const struct migrate_opts *o, struct arena *a,
    int *applied, char *err, size_t errsz)
{
	char		*sql;
	int		*applied_v;
	size_t		 i, j, napplied;
	enum dbres	 rc;
	int		 done, ok, owned;

	*applied = 0;
	*err = '\0';
	if (db_connect(db, err, errsz) == -1)
		return -1;
	if (db_exec(db, a, STMT_BEGIN) != DB_OK)
		return failed(db, a, "BEGIN", err, errsz);
	if (db_exec(db, a, STMT_MIGRATE_LOCK) != DB_OK)
		return failed(db, a, "locking", err, errsz);
	if ((owned = become_owner(db, a, o, err, errsz)) == -1)
		return failed(db, a, "becoming the owner role", err, errsz);
	if (db_script(db, schema_table, err, errsz) == -1)
		return failed(db, a, "creating usersd_schema", err, errsz);
	rc = db_migrate_applied(db, a, &applied_v, &napplied);
	if (rc != DB_OK && rc != DB_NOROW)
		return failed(db, a, "reading usersd_schema", err, errsz);
	for (i = 0; i < nmigrations; i++) {
		if (o->to > 0 && migrations[i].version > o->to)
			break;
		done = 0;
		for (j = 0; j < napplied; j++)
			if (applied_v[j] == migrations[i].version)
				done = 1;
		if (done)
			continue;
		sql = o->schema ? in_schema(migrations[i].sql, o->schema) :
		    NULL;
		if (o->schema != NULL && sql == NULL)
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
		/* 0005 made the owner role: the rest runs as it. */
		if (!owned && (owned = become_owner(db, a, o, err,
		    errsz)) == -1)
			return failed(db, a, "becoming the owner role", err,
			    errsz);
	}
	if (*applied > 0 && db_script(db, pin_functions, err, errsz) == -1)
		return failed(db, a, "pinning the functions' search_path", err,
		    errsz);
	if (o->close_onboarding &&
	    db_script(db, close_onboarding, err, errsz) == -1)
		return failed(db, a, "closing onboarding", err, errsz);
	if (db_exec(db, a, STMT_COMMIT) != DB_OK)
		return failed(db, a, "COMMIT", err, errsz);
	return 0;
}

int
migrate_drop_hosted(struct db *db, const char *schema, struct arena *a,
    char *err, size_t errsz)
{
	*err = '\0';
	if (db_connect(db, err, errsz) == -1)
		return -1;
	if (db_exec(db, a, STMT_BEGIN) != DB_OK)
		return failed(db, a, "BEGIN", err, errsz);
	if (db_exec(db, a, STMT_MIGRATE_LOCK) != DB_OK)
		return failed(db, a, "locking", err, errsz);
	if (db_script(db, hosting_sql, err, errsz) == -1 ||
	    db_hosted_drop(db, a, schema) != DB_OK)
		return failed(db, a, "dropping", err, errsz);
	if (db_exec(db, a, STMT_COMMIT) != DB_OK)
		return failed(db, a, "COMMIT", err, errsz);
	return 0;
}
