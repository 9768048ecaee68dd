/*
 * lowprio.h -- a helper thread with a lower CPU priority (nice), on which a
 * worker runs its password hashes: a sign-in flood then takes only the CPU
 * that reads leave over, instead of an equal share of every core.
 */
#ifndef LOWPRIO_H
#define LOWPRIO_H

/*
 * Starts the thread at the given nice value (call once, in a worker, after
 * fork).  0, or -1 when it could not start; lowprio_run then runs jobs
 * inline.
 */
int	lowprio_start(int niceness);
/* Runs fn(arg) on the helper thread and waits for it to return. */
void	lowprio_run(void (*fn)(void *), void *arg);

#endif
