/*
 * admit.h -- admission per instance: at most a share of a pool's workers
 * serve one instance at once on this host, so one tenant's flood leaves the
 * other workers to the other tenants, whatever the web server in front.
 */
#ifndef ADMIT_H
#define ADMIT_H

struct cfg;

/*
 * Sets the share for this process's pool: instance_share when set, else
 * half of pool_size rounded up when hosting is configured and a master
 * runs the pool (pool_size > 0), else no cap; no cap in the master's
 * sign-in pool (signin), which the hash share divides.  Call once per
 * process.
 */
void	admit_init(const struct cfg *, int pool_size, int signin);
/*
 * Admits a request of instance name (a checked name; NULL or "" the
 * default): 0, or -1 when the instance already has its whole share of
 * the pool's workers (answer 429 at once).  Until admit_leave().
 */
int	admit_enter(const char *name);
void	admit_leave(void);
/* The share in force, 0 when there is no cap. */
int	admit_share(void);

#endif
