/*
 * pool.h -- a worker's PostgreSQL connections: one per configured instance
 * it has served (at most cfg->max_connections, least recently used closed
 * first), and one per hosting database for all its hosted instances.
 */
#ifndef POOL_H
#define POOL_H

struct cfg;
struct db;
struct pool;

struct pool	*pool_new(const struct cfg *);
/* pool_free(NULL) is a no-op; closes every connection. */
void		 pool_free(struct pool *);
/*
 * The connection of instance name (NULL or "": the default), set to serve
 * that instance (db_use_schema).  NULL when no configuration names it and
 * no hosting database holds it.  The pool owns the result; it serves name
 * until the next pool_get.
 */
struct db	*pool_get(struct pool *, const char *name);

#endif
