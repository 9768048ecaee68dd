/*
 * prefork.c -- the master process (after kcgi's kfcgi fixedpool and
 * fcgiwrap): the listener is dup'ed onto fd 0, so a worker is the same
 * code as one spawned by lighttpd or mod_fcgid.  Signals only set flags;
 * the loop waits in sigsuspend() and does the work.
 *
 * With --signin-listen the master also keeps a second pool on a second
 * socket, which the web server sends POST /api/v2/signin to: password
 * hashing then waits in that socket's backlog and never holds a worker
 * that serves reads.  Slots 0..workers-1 are the main pool, the rest the
 * sign-in pool; a slot keeps its pool when its worker is replaced.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "fcgi.h"
#include "log.h"
#include "metrics.h"
#include "prefork.h"
#include "banned.h"

/*
 * A worker ends with _exit (a forked child must not run the master's
 * atexit work), which skips the leak check LeakSanitizer runs at exit: a
 * sanitizer build runs it itself, so the long-lived workers of the tests
 * are checked for leaks as each CGI run is (tests/lib/TestLib.pm, serve).
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK()	__lsan_do_leak_check()
#else
#define LEAK_CHECK()	((void)0)
#endif

#define MAX_WORKERS	256
#define BACKOFF_MAX_MS	10000

static volatile sig_atomic_t got_term, got_hup, got_chld, got_alrm;

static void
on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGALRM)
		got_alrm = 1;
}

struct worker {
	pid_t		 pid;
	time_t		 started;
	int		 retire;	/* replace after it exits (SIGHUP) */
	int		 signin;	/* serves the sign-in socket */
};

/* The sign-in pool's listener in the master, or -1. */
static int signin_fd = -1;
static int pool_size[2];	/* workers of the main and sign-in pools */

static int
listen_unix(const char *path, int mode)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("socket path too long: %s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	/* A stale socket from an earlier run would make bind fail. */
	if (unlink(path) == -1 && errno != ENOENT)
		fatal("unlink %s", path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	if (chmod(path, (mode_t)mode) == -1)
		fatal("chmod %s", path);
	return fd;
}

static int
listen_tcp(const char *hostport)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 host[256], *colon;
	int		 fd = -1, on = 1, rc;

	snprintf(host, sizeof(host), "%s", hostport);
	if ((colon = strrchr(host, ':')) == NULL)
		fatalx("--listen tcp: wants HOST:PORT, not \"%s\"", hostport);
	*colon = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host[0] == '[' ? host + 1 : host, colon + 1,
	    &hints, &res)) != 0)
		fatalx("%s: %s", hostport, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fatal("bind %s", hostport);
	return fd;
}

/* Binds and listens on unix:PATH or tcp:HOST:PORT; returns the socket. */
static int
open_listener(const char *addr, int mode)
{
	int	 fd;

	if (strncmp(addr, "unix:", 5) == 0)
		fd = listen_unix(addr + 5, mode);
	else if (strncmp(addr, "tcp:", 4) == 0)
		fd = listen_tcp(addr + 4);
	else
		fatalx("a listening address is unix:PATH or tcp:HOST:PORT, "
		    "not \"%s\"", addr);
	if (listen(fd, 1024) == -1)
		fatal("listen %s", addr);
	return fd;
}

static pid_t
spawn(const struct cfg *cfg, const sigset_t *oldmask, int signin)
{
	pid_t	 pid;
	int	 rc;

	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		return -1;
	case 0:
		signal(SIGCHLD, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		/* A worker sees one listener, on fd 0. */
		if (signin && dup2(signin_fd, 0) == -1)
			fatal("dup2");
		if (signin_fd != -1)
			close(signin_fd);
		rc = fcgi_worker(cfg, pool_size[signin != 0], signin);
		LEAK_CHECK();
		_exit(rc);
	default:
		metrics_worker_started(signin);
		return pid;
	}
}

static void
signal_all(struct worker *w, int n, int sig)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, sig);
}

static int
alive(const struct worker *w, int n)
{
	int	 i, c = 0;

	for (i = 0; i < n; i++)
		c += w[i].pid > 0;
	return c;
}

/* The workers-alive gauge of each pool, after any change. */
static void
count_alive(const struct worker *w, int n)
{
	int	 i, c[2] = { 0, 0 };

	for (i = 0; i < n; i++)
		c[w[i].signin] += w[i].pid > 0;
	metrics_workers_alive(c[0], c[1]);
}

/* Sets an alarm in ms (the next respawn or drain deadline). */
static void
alarm_ms(long ms)
{
	struct itimerval	 it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	if (ms > 0 && it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* What the master's loop keeps between signals. */
struct master {
	struct cfg			*cfg;
	const struct prefork_opts	*o;
	struct worker			 w[MAX_WORKERS];
	int				 n;	/* slots in use */
	sigset_t			 oldmask; /* what workers restore */
	time_t				 deadline; /* draining until; 0: not */
	long				 backoff; /* ms before a respawn */
	int				 rolling; /* replacing after SIGHUP */
	int				 pending; /* an empty slot to fill */
};

/*
 * The listener goes onto fd 0 (where a worker looks, as under lighttpd or
 * mod_fcgid); the sign-in pool's stays in signin_fd for its workers.
 */
static void
open_listeners(struct master *m)
{
	const struct prefork_opts	*o = m->o;
	int				 i, fd;

	m->n = o->workers + (o->signin_listen ? o->signin_workers : 0);
	pool_size[0] = o->workers;
	pool_size[1] = o->signin_listen ? o->signin_workers : 0;
	if (o->workers < 1 || m->n > MAX_WORKERS)
		fatalx("from 1 to %d workers in all", MAX_WORKERS);
	if ((fd = open_listener(o->listen, o->socket_mode)) != 0) {
		if (dup2(fd, 0) == -1)
			fatal("dup2");
		close(fd);
	}
	if (o->signin_listen != NULL) {
		signin_fd = open_listener(o->signin_listen, o->socket_mode);
		for (i = o->workers; i < m->n; i++)
			m->w[i].signin = 1;
	}
}

/*
 * The handlers only set flags, and the signals stay blocked except in
 * sigsuspend(), so the loop never misses one nor races with a handler.
 */
static void
block_signals(struct master *m)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
				    SIGALRM };
	struct sigaction	 sa;
	sigset_t		 mask;
	size_t			 i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&mask, sigs[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &mask, &m->oldmask);
}

/*
 * Forks a worker into every empty slot: at start, and when the alarm says
 * the backoff is over.
 */
static void
fill_slots(struct master *m)
{
	int	 i;

	got_alrm = 0;
	m->pending = 0;
	for (i = 0; i < m->n; i++)
		if (m->w[i].pid == 0) {
			m->w[i].pid = spawn(m->cfg, &m->oldmask,
			    m->w[i].signin);
			m->w[i].started = time(NULL);
			m->w[i].retire = 0;
		}
	count_alive(m->w, m->n);
}

/*
 * A worker that was not retiring died: one that dies young doubles the
 * backoff, so a worker that cannot start does not fork in a tight loop.
 */
static void
worker_died(struct master *m, const struct worker *w, pid_t pid, int status)
{
	metrics_worker_died(w->signin);
	log_warnx("worker %d exited (status %d); replacing", (int)pid, status);
	if (time(NULL) - w->started < 2)
		m->backoff = m->backoff ? m->backoff * 2 : 100;
	else
		m->backoff = 0;
	if (m->backoff > BACKOFF_MAX_MS)
		m->backoff = BACKOFF_MAX_MS;
}

/*
 * Empties the slots of exited workers and schedules their respawn, unless
 * the master is draining.
 */
static void
reap(struct master *m)
{
	pid_t	 pid;
	int	 i, status;

	got_chld = 0;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < m->n; i++) {
			if (m->w[i].pid != pid)
				continue;
			m->w[i].pid = 0;
			if (got_term || m->deadline)
				break;
			if (!m->w[i].retire)
				worker_died(m, &m->w[i], pid, status);
			m->pending = 1;
		}
	}
	count_alive(m->w, m->n);
	if (m->pending && !m->deadline && !got_term) {
		if (m->backoff > 0)
			alarm_ms(m->backoff);
		else
			got_alrm = 1;
	}
}

/* SIGTERM: the workers finish their requests until drain_seconds. */
static void
drain_start(struct master *m)
{
	log_info("draining: stopping %d workers", alive(m->w, m->n));
	m->deadline = time(NULL) + m->o->drain_seconds;
	signal_all(m->w, m->n, SIGTERM);
	alarm_ms(1000);
}

/*
 * Once a second while draining; kills what outlives the deadline.  Returns
 * 1 when no worker is left.
 */
static int
drain_step(struct master *m)
{
	if (alive(m->w, m->n) == 0)
		return 1;
	if (got_alrm) {
		got_alrm = 0;
		if (time(NULL) >= m->deadline) {
			log_warnx("drain timeout: killing workers");
			signal_all(m->w, m->n, SIGKILL);
		}
		alarm_ms(1000);
	}
	return 0;
}

/*
 * SIGHUP: a configuration that loads replaces the old one, and every
 * worker is marked to be replaced; one that does not changes nothing.
 */
static void
reload(struct master *m)
{
	struct cfg	 newcfg;
	char		 err[512];
	int		 i;

	got_hup = 0;
	if (cfg_load(&newcfg, m->o->config_path, err, sizeof(err)) == -1) {
		/* cfg_load kept nothing: the old cfg serves on. */
		log_errorx("reload refused: %s", err);
		return;
	}
	cfg_release(m->cfg);
	*m->cfg = newcfg;
	log_level = (enum loglevel)m->cfg->log_level;
	(void)metrics_master_init(m->cfg);
	for (i = 0; i < m->n; i++)
		m->w[i].retire = 1;
	m->rolling = 1;
	log_info("configuration reloaded; replacing workers one by one");
}

/*
 * Rolling restart: one retiring worker at a time, and only while every
 * slot is full, so the pool never serves with fewer than n - 1 workers.
 */
static void
roll(struct master *m)
{
	int	 i, busy_retire = 0, next = -1;

	for (i = 0; i < m->n; i++) {
		if (m->w[i].retire && m->w[i].pid == 0)
			busy_retire = 1;
		if (m->w[i].retire && m->w[i].pid > 0 && next == -1)
			next = i;
	}
	if (next == -1 && !busy_retire)
		m->rolling = 0;
	else if (!busy_retire && next >= 0 && alive(m->w, m->n) == m->n) {
		kill(m->w[next].pid, SIGTERM);
		/* Marked so the exit is not a crash. */
		m->w[next].retire = 1;
		m->w[next].started = time(NULL);
	}
}

/* Leaves no socket file behind that nothing listens on. */
static void
unlink_sockets(const struct prefork_opts *o)
{
	if (strncmp(o->listen, "unix:", 5) == 0)
		unlink(o->listen + 5);
	if (o->signin_listen != NULL &&
	    strncmp(o->signin_listen, "unix:", 5) == 0)
		unlink(o->signin_listen + 5);
}

int
prefork_run(struct cfg *cfg, const struct prefork_opts *o)
{
	struct master	 m;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.o = o;
	open_listeners(&m);
	block_signals(&m);
	/* Before the first fork: every worker inherits the block. */
	(void)metrics_master_init(cfg);
	fill_slots(&m);
	log_info("master listening on %s with %d workers", o->listen,
	    o->workers);
	if (o->signin_listen != NULL)
		log_info("sign-in pool on %s with %d workers", o->signin_listen,
		    m.n - o->workers);

	for (;;) {
		sigsuspend(&m.oldmask);
		if (got_chld)
			reap(&m);
		if (got_term && !m.deadline)
			drain_start(&m);
		if (m.deadline) {
			if (drain_step(&m))
				break;
			continue;
		}
		if (got_hup)
			reload(&m);
		if (got_alrm)
			fill_slots(&m);
		if (m.rolling)
			roll(&m);
	}
	unlink_sockets(o);
	log_info("master exiting");
	return 0;
}
