/*
 * lastuse.h -- the tokens whose last use this worker has seen recorded in
 * the last minute, so that their reads skip the check (lastuse.c).
 */
#ifndef LASTUSE_H
#define LASTUSE_H

#include <time.h>

/* The minimum time between two records of one token's use (seconds). */
#define LASTUSE_INTERVAL	60

/*
 * 1 when this worker saw the use of the token with this hash (hex) in
 * this instance ("" for none) recorded less than LASTUSE_INTERVAL seconds
 * before now (a monotonic clock's seconds).
 */
int	lastuse_recent(const char *instance, const char *hash, time_t now);
/* Notes that the token's use is recorded as of now. */
void	lastuse_seen(const char *instance, const char *hash, time_t now);

#endif
