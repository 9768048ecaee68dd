/*
 * health.h -- the health service: whether the instance's database takes
 * writes (/health), and since when this process serves (/ready).
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <time.h>

struct arena;
struct db;

/*
 * Asks the database whether it takes writes.  Returns NULL when it does,
 * else a static text naming the missing part ("connect: ...", "read-write:
 * ...", "query: ...") for the check's message.
 */
const char	*health_check(struct db *, struct arena *);

/*
 * Records now as the process's start.  main calls it first, so the workers
 * a master forks report the master's start, not their own.
 */
void		 health_init(void);
/* The time health_init recorded. */
time_t		 health_started(void);

#endif
