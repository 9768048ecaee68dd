/*
 * health.h -- the health service: whether the instance's database takes
 * writes (/health).
 */
#ifndef HEALTH_H
#define HEALTH_H

struct arena;
struct db;

/*
 * Asks the database whether it takes writes.  Returns NULL when it does,
 * else a static text naming the missing part ("connect: ...", "read-write:
 * ...", "query: ...") for the check's message.
 */
const char	*health_check(struct db *, struct arena *);

#endif
