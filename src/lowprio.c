/*
 * lowprio.c -- one helper thread per worker that runs jobs at a raised
 * nice value.  Linux applies nice per thread, so the worker keeps its own
 * priority and never needs the privilege to lower its nice value again.
 * The worker waits for each job: there is no queue and no concurrency
 * beyond one job at a time.
 */
#include <sys/resource.h>

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "lowprio.h"
#include "banned.h"

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cv = PTHREAD_COND_INITIALIZER;
static void		(*job_fn)(void *);
static void		*job_arg;
static enum { IDLE, PENDING, DONE } state = IDLE;
static int		 started, nice_value;

static void *
loop(void *unused)
{
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), nice_value) == -1)
		log_warn("setpriority for the hash thread");
	pthread_mutex_lock(&mu);
	for (;;) {
		while (state != PENDING)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		job_fn(job_arg);
		pthread_mutex_lock(&mu);
		state = DONE;
		pthread_cond_broadcast(&cv);
	}
	return NULL;
}

int
lowprio_start(int niceness)
{
	pthread_attr_t	 attr;
	pthread_t	 t;
	sigset_t	 all, old;
	int		 rc;

	if (started)
		return 0;
	nice_value = niceness;
	/* Signals are the worker's: the thread starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, loop, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warnx("cannot start the hash thread: %s", strerror(rc));
		return -1;
	}
	started = 1;
	return 0;
}

void
lowprio_run(void (*fn)(void *), void *arg)
{
	if (!started) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&mu);
	job_fn = fn;
	job_arg = arg;
	state = PENDING;
	pthread_cond_broadcast(&cv);
	while (state != DONE)
		pthread_cond_wait(&cv, &mu);
	state = IDLE;
	pthread_mutex_unlock(&mu);
}
