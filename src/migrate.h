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

/*
 * Applies the missing migrations; *applied receives how many.  schema:
 * NULL for the connection's database, else the hosted instance of that
 * name (hosted_name_valid), which create makes (and registers in
 * public.usersd_hosted) when it is new; without create it must exist.
 * The caller has set the schema on db (db_use_schema).  0, or -1 with the
 * reason in err (nothing applied then).
 */
int	migrate_run(struct db *, const char *schema, int create,
	    struct arena *, int *applied, char *err, size_t errsz);

#endif
