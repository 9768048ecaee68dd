/*
 * db.h -- the PostgreSQL layer.  Every statement the program runs is in
 * stmts.def, prepared once per connection on first use, and run
 * only with PQexecPrepared.  Results are copied into the caller's arena as
 * strings (struct dbrows), so no PGresult leaves db.c.  Failures are
 * classified into enum dbres; services map those to API errors.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct actor;
struct cfg;

enum dbres {
	DB_OK = 0,
	DB_NOROW,		/* the statement returned no row */
	DB_CONFLICT,		/* SQLSTATE 23505: unique violation */
	DB_CHECK,		/* 23514/23502/22001: a CHECK or NOT NULL refused it */
	DB_FOREIGN,		/* 23503: a referenced row is missing */
	DB_RAISED,		/* P0001 from a function: see db_raised() */
	DB_REFUSED,		/* UA001: a rule of the schema refused it; the
				 * message (db_raised()) is for the client */
	DB_UNAVAILABLE,		/* no connection, or it broke: reconnect later */
	DB_ERROR		/* anything else: logged */
};

/* After DB_UNAVAILABLE: what failed (db_failure), for /health. */
enum dbfail {
	DBFAIL_NONE = 0,
	DBFAIL_CONNECT,		/* no server could be reached */
	DBFAIL_READONLY,	/* the servers reached take no writes
				 * (standbys; a primary fenced read-only) */
	DBFAIL_LOST,		/* the connection broke */
	DBFAIL_TIMEOUT		/* statement_timeout, or no answer after it */
};

/* Every statement, by name; their text and shape are in stmts.def. */
enum stmt {
#define STMT(name, params, columns, retry, sql)	STMT_##name,
#include "stmts.def"
#undef STMT
	STMT__MAX
};

/*
 * A hosted instance: a schema of a hosting database, served over that
 * database's one connection.  Its statements are prepared under their own
 * names with every object qualified by the schema (db_use_schema), so no
 * plan can reach another instance's rows whatever the search_path.
 */
struct db_schema {
	char		 name[48];	/* a hosted_name_valid() name */
	uint64_t	 prepared[2];	/* a bit per enum stmt ... */
	unsigned long	 epoch;		/* ... on this connection epoch */
	unsigned int	 gen;		/* bumped when the schema is made
					 * again: new statement names */
	int		 gone;		/* its schema was not found: no
					 * statement runs until pool.c
					 * finds it again */
};

struct db;

/* Result rows, all values copied into the arena; NULL for SQL NULL. */
struct dbrows {
	int		 nrows;
	int		 ncols;
	char		**v;		/* nrows * ncols */
	struct arena	*arena;		/* v's: what a reader makes of v
					 * goes there too (fields.h) */
};

/*
 * A connection handle for conninfo ("" means the PG* variables).  Nothing
 * connects until the first statement.  Free with db_free (NULL is a no-op).
 */
struct db	*db_new(const char *conninfo, const struct cfg *);
void		 db_free(struct db *);

/*
 * Runs a prepared statement with n text parameters (NULL for SQL NULL).
 * Rows go into out (may be NULL) in arena a.  Returns DB_OK with at least
 * one row, DB_NOROW with none, or a failure class.  Waits at most
 * statement_timeout + 1 s.  Outside a transaction it reconnects and runs
 * the statement again, once, when that cannot apply it twice: the
 * connection had broken before it was sent, a read-only server refused it
 * (SQLSTATE 25006: after a failover, the next connect finds the new
 * primary), or it is a read.  A write whose answer was lost is not run
 * again: it gives DB_UNAVAILABLE, whether or not it committed.
 */
enum dbres	 db_run(struct db *, enum stmt, int n,
		    const char *const *params, struct arena *a,
		    struct dbrows *out);
/*
 * db_run for a write: its n parameters, then the actor's user, token and
 * address, which its usersd_act() call records in the audit log.  act
 * NULL: a plain db_run.
 */
enum dbres	 db_run_acting(struct db *, enum stmt, const struct actor *,
		    int n, const char *const *params, struct arena *a,
		    struct dbrows *out);
/* Runs s, which takes no parameters, for its one boolean: *yes. */
enum dbres	 db_run_bool(struct db *, enum stmt, struct arena *a,
		    int *yes);
/* A read that can ride along with another statement (db_run_pair). */
struct db_read {
	enum stmt	 stmt;
	int		 n;
	const char	*params[8];
	char		 num[2][24];	/* room for numeric parameters */
	struct dbrows	 rows;		/* filled in by the ride */
	enum dbres	 rc;
};

/*
 * Runs two read statements in one pipeline (one network round trip): the
 * first's class is returned, the second's goes to *rc2.  For a read that
 * rides along with authentication.
 */
enum dbres	 db_run_pair(struct db *, enum stmt s1, int n1,
		    const char *const *p1, enum stmt s2, int n2,
		    const char *const *p2, struct arena *a,
		    struct dbrows *out1, enum dbres *rc2, struct dbrows *out2);
/* The value at (row, col), or NULL. */
const char	*dbrows_get(const struct dbrows *, int row, int col);

/* After DB_CONFLICT: the violated constraint's name ("" if unknown). */
const char	*db_constraint(const struct db *);
/* After DB_RAISED: the message the SQL function raised. */
const char	*db_raised(const struct db *);
/* After DB_UNAVAILABLE: why. */
enum dbfail	 db_failure(const struct db *);
/* Drops the connection; the next statement connects again. */
void		 db_close(struct db *);

/*
 * Runs trusted SQL text compiled into the binary (the migrations) with the
 * simple query protocol.  0, or -1 with the server's message in err.
 */
int		 db_script(struct db *, const char *sql, char *err,
		    size_t errsz);
/*
 * Creates the database that conninfo names, on the server it names, by
 * connecting to that server's "postgres" database.  *created is 0 when it
 * already existed.  0, or -1 with the reason in err.
 */
int		 db_create_database(const char *conninfo, const struct cfg *,
		    int *created, char *err, size_t errsz);
/*
 * The statements that follow run in schema s (NULL: the connection's own
 * database, as configured per instance).  The caller keeps s alive.
 */
void		 db_use_schema(struct db *, struct db_schema *s);
/* The hosted instance db serves now, "" for a database of its own. */
const char	*db_instance_name(const struct db *);
/*
 * 1 when name can be a hosted instance's schema: 1 to 39 of [a-z0-9_-],
 * starting with a letter or digit, not PostgreSQL's own ("pg_*",
 * "public", "information_schema").
 */
int		 hosted_name_valid(const char *name);
/* Connects now if needed; 0, or -1 with the reason in err. */
int		 db_connect(struct db *, char *err, size_t errsz);

#endif
