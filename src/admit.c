/*
 * admit.c -- per-instance admission, with the lock files of the hash slots
 * (password.c): an instance's share of a pool is `share` files under
 * run_dir, usersd-admit-NAME.J.lock, and a request is served only
 * while it holds one, taken with flock(LOCK_NB).  Past its share the
 * request is refused at once rather than queued: a worker that waited
 * would be one more worker the flooding instance holds.  A lock dies with
 * its process, so a crashed worker never leaks a place.
 */
#include <sys/file.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "admit.h"
#include "cfg.h"
#include "log.h"
#include "banned.h"

static int		 share;		/* 0: no cap */
static const char	*run_dir = "/tmp";
static int		 held = -1;	/* the place held, or -1 */

void
admit_init(const struct cfg *c, int pool_size, int signin)
{
	const char	*server;

	run_dir = c->run_dir;
	/*
	 * The sign-in pool only hashes, and the hash share (password.c)
	 * divides it: a cap here too would refuse an instance's second
	 * sign-in while a hash slot is free.
	 */
	if (signin)
		share = 0;
	else if (c->instance_share > 0)
		share = (int)c->instance_share;
	else if (pool_size > 0 && cfg_server(c, 0, &server) != NULL)
		share = (pool_size + 1) / 2;
	else
		share = 0;
}

int
admit_share(void)
{
	return share;
}

int
admit_enter(const char *name)
{
	char		 path[512];
	static int	 warned;
	int		 j, fd;

	if (share == 0)
		return 0;
	for (j = 0; j < share; j++) {
		/* Names hold only [A-Za-z0-9_-]; "" is the default. */
		snprintf(path, sizeof(path), "%s/usersd-admit-%s.%d.lock",
		    run_dir, name ? name : "", j);
		if ((fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0644)) == -1) {
			if (!warned++)
				log_warn("admission %s (instances are not "
				    "capped)", path);
			return 0;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			held = fd;
			return 0;
		}
		close(fd);
	}
	return -1;
}

void
admit_leave(void)
{
	if (held != -1)
		close(held);	/* the lock goes with it */
	held = -1;
}
