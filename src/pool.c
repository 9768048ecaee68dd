/*
 * pool.c -- a worker's instance connections.  A configured instance
 * (instance.NAME, a database each) has its own connection, at most
 * max_connections of them, least recently used closed first.  A hosted
 * instance (a schema of a hosting database) shares its database's one
 * connection, so the connections are bounded by the hosting databases, not
 * the instances; which database holds it is asked once and remembered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "db_admin.h"
#include "log.h"
#include "pool.h"
#include "banned.h"

struct slot {
	char		 name[CFG_NAME_MAX];
	struct db	*db;
	unsigned long	 used;		/* tick of the last use */
};

/*
 * The hosted instances this worker has served, by name (open addressing).
 * Past HOSTED_MAX the worker forgets them all and closes its hosting
 * connections: that bounds what PostgreSQL keeps of prepared statements.
 */
#define HOSTED_SLOTS	4096		/* a power of two */
#define HOSTED_MAX	3072

struct hosted {
	struct db_schema schema;	/* name "" when the slot is free */
	size_t		 server;
};

struct pool {
	const struct cfg *cfg;
	struct slot	*slots;
	size_t		 nslots;
	unsigned long	 tick;
	struct db	*servers[CFG_MAX_SERVERS + 1];
	size_t		 nservers;
	struct hosted	*hosted;
	size_t		 nhosted;
	struct db_schema limbo;		/* gone: every statement unavailable */
};

struct pool *
pool_new(const struct cfg *cfg)
{
	struct pool	*p;
	const char	*conninfo, *name;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->slots = calloc((size_t)cfg->max_connections,
	    sizeof(*p->slots))) == NULL)
		fatal("pool_new");
	p->cfg = cfg;
	p->nslots = (size_t)cfg->max_connections;
	for (; (conninfo = cfg_server(cfg, p->nservers, &name)) != NULL;
	    p->nservers++)
		p->servers[p->nservers] = db_new(conninfo, cfg);
	if (p->nservers > 0 &&
	    (p->hosted = calloc(HOSTED_SLOTS, sizeof(*p->hosted))) == NULL)
		fatal("pool_new");
	return p;
}

void
pool_free(struct pool *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nslots; i++)
		db_free(p->slots[i].db);
	for (i = 0; i < p->nservers; i++)
		db_free(p->servers[i]);
	free(p->slots);
	free(p->hosted);
	free(p);
}

/* The slot of name: its own, or the free one where it would go. */
static struct hosted *
hosted_slot(struct pool *p, const char *name)
{
	uint32_t	 h = 2166136261u;	/* FNV-1a */
	const char	*c;
	size_t		 i;

	for (c = name; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	for (i = h & (HOSTED_SLOTS - 1);; i = (i + 1) & (HOSTED_SLOTS - 1))
		if (p->hosted[i].schema.name[0] == '\0' ||
		    strcmp(p->hosted[i].schema.name, name) == 0)
			return &p->hosted[i];
}

/*
 * Which hosting database holds name: its index; -1 when none does, -2
 * when none that answered does but one did not answer (*down).
 */
static int
hosted_lookup(struct pool *p, const char *name, size_t *down)
{
	enum dbres	 rc;
	size_t		 i;
	int		 ret = -1;

	for (i = 0; i < p->nservers; i++) {
		db_use_schema(p->servers[i], NULL);
		rc = db_hosted_exists(p->servers[i], name);
		if (rc == DB_OK)
			return (int)i;
		if (rc == DB_UNAVAILABLE && ret == -1) {
			*down = i;
			ret = -2;
		}
	}
	return ret;
}

static struct db *
hosted_get(struct pool *p, const char *name)
{
	struct hosted	*h;
	const char	*server_name;
	size_t		 i, down = 0;
	unsigned int	 gen;
	int		 server;

	h = hosted_slot(p, name);
	if (h->schema.name[0] != '\0' && !h->schema.gone)
		goto found;
	/* New, or its schema went away (dropped, perhaps made again). */
	if ((server = hosted_lookup(p, name, &down)) == -1)
		return NULL;
	if (server == -2) {
		/* Perhaps there: answer "unavailable", as for a database. */
		p->limbo.gone = 1;
		db_use_schema(p->servers[down], &p->limbo);
		return p->servers[down];
	}
	if (h->schema.name[0] == '\0' && ++p->nhosted > HOSTED_MAX) {
		log_info("forgetting %zu hosted instances and closing the "
		    "hosting connections", p->nhosted - 1);
		memset(p->hosted, 0, HOSTED_SLOTS * sizeof(*p->hosted));
		for (i = 0; i < p->nservers; i++) {
			db_free(p->servers[i]);
			p->servers[i] = db_new(cfg_server(p->cfg, i,
			    &server_name), p->cfg);
		}
		p->nhosted = 1;
		h = hosted_slot(p, name);
	}
	if (h->schema.name[0] == '\0' || h->server != (size_t)server) {
		/*
		 * Moved: a later move back finds the statements of this gen
		 * still prepared on that server's connection ("already
		 * exists"), so the gen only grows.
		 */
		gen = h->schema.name[0] != '\0' ? h->schema.gen + 1 : 0;
		memset(h, 0, sizeof(*h));
		snprintf(h->schema.name, sizeof(h->schema.name), "%s", name);
		h->schema.gen = gen;
		h->server = (size_t)server;
	}
	/*
	 * Made again where it was: new objects, so new statements (the old
	 * ones stay behind until the connection closes).
	 */
	if (h->schema.gone) {
		h->schema.gone = 0;
		h->schema.gen++;
		memset(h->schema.prepared, 0, sizeof(h->schema.prepared));
	}
 found:
	db_use_schema(p->servers[h->server], &h->schema);
	return p->servers[h->server];
}

struct db *
pool_get(struct pool *p, const char *name)
{
	const char	*conninfo;
	struct slot	*victim = NULL;
	size_t		 i;

	if (name == NULL)
		name = "";
	if (*name != '\0' && cfg_instance_conninfo(p->cfg, name) == NULL)
		return p->nservers > 0 && hosted_name_valid(name) ?
		    hosted_get(p, name) : NULL;
	for (i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];

		if (s->db != NULL && strcmp(s->name, name) == 0) {
			s->used = ++p->tick;
			db_use_schema(s->db, NULL);
			return s->db;
		}
		if (victim == NULL || s->db == NULL ||
		    (victim->db != NULL && s->used < victim->used))
			victim = s;
	}
	if ((conninfo = cfg_instance_conninfo(p->cfg, name)) == NULL)
		return NULL;
	if (victim->db != NULL)
		log_info("closing the connection of instance \"%s\" (least "
		    "recently used)", victim->name);
	db_free(victim->db);
	victim->db = db_new(conninfo, p->cfg);
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->used = ++p->tick;
	return victim->db;
}
