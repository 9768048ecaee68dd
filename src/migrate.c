/*
 * migrate.c -- applies the compiled-in migrations that usersd_schema does
 * not list yet, all in one transaction, as the instance's owner role.
 *
 * A superuser (who runs usersctl for hosted instances, and for a database
 * the first time) runs nothing of the instance's own with its own rights:
 * the connection resolves names in pg_catalog alone (db.c), the owner
 * comes from the catalog or the hosting database's own functions
 * (sql/hosting.sql), and everything that names the instance's schema runs
 * inside one call of sql/runner.sql's SECURITY DEFINER function, where
 * PostgreSQL refuses the owner's code any way back to the superuser (SET
 * ROLE is none: code may RESET it).  The connection is closed after, since
 * that code may have changed its settings and prepared statements.
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

static int
word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int
failed(struct db *db, struct arena *a, const char *what, char *err,
    size_t errsz)
{
	char	 ignored[64];

	if (*err == '\0')
		snprintf(err, errsz, "%s failed: %s", what, db_raised(db));
	/* The connection may have run the owner's code: never again. */
	(void)db_script(db, "ROLLBACK", ignored, sizeof(ignored));
	db_close(db);
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
 * What the runner does for the direct path: each new function pins its
 * search_path (callers resolve in pg_catalog alone); see sql/runner.sql.
 */
static const char pin_functions[] =
    "DO $$ DECLARE f regprocedure; BEGIN"
    " FOR f IN SELECT p.oid::regprocedure FROM pg_proc p"
    "  JOIN pg_namespace n ON n.oid = p.pronamespace"
    "  WHERE n.nspname = 'public' AND p.proconfig IS NULL"
    "   AND p.proname NOT IN ('usersd_time', 'usersd_act') LOOP"
    "  EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog,"
    " public', f);"
    " END LOOP;"
    " END $$";

/* A database's ledger, made by the connected role when missing. */
static const char ledger[] =
    "DO $$ BEGIN"
    " IF pg_catalog.to_regclass('public.usersd_schema') IS NULL THEN"
    "  CREATE TABLE public.usersd_schema ("
    "   version integer PRIMARY KEY,"
    "   name text NOT NULL,"
    "   applied_at timestamptz NOT NULL DEFAULT pg_catalog.now());"
    " END IF;"
    " END $$";

/* sql/runner.sql's separators. */
#define PLAN_RS	'\036'
#define PLAN_US	'\037'

/*
 * Appends "<US>statement" to b for each statement of a migration: the
 * runner EXECUTEs one at a time.  Splits at each ';' outside quoted text,
 * quoted names, dollar quotes and comments.  Hand-written because none of
 * our libraries splits SQL (libpq sends a script whole); the migrations
 * are ours, and test_migrate.c checks the split of each.  -1 if the text
 * holds a separator or ends inside a quote.
 */
int
migrate_split(struct abuf *b, const char *sql)
{
	const char	*p = sql, *start = sql, *q;
	size_t		 tag;
	int		 code = 0, depth;

	if (strpbrk(sql, (char[]){ PLAN_RS, PLAN_US, '\0' }) != NULL)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p == '\'' || *p == '"') {
			if ((q = strchr(p + 1, *p)) == NULL)
				return -1;
			p = q;
			code = 1;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
			if (*p == '\0')
				break;
		} else if (p[0] == '/' && p[1] == '*') {
			for (depth = 1, p += 2; *p != '\0' && depth > 0; p++)
				if (p[0] == '/' && p[1] == '*')
					depth++, p++;
				else if (p[0] == '*' && p[1] == '/')
					depth--, p++;
			if (depth > 0)
				return -1;
			p--;
		} else if (*p == '$' && (p == sql || !word(p[-1])) &&
		    !isdigit((unsigned char)p[1]) && p[1 + (tag = strspn(p + 1,
		    "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"))] == '$') {
			for (q = p + tag + 2; (q = strchr(q, '$')) != NULL; q++)
				if (strncmp(q, p, tag + 2) == 0)
					break;
			if (q == NULL)
				return -1;
			p = q + tag + 1;
			code = 1;
		} else if (*p == ';') {
			if (code) {
				abuf_add(b, (char[]){ PLAN_US }, 1);
				abuf_add(b, start, (size_t)(p - start));
			}
			start = p + 1;
			code = 0;
		} else if (!isspace((unsigned char)*p))
			code = 1;
	}
	if (code) {
		abuf_add(b, (char[]){ PLAN_US }, 1);
		abuf_adds(b, start);
	}
	return 0;
}

/*
 * The plan for the runner: each migration up to o->to, as
 * "version<US>name<US>statement...", separated by <RS>; in the arena.
 */
static const char *
plan(struct arena *a, const struct migrate_opts *o, char *err, size_t errsz)
{
	struct abuf	 b;
	char		*sql;
	size_t		 i;
	int		 rc;

	abuf_init(&b, a, 64 * 1024);
	for (i = 0; i < nmigrations; i++) {
		if (o->to > 0 && migrations[i].version > o->to)
			break;
		if (i > 0)
			abuf_add(&b, (char[]){ PLAN_RS }, 1);
		abuf_printf(&b, "%d%c%s", migrations[i].version, PLAN_US,
		    migrations[i].name);
		sql = o->schema ? in_schema(migrations[i].sql, o->schema) :
		    NULL;
		rc = o->schema != NULL && sql == NULL ? -1 :
		    migrate_split(&b, sql ? sql : migrations[i].sql);
		free(sql);
		if (rc == -1) {
			snprintf(err, errsz, "%s cannot be split into "
			    "statements", migrations[i].name);
			return NULL;
		}
	}
	abuf_add(&b, "", 1);
	return b.data;
}

/*
 * The owner role of the instance, from what may be read without running
 * any of the instance's code: a hosted one's from the hosting database's
 * functions (which make the instance when o->create), a database's from
 * the catalog (*owner NULL before 0005 made one).  *super: the connected
 * role is a superuser; *member: it may SET ROLE to the owner.
 */
static int
find_owner(struct db *db, struct arena *a, const struct migrate_opts *o,
    const char **owner, int *super, int *member, char *err, size_t errsz)
{
	int		 mighty;
	enum dbres	 rc;

	*owner = NULL;
	*super = *member = 0;
	if (o->schema != NULL) {
		if (!o->hosting_ready &&
		    db_script(db, hosting_sql, err, errsz) == -1)
			return -1;
		if (db_hosted_open(db, a, o->schema, o->create,
		    o->hosting_role ? o->hosting_role : "", owner) != DB_OK)
			return -1;
		*super = *member = 1;	/* hosting.sql needs a superuser */
		return 0;
	}
	if (db_script(db, no_hosted_roles, err, errsz) == -1)
		return -1;
	rc = db_migrate_db_owner(db, a, owner, &mighty, member, super);
	if (rc != DB_OK)
		return -1;
	if (*owner != NULL && mighty) {
		snprintf(err, errsz, "the owner of schema public, role \"%s\", "
		    "has SUPERUSER, CREATEROLE or BYPASSRLS: refusing to run "
		    "the migrations as it (docs/admin.md, Roles)", *owner);
		return -1;
	}
	return 0;
}

/*
 * As the owner, through the runner: a superuser gives the owner what it
 * made in the schema, makes the runner and calls it once.
 */
static int
apply_as_owner(struct db *db, struct arena *a, const struct migrate_opts *o,
    const char *owner, int *applied, char *err, size_t errsz)
{
	const char	*schema = o->schema ? o->schema : "public", *p;

	if ((p = plan(a, o, err, errsz)) == NULL)
		return -1;
	if (db_migrate_target(db, a, owner, schema) != DB_OK ||
	    db_script(db, reassign_owned, err, errsz) == -1 ||
	    db_script(db, runner_sql, err, errsz) == -1)
		return -1;
	return db_migrate_runner(db, a, schema, o->schema, p,
	    o->close_onboarding, applied) == DB_OK ? 0 : -1;
}

/*
 * As the connected role (the owner itself or a member of it, or a
 * superuser in a database that has no owner yet), migration by migration;
 * stops early (*more) once 0005 has made the owner a superuser must hand
 * the rest to.
 */
static int
apply_direct(struct db *db, struct arena *a, const struct migrate_opts *o,
    const char *role, int super, int *applied, int *more, char *err,
    size_t errsz)
{
	const char	*owner;
	int		*done_v, done, s, m;
	size_t		 i, j, ndone;
	enum dbres	 rc;

	*more = 0;
	if (db_migrate_enter(db, a, role, "public") != DB_OK ||
	    db_script(db, ledger, err, errsz) == -1)
		return -1;
	rc = db_migrate_applied(db, a, &done_v, &ndone);
	if (rc != DB_OK && rc != DB_NOROW)
		return -1;
	for (i = 0; i < nmigrations; i++) {
		if (o->to > 0 && migrations[i].version > o->to)
			break;
		for (done = 0, j = 0; j < ndone; j++)
			done |= done_v[j] == migrations[i].version;
		if (done)
			continue;
		if (db_script(db, migrations[i].sql, err, errsz) == -1) {
			char	 msg[512];

			snprintf(msg, sizeof(msg), "%s: %s", migrations[i].name,
			    err);
			snprintf(err, errsz, "%s", msg);
			return -1;
		}
		if (db_migrate_record(db, a, migrations[i].version,
		    migrations[i].name) != DB_OK)
			return -1;
		(*applied)++;
		if (role == NULL && super &&
		    db_migrate_db_owner(db, a, &owner, &m, &m, &s) == DB_OK &&
		    owner != NULL) {
			*more = 1;
			break;
		}
	}
	return *applied > 0 ? db_script(db, pin_functions, err, errsz) : 0;
}

/* A transaction that holds the migrations' lock; -1 with err set. */
static int
begin_locked(struct db *db, struct arena *a, char *err, size_t errsz)
{
	*err = '\0';
	if (db_connect(db, err, errsz) == -1)
		return -1;
	if (db_exec(db, a, STMT_BEGIN) != DB_OK)
		return failed(db, a, "BEGIN", err, errsz);
	if (db_exec(db, a, STMT_MIGRATE_LOCK) != DB_OK)
		return failed(db, a, "locking", err, errsz);
	return 0;
}

int
migrate_run(struct db *db, const struct migrate_opts *o, struct arena *a,
    int *applied, char *err, size_t errsz)
{
	const char	*owner;
	int		 super, member, more = 0, n = 0;

	*applied = 0;
	if (begin_locked(db, a, err, errsz) == -1)
		return -1;
	if (find_owner(db, a, o, &owner, &super, &member, err, errsz) == -1)
		return failed(db, a, "finding the owner role", err, errsz);
	if (owner == NULL || !super) {
		/* Not its member: a migrate with nothing to do, or refused. */
		if (apply_direct(db, a, o, owner && member ? owner : NULL,
		    super, applied, &more, err, errsz) == -1)
			return failed(db, a, "migrating", err, errsz);
		if (more && find_owner(db, a, o, &owner, &super, &member, err,
		    errsz) == -1)
			return failed(db, a, "finding the owner role", err,
			    errsz);
	}
	if (owner != NULL && super) {
		if (apply_as_owner(db, a, o, owner, &n, err, errsz) == -1)
			return failed(db, a, "migrating as the owner role", err,
			    errsz);
		*applied += n;
	}
	/* Not a prepared statement: the owner's code may have made one. */
	if (db_script(db, "COMMIT", err, errsz) == -1)
		return failed(db, a, "COMMIT", err, errsz);
	db_close(db);
	return 0;
}

int
migrate_drop_hosted(struct db *db, const char *schema, struct arena *a,
    char *err, size_t errsz)
{
	if (begin_locked(db, a, err, errsz) == -1)
		return -1;
	if (db_script(db, hosting_sql, err, errsz) == -1 ||
	    db_hosted_drop(db, a, schema) != DB_OK)
		return failed(db, a, "dropping", err, errsz);
	if (db_exec(db, a, STMT_COMMIT) != DB_OK)
		return failed(db, a, "COMMIT", err, errsz);
	return 0;
}
