/*
 * pool.c -- per-worker instance connections with an LRU bound, so a host
 * with many instances does not exhaust PostgreSQL's connection slots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "banned.h"

struct slot {
	char		 name[CFG_NAME_MAX];
	struct db	*db;
	unsigned long	 used;		/* tick of the last use */
};

struct pool {
	const struct cfg *cfg;
	struct slot	*slots;
	size_t		 nslots;
	unsigned long	 tick;
};

struct pool *
pool_new(const struct cfg *cfg)
{
	struct pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->slots = calloc((size_t)cfg->max_connections,
	    sizeof(*p->slots))) == NULL)
		fatal("pool_new");
	p->cfg = cfg;
	p->nslots = (size_t)cfg->max_connections;
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
	free(p->slots);
	free(p);
}

struct db *
pool_get(struct pool *p, const char *name)
{
	const char	*conninfo;
	struct slot	*victim = NULL;
	size_t		 i;

	if (name == NULL)
		name = "";
	for (i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];

		if (s->db != NULL && strcmp(s->name, name) == 0) {
			s->used = ++p->tick;
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
