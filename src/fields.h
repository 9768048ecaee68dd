/*
 * fields.h -- the columns of each record read from the database, declared
 * once (openradtool's DB_SCHEMA_<s> with db_<s>_fill): one list per record
 * gives both the SELECT list a statement writes (DB_COLS, in stmts.def)
 * and the function that reads a row into the record (DB_FILL, in its
 * db_<entity>.c), so the two cannot drift apart.  A statement returning a
 * record says so in its COLUMNS (COLS_OF(ORG)); test_db.c fails one whose
 * SQL does not hold the record's list as it is.
 *
 * A list is <S>_FIELDS(F, SEP): F(member, kind, sql) per column in SELECT
 * order, SEP between two.  kind is how the text becomes the member:
 * STR (as it is, NULL for SQL NULL), BOOL ("t"), LL (long long).  The SQL
 * may name instance objects T(name): only db.c expands it.
 *
 * To convert a record: write its <S>_FIELDS here and add it to
 * DB_RECORDS; in stmts.def write its SELECT list as DB_COLS(<S>_FIELDS)
 * and each such statement's COLUMNS as COLS_OF(<S>) (plus the columns
 * before it, "1 + COLS_OF(<S>)"); in db_<entity>.c replace the
 * hand-written reader by DB_FILL(db_<s>_fill, struct <record>, <S>_FIELDS)
 * and call it with the first column of the record.
 */
#ifndef FIELDS_H
#define FIELDS_H

#include <stdlib.h>

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

/* Every record above, R(NAME, FIELDS): test_db.c checks them all. */
#define DB_RECORDS(R) \
	R(ORG, ORG_FIELDS) \
	R(SESSION, SESSION_FIELDS) \
	R(OWNER_STATE, OWNER_STATE_FIELDS)

/* The SELECT list of a record, and how many columns it has. */
#define DB_COL_SQL(member, kind, sql)	sql
#define DB_COLS(fields)		fields(DB_COL_SQL, ", ")
#define DB_COL_ONE(member, kind, sql)	+ 1
#define DB_NCOLS(fields)	(0 fields(DB_COL_ONE, ))
#define COLS_OF(name)		DB_NCOLS(name##_FIELDS)

/* A column's text as its member. */
#define DB_KIND_STR(v)		(v)
#define DB_KIND_BOOL(v)		((v) != NULL && (v)[0] == 't')
#define DB_KIND_LL(v)		((v) != NULL ? strtoll((v), NULL, 10) : 0)
#define DB_COL_READ(member, kind, sql) \
	out->member = DB_KIND_##kind(dbrows_get(rows, r, col)); col++;

/*
 * static void fn(const struct dbrows *rows, int r, int col, type *out):
 * reads row r into *out, the record's first column being col.
 */
#define DB_FILL(fn, type, fields) \
static void \
fn(const struct dbrows *rows, int r, int col, type *out) \
{ \
	fields(DB_COL_READ, ) \
}

#endif
