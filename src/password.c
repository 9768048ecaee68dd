/*
 * password.c -- argon2id via libargon2's high-level API, and the hash
 * slots: cfg->hash_concurrency lock files under run_dir, taken with
 * flock(LOCK_NB) so at most that many hashes run at once on this host,
 * whatever the number of workers or instances.  A lock dies with its
 * process, so a crashed worker never leaks a slot.  In a worker, argon2
 * runs on a lower-priority thread (lowprio.c).
 *
 * Each instance may hold at most hash_share of the slots at once: its
 * share is hash_share more lock files, usersd-share-NAME.J.lock, taken
 * (without waiting) before a slot.  Past its share an instance gets the
 * 429 at once; under it, it waits for a slot, and since no instance holds
 * more than its share, the wait is for the hash now running on one slot.
 * Locks are taken share first, then slot, so no two waiters deadlock.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <argon2.h>

#include "cfg.h"
#include "crypto.h"
#include "log.h"
#include "lowprio.h"
#include "password.h"
#include "banned.h"

#define SALT_LEN	16
#define HASH_LEN	32
#define MAX_SLOTS	256
/* The longest wait for a slot: a hash takes well under a second. */
#define SLOT_WAIT_S	10

static uint32_t	 m_cost = 19456, t_cost = 2, lanes = 1;
static int	 slot_fds[MAX_SLOTS];
static int	 nslots;
static const char *run_dir = "/tmp";
static char	 dummy[PW_HASH_MAX];
static int	 held = -1;	/* slot reserved by pw_reserve, or -1 */
static int	 share;		/* slots one instance may hold */
static int	 share_fd = -1;	/* the share lock held, or -1 */
static char	 instance[CFG_NAME_MAX];	/* "" the default instance */

void
pw_init(const struct cfg *c)
{
	int	 n = pw_concurrency(c), i;

	m_cost = (uint32_t)c->argon2_memory;
	t_cost = (uint32_t)c->argon2_iterations;
	lanes = (uint32_t)c->argon2_parallelism;
	run_dir = c->run_dir;
	nslots = n > MAX_SLOTS ? MAX_SLOTS : n;
	share = pw_share(c);
	for (i = 0; i < MAX_SLOTS; i++)
		slot_fds[i] = -1;
	dummy[0] = '\0';
}

/*
 * The CPUs this process may run on (taskset, a cpuset, systemd's
 * CPUAffinity=), else those online: a hash on a CPU it may not use
 * would only wait for one it may.
 */
static long
usable_cpus(void)
{
	cpu_set_t	 set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN);
}

int
pw_concurrency(const struct cfg *c)
{
	long	 n = c->hash_concurrency;

	if (n <= 0 && (n = usable_cpus()) <= 0)
		n = 1;
	return n > 256 ? 256 : (int)n;
}

int
pw_share(const struct cfg *c)
{
	const char	*server;
	int		 n = pw_concurrency(c);

	/* Shares are between hosted tenants: one instance alone takes all. */
	if (c->hash_share <= 0)
		return cfg_server(c, 0, &server) != NULL ? (n + 1) / 2 : n;
	return c->hash_share > n ? n : (int)c->hash_share;
}

void
pw_set_instance(const char *name)
{
	snprintf(instance, sizeof(instance), "%s", name ? name : "");
}

int
pw_policy(const char *pw, size_t len, struct apierr *e)
{
	if (pw == NULL || len < PW_MIN || len > PW_MAX)
		return apierr_set(e, APIERR_INVALID, "passwords must be "
		    "between %d and %d characters long", PW_MIN, PW_MAX);
	return 0;
}

/*
 * Takes a free slot: its index, or -1 when all are busy.  It does not wait:
 * a worker that waited would be a worker lost to every other request (a
 * sign-in flood would stall reads), so the excess is answered 429 at once.
 */
static int
slot_take(void)
{
	char		 path[512];
	static int	 warned;
	int		 i;

	for (i = 0; i < nslots; i++) {
		if (slot_fds[i] == -1) {
			snprintf(path, sizeof(path), "%s/usersd-hash-%d.lock",
			    run_dir, i);
			/*
			 * Read-only is enough for flock, so workers of
			 * another user (www-data under mod_fcgid) can share
			 * files that root made first.
			 */
			slot_fds[i] = open(path, O_RDONLY | O_CREAT |
			    O_NOFOLLOW | O_CLOEXEC, 0644);
			if (slot_fds[i] == -1) {
				if (!warned++)
					log_warn("hash slot %s (hashing is not "
					    "capped)", path);
				return MAX_SLOTS;
			}
		}
		if (flock(slot_fds[i], LOCK_EX | LOCK_NB) == 0)
			return i;
	}
	return -1;
}

static void
slot_give(int i)
{
	if (i >= 0 && i < nslots)
		flock(slot_fds[i], LOCK_UN);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Waits for slot i, at most SLOT_WAIT_S seconds: i, or -1.  The timer's
 * signal interrupts flock (no SA_RESTART); SIGTERM stays blocked in a
 * request, so nothing else cuts the wait short.
 */
static int
slot_wait(int i)
{
	struct sigaction	 sa, old;
	struct itimerval	 it, off;
	int			 rc, saved;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	memset(&it, 0, sizeof(it));
	memset(&off, 0, sizeof(off));
	it.it_value.tv_sec = SLOT_WAIT_S;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	rc = flock(slot_fds[i], LOCK_EX);
	saved = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc == -1) {
		log_warnx("no hash slot came free in %d s: %s", SLOT_WAIT_S,
		    strerror(saved));
		return -1;
	}
	return i;
}

/*
 * Takes one of this instance's share locks without waiting: 0, or -1
 * when it holds its whole share.  A share file that cannot be made leaves
 * the instance uncapped (logged once), as a slot file does.
 */
static int
share_take(void)
{
	char		 path[512];
	static int	 warned;
	int		 j, fd;

	for (j = 0; j < share; j++) {
		/* Names hold only [A-Za-z0-9_-]; "" is the default. */
		snprintf(path, sizeof(path), "%s/usersd-share-%s.%d.lock",
		    run_dir, instance, j);
		if ((fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0644)) == -1) {
			if (!warned++)
				log_warn("hash share %s (shares are not "
				    "capped)", path);
			return 0;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			share_fd = fd;
			return 0;
		}
		close(fd);
	}
	return -1;
}

static void
share_give(void)
{
	if (share_fd != -1)
		close(share_fd);	/* the lock goes with it */
	share_fd = -1;
}

static int
busy(struct apierr *e)
{
	apierr_set(e, APIERR_TOO_MANY_REQUESTS,
	    "too many password checks at once, try again shortly");
	e->retry_after = 1;
	return -1;
}

/*
 * A share lock (unless pw_reserve_share took it), then a slot: the
 * slot's index (MAX_SLOTS when slots are not capped), or -1 with e set:
 * 429 past the instance's share, 503 when no slot came free in time.
 */
static int
acquire(struct apierr *e)
{
	static unsigned int	 next;
	int			 i;

	if (share_fd == -1 && share_take() == -1)
		return busy(e);
	if ((i = slot_take()) == -1 &&
	    (i = slot_wait((int)((unsigned int)getpid() + next++) %
	    nslots)) == -1) {
		share_give();
		apierr_set(e, APIERR_UNAVAILABLE, "password checks are "
		    "stalled, try again later");
		e->retry_after = 1;
		return -1;
	}
	return i;
}

static void
release(int i)
{
	slot_give(i);
	share_give();
}

/* The reserved slot, or a new one; -1 with e set when none is had. */
static int
slot_get(struct apierr *e)
{
	return held != -1 ? held : acquire(e);
}

static void
slot_put(int i)
{
	if (i != held)
		release(i);
}

int
pw_reserve_share(struct apierr *e)
{
	if (held == -1 && share_fd == -1 && share_take() == -1)
		return busy(e);
	return 0;
}

int
pw_reserve(struct apierr *e)
{
	if (held == -1 && (held = acquire(e)) == -1)
		return -1;
	return 0;
}

void
pw_release(void)
{
	if (held != -1)
		release(held);
	share_give();
	held = -1;
}

/* The argon2 calls, as jobs for the low-priority thread (lowprio.c). */
struct argon2_job {
	const char		*phc;	/* verify: the stored hash */
	const char		*pw;
	size_t			 len;
	const unsigned char	*salt;	/* hash: the salt */
	char			*out;	/* hash: the PHC string */
	int			 rc;
};

static void
hash_job(void *arg)
{
	struct argon2_job	*j = arg;

	j->rc = argon2id_hash_encoded(t_cost, m_cost, lanes, j->pw, j->len,
	    j->salt, SALT_LEN, HASH_LEN, j->out, PW_HASH_MAX);
}

static void
verify_job(void *arg)
{
	struct argon2_job	*j = arg;

	j->rc = argon2id_verify(j->phc, j->pw, j->len);
}

static int
verify(const char *phc, const char *pw, size_t len)
{
	struct argon2_job	 j = { phc, pw, len, NULL, NULL, 0 };

	lowprio_run(verify_job, &j);
	return j.rc;
}

static int
hash_locked(const char *pw, size_t len, char *out, struct apierr *e)
{
	unsigned char		 salt[SALT_LEN];
	struct argon2_job	 j = { NULL, pw, len, salt, out, 0 };
	int			 rc;

	if (crypto_random(salt, sizeof(salt)) == -1)
		return apierr_internal(e);
	lowprio_run(hash_job, &j);
	rc = j.rc;
	if (rc != ARGON2_OK) {
		log_warnx("argon2: %s", argon2_error_message(rc));
		return apierr_internal(e);
	}
	return 0;
}

int
pw_hash(const char *pw, size_t len, char *out, struct apierr *e)
{
	int	 slot, rc;

	if ((slot = slot_get(e)) == -1)
		return -1;
	rc = hash_locked(pw, len, out, e);
	slot_put(slot);
	return rc;
}

int
pw_verify(const char *phc, const char *pw, size_t len, struct apierr *e)
{
	int	 slot, rc, match;

	if ((slot = slot_get(e)) == -1)
		return -1;
	if (phc == NULL || *phc == '\0') {
		/* Pay for one verify, as a real user would. */
		if (dummy[0] == '\0' && pw_warm(e) == -1) {
			slot_put(slot);
			return -1;
		}
		verify(dummy, pw, len);
		slot_put(slot);
		return 0;
	}
	rc = verify(phc, pw, len);
	slot_put(slot);
	match = rc == ARGON2_OK;
	if (!match && rc != ARGON2_VERIFY_MISMATCH)
		log_warnx("argon2 verify: %s", argon2_error_message(rc));
	return match;
}

int
pw_warm(struct apierr *e)
{
	if (dummy[0] != '\0')
		return 0;
	return hash_locked("usersd-dummy", 12, dummy, e);
}

/*
 * Reads /proc/locks rather than trying the locks: a probe would hold a
 * slot for a moment and could turn a sign-in away.  A line is
 * "N: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INODE 0 EOF" (hex device).
 */
int
pw_slots_busy(void)
{
	struct stat	 st;
	unsigned long long ino[MAX_SLOTS], lino;
	unsigned int	 maj[MAX_SLOTS], min[MAX_SLOTS], lmaj, lmin;
	unsigned char	 seen[MAX_SLOTS];
	char		 path[512], line[256];
	FILE		*f;
	int		 i, n = 0, busy = 0;

	for (i = 0; i < nslots; i++) {
		snprintf(path, sizeof(path), "%s/usersd-hash-%d.lock",
		    run_dir, i);
		/* A slot never taken has no file yet: not busy. */
		if (stat(path, &st) == -1)
			continue;
		ino[n] = (unsigned long long)st.st_ino;
		maj[n] = major(st.st_dev);
		min[n] = minor(st.st_dev);
		seen[n++] = 0;
	}
	if ((f = fopen("/proc/locks", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*d: FLOCK %*s %*s %*d %x:%x:%llu", &lmaj,
		    &lmin, &lino) != 3)
			continue;
		for (i = 0; i < n; i++)
			if (!seen[i] && ino[i] == lino && maj[i] == lmaj &&
			    min[i] == lmin) {
				seen[i] = 1;
				busy++;
			}
	}
	fclose(f);
	return busy;
}

int
pw_needs_rehash(const char *phc)
{
	unsigned int	 v, m, t, p;

	if (phc == NULL || sscanf(phc, "$argon2id$v=%u$m=%u,t=%u,p=%u$", &v,
	    &m, &t, &p) != 4)
		return 1;
	return v != ARGON2_VERSION_NUMBER || m != m_cost || t != t_cost ||
	    p != lanes;
}
