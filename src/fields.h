/*
 * fields.h -- the columns of each record read from the database, declared
 * once (openradtool's DB_SCHEMA_<s> with db_<s>_fill): one list per record
 * gives both the SELECT list a statement writes (DB_COLS, in stmts.def)
 * and the function that reads a row into the record (DB_FILL, in its
 * db_<entity>.c), so the two cannot drift apart.  A statement returning a
 * record says so in its COLUMNS (COLS_OF(ORG)); test_db.c fails one whose
 * SQL does not hold the record's list as it is (or under one alias).
 * Include it at file scope (db.c does, for stmts.def): it defines a
 * function.
 *
 * A list is <S>_FIELDS(F, SEP): F(member, kind, sql) per column in SELECT
 * order, SEP between two.  kind is how the text becomes the member:
 * STR (as it is, NULL for SQL NULL), BOOL ("t"), LL (long long), PERMS
 * (below).  The SQL may name instance objects T(name): only db.c expands
 * it.  A list of plain column names may be read from a table under an
 * alias: DB_COLS_AS("u", USER_FIELDS) is "u.id, u.name, ...".
 *
 * To convert a record: write its <S>_FIELDS here and add it to
 * DB_RECORDS; in stmts.def write its SELECT list as DB_COLS(<S>_FIELDS)
 * (or DB_COLS_AS) and each such statement's COLUMNS as COLS_OF(<S>) (plus the columns
 * before it, "1 + COLS_OF(<S>)"); in db_<entity>.c replace the
 * hand-written reader by DB_FILL(db_<s>_fill, struct <record>, <S>_FIELDS)
 * and call it with the first column of the record.
 */
#ifndef FIELDS_H
#define FIELDS_H

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "perm.h"

/* struct org (model.h): ORG_GET, ORG_BY_NAME, ORGS_LIST, ORG_INSERT... */
#define ORG_FIELDS(F, SEP) \
	F(id,		STR,	"id") SEP \
	F(name,		STR,	"name") SEP \
	F(description,	STR,	"description") SEP \
	F(created,	STR,	T(usersd_time) "(created_at)") SEP \
	F(updated,	STR,	T(usersd_time) "(updated_at)")

/* struct session_info (model.h), as SESSIONS_LIST joins it as s. */
#define SESSION_FIELDS(F, SEP) \
	F(id,		STR,	"s.id") SEP \
	F(created,	STR,	T(usersd_time) "(s.created_at)") SEP \
	F(last_used,	STR,	T(usersd_time) "(s.last_used_at)") SEP \
	F(expires,	STR,	T(usersd_time) "(s.expires_at)") SEP \
	F(addr,		STR,	"s.remote_addr") SEP \
	F(agent,	STR,	"s.user_agent")

/* struct db_owner_state (db_admin.c): who owns an instance's schema. */
#define OWNER_STATE_FIELDS(F, SEP) \
	F(role,		STR,	"r.rolname") SEP \
	F(mighty,	BOOL,	"r.rolsuper OR r.rolcreaterole OR r.rolbypassrls") \
	SEP \
	F(member,	BOOL,	"pg_catalog.pg_has_role(r.oid, 'MEMBER')") SEP \
	F(super,	BOOL,	"u.rolsuper")

/*
 * struct user (model.h): USER_GET, USERS_LIST, USER_INSERT..., the org
 * members (as u) and the user a session reads along (as u or t).  Plain
 * names, so that a join may qualify them (DB_COLS_AS).
 */
#define USER_FIELDS(F, SEP) \
	F(id,		STR,	"id") SEP \
	F(name,		STR,	"name") SEP \
	F(status,	STR,	"status") SEP \
	F(kind,		STR,	"kind")

/*
 * struct authz (model.h): AUTH_GET, AUTHS_LIST, AUTH_INSERT, _UPDATE and
 * _ROTATE, each FROM stmts.def's AUTH_FROM (a the token, o its org, u its
 * user, w its last use).  grace_until: until when the secret before the
 * last rotation still works (NULL: it does not).
 */
#define AUTH_FIELDS(F, SEP) \
	F(id,		STR,	"a.id") SEP \
	F(status,	STR,	"a.status") SEP \
	F(description,	STR,	"a.description") SEP \
	F(org_id,	STR,	"a.org_id") SEP \
	F(org_name,	STR,	"o.name") SEP \
	F(user_id,	STR,	"a.user_id") SEP \
	F(user_name,	STR,	"u.name") SEP \
	F(perms,	PERMS,	"array_to_string(a.permissions, ' ')") SEP \
	F(created,	STR,	T(usersd_time) "(a.created_at)") SEP \
	F(updated,	STR,	T(usersd_time) "(a.updated_at)") SEP \
	F(expires,	STR,	T(usersd_time) "(a.expires_at)") SEP \
	F(last_used,	STR,	T(usersd_time) "(w.last_used_at)") SEP \
	F(last_used_addr, STR,	"w.last_used_addr") SEP \
	F(grace_until,	STR,	"CASE WHEN a.prev_expires_at > now() THEN " \
	    T(usersd_time) "(a.prev_expires_at) END") SEP \
	F(expired,	BOOL,	"coalesce(a.expires_at <= now(), false)")

/* Every record above, R(NAME, FIELDS): test_db.c checks them all. */
#define DB_RECORDS(R) \
	R(ORG, ORG_FIELDS) \
	R(SESSION, SESSION_FIELDS) \
	R(OWNER_STATE, OWNER_STATE_FIELDS) \
	R(USER, USER_FIELDS) \
	R(AUTH, AUTH_FIELDS)

/* The SELECT list of a record, and how many columns it has. */
#define DB_COL_SQL(member, kind, sql)	sql
#define DB_COLS(fields)		fields(DB_COL_SQL, ", ")
#define DB_COLS_AS(alias, fields) alias "." fields(DB_COL_SQL, ", " alias ".")
#define DB_COL_ONE(member, kind, sql)	+ 1
#define DB_NCOLS(fields)	(0 fields(DB_COL_ONE, ))
#define COLS_OF(name)		DB_NCOLS(name##_FIELDS)

/* A column's text v as member m of *out. */
#define DB_KIND_STR(m, v)	(out->m = (v))
#define DB_KIND_BOOL(m, v)	(out->m = (v) != NULL && (v)[0] == 't')
#define DB_KIND_LL(m, v)	(out->m = (v) != NULL ? strtoll((v), NULL, 10) : 0)
/*
 * PERMS: a token's permissions, stored as a text[] and read as perm.h's
 * permission text, parsed into m (in the rows' arena) and n<m>: the
 * permissions leave the database layer as struct perm, never as text.
 */
#define DB_KIND_PERMS(m, v)	(out->n##m = db_perms_read(rows->arena, (v), \
				    &out->m))
#define DB_COL_READ(member, kind, sql) \
	v = dbrows_get(rows, r, col++); DB_KIND_##kind(member, v);

/*
 * The permissions of text v (NULL: none) into an arena array: PERMS.  A
 * word that is no permission is skipped (perm_list_parse).
 */
static inline size_t
db_perms_read(struct arena *a, const char *v, struct perm **out)
{
	size_t	 len = v != NULL ? strlen(v) : 0, bad;

	*out = arena_alloc(a, sizeof(**out) * perm_list_max(v, len));
	return perm_list_parse(v, len, *out, &bad);
}

/*
 * static void fn(const struct dbrows *rows, int r, int col, type *out):
 * reads row r into *out, the record's first column being col.
 */
#define DB_FILL(fn, type, fields) \
static void \
fn(const struct dbrows *rows, int r, int col, type *out) \
{ \
	const char	*v; \
 \
	fields(DB_COL_READ, ) \
}

#endif
