/*
 * pool.h -- a worker's PostgreSQL connections, one per instance it has
 * served, at most cfg->max_connections, least recently used closed first.
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
 * The connection of instance name (NULL or "": the default).  NULL when
 * the name is not configured.  The pool owns the result.
 */
struct db	*pool_get(struct pool *, const char *name);

#endif
