/*
 * migrate.h -- schema migrations: the numbered files of sql/migrations,
 * compiled in (scripts/embed-sql.sh), applied in order in one transaction
 * under an advisory lock, so running twice, or from two hosts at once, is
 * safe.  usersd_schema records what was applied.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include <stddef.h>

struct arena;
struct db;

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration	migrations[];
extern const size_t		nmigrations;
/* sql/hosting.sql: the hosting database's own functions (a superuser's). */
extern const char		hosting_sql[];
/* sql/runner.sql: the function a superuser applies migrations through. */
extern const char		runner_sql[];

struct migrate_opts {
	const char	*schema;	/* a hosted instance (hosted_name_valid),
					 * or NULL: the connection's database */
	int		 create;	/* make the hosted instance if new */
	const char	*hosting_role;	/* joins its service role, or NULL */
	int		 close_onboarding; /* HTTP onboarding stays shut */
	int		 to;		/* apply up to this version; 0: all */
	int		 hosting_ready;	/* sql/hosting.sql ran in this usersctl
					 * run already (it is only our own
					 * functions, made again) */
};

/*
 * Applies the missing migrations; *applied receives how many.  The caller
 * has set o->schema on db too (db_use_schema).  A hosted instance needs a
 * superuser; a database instance its owner role, a member of it, or (the
 * first time) a superuser.  0, or -1 with the reason in err (nothing
 * applied then).
 */
int	migrate_run(struct db *, const struct migrate_opts *, struct arena *,
	    int *applied, char *err, size_t errsz);

/*
 * Removes hosted instance schema, all its data and its four roles, in one
 * transaction (a superuser).  0, or -1 with the reason in err.
 */
int	migrate_drop_hosted(struct db *, const char *schema, struct arena *,
	    char *err, size_t errsz);

struct abuf;
/*
 * Appends "\037statement" to b for each statement of the SQL script sql
 * (for sql/runner.sql); -1 if it holds \036 or \037 or ends in a quote.
 */
int	migrate_split(struct abuf *b, const char *sql);

#endif
