/*
 * lastuse.c -- which tokens' last use this worker saw recorded lately.
 *
 * A token's use is written at most once a minute (STMT_TOKEN_TOUCH).
 * Asking the database on every read whether a write is due costs a join
 * per token read (about a tenth of PostgreSQL's time for the read); a
 * token this worker has seen recorded in the last minute needs no asking.
 * So each worker keeps a small table: one slot per (instance, token hash)
 * key, direct-mapped.  A lost or overwritten slot costs only the check,
 * never a write or a request: the database still decides whether a
 * write is due.  It holds no credential: the key is a mix of the token's
 * SHA-256 (already a hash) and the instance's name.
 *
 * Hand-written because none of our libraries has a bounded map this
 * small; it is an array and one hash mix.
 */
#include <stdint.h>
#include <string.h>

#include "lastuse.h"
#include "banned.h"

#define SLOTS	4096		/* 64 KiB; a power of two */

static struct slot {
	uint64_t	 key;
	time_t		 at;
	int		 used;
} slots[SLOTS];

/*
 * FNV-1a over the instance's name and the token hash's first 16 hex
 * digits: the instance is mixed in so that one instance's entries never
 * stand for another's token.
 */
static uint64_t
key_of(const char *instance, const char *hash)
{
	uint64_t	 h = 14695981039346656037ULL;
	size_t		 i;

	for (; *instance != '\0'; instance++)
		h = (h ^ (unsigned char)*instance) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;	/* between the two parts */
	for (i = 0; i < 16 && hash[i] != '\0'; i++)
		h = (h ^ (unsigned char)hash[i]) * 1099511628211ULL;
	return h;
}

int
lastuse_recent(const char *instance, const char *hash, time_t now)
{
	uint64_t	 k = key_of(instance, hash);
	struct slot	*s = &slots[k & (SLOTS - 1)];

	return s->used && s->key == k && now >= s->at &&
	    now - s->at < LASTUSE_INTERVAL;
}

void
lastuse_seen(const char *instance, const char *hash, time_t now)
{
	uint64_t	 k = key_of(instance, hash);
	struct slot	*s = &slots[k & (SLOTS - 1)];

	s->key = k;
	s->at = now;
	s->used = 1;
}
