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

/*
 * The owner role of a database instance's schema public, from the
 * catalog alone: *owner (in the arena; NULL before migration 0005 made
 * the roles), *mighty when it holds SUPERUSER, CREATEROLE or BYPASSRLS,
 * *member when the connected role may SET ROLE to it, *super when the
 * connected role is a superuser.
 */
enum dbres	 db_migrate_db_owner(struct db *, struct arena *,
		    const char **owner, int *mighty, int *member, int *super);
/* Names the owner role and its schema for the rest of the transaction. */
enum dbres	 db_migrate_target(struct db *, struct arena *,
		    const char *owner, const char *schema);
/*
 * For the rest of the transaction: act as role (NULL: as connected), with
 * search_path schema.
 */
enum dbres	 db_migrate_enter(struct db *, struct arena *,
		    const char *role, const char *schema);
/*
 * Calls sql/runner.sql's function: the migrations of plan in schema, with
 * usersd.role_prefix prefix (NULL: as set); *applied: how many.
 */
enum dbres	 db_migrate_runner(struct db *, struct arena *,
		    const char *schema, const char *prefix, const char *plan,
		    int close_onboarding, int *applied);

/*
 * Makes hosted instance name when it is new and create is set, or checks
 * the one there (sql/hosting.sql: usersd_hosted_open); *owner, in the
 * arena: its owner role.  hosting_role ("" for none) joins its service
 * role.  DB_RAISED with the reason in db_raised() when refused.
 */
enum dbres	 db_hosted_open(struct db *, struct arena *, const char *name,
		    int create, const char *hosting_role, const char **owner);
/* Removes hosted instance name, its data and its roles. */
enum dbres	 db_hosted_drop(struct db *, struct arena *, const char *name);

/* DB_OK when this hosting database holds the instance name. */
enum dbres	 db_hosted_exists(struct db *, const char *name);
/*
 * The names of the instances of this hosting database, in the arena.
 * DB_ERROR too when no instance was ever made here (no registry).
 */
enum dbres	 db_hosted_names(struct db *, struct arena *, char ***names,
		    size_t *n);

#endif
