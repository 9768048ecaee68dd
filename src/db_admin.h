/*
 * db_admin.h -- the statements of the machinery rather than of an entity,
 * typed (see db_users.h for the conventions): the health ping,
 * transactions, the migrations ledger and the registry of hosted
 * instances.
 */
#ifndef DB_ADMIN_H
#define DB_ADMIN_H

#include <stddef.h>

#include "db.h"

/* *writable: the server takes writes (not a standby, not fenced). */
enum dbres	 db_ping(struct db *, struct arena *, int *writable);

/*
 * Runs a statement that takes no parameters and returns nothing:
 * STMT_BEGIN, STMT_COMMIT, STMT_ROLLBACK, and STMT_MIGRATE_LOCK, which
 * serialises migrations from any host until the transaction ends.
 */
enum dbres	 db_exec(struct db *, struct arena *, enum stmt);

/* The versions the ledger records as applied, in the arena. */
enum dbres	 db_migrate_applied(struct db *, struct arena *,
		    int **versions, size_t *n);
enum dbres	 db_migrate_record(struct db *, struct arena *, int version,
		    const char *name);

/* DB_OK when this hosting database holds the instance name. */
enum dbres	 db_hosted_exists(struct db *, const char *name);
/*
 * The names of the instances of this hosting database, in the arena.
 * DB_ERROR too when no instance was ever made here (no registry).
 */
enum dbres	 db_hosted_names(struct db *, struct arena *, char ***names,
		    size_t *n);

#endif
