/*
 * fcgi.c -- the worker loop over libfcgi's reentrant API, and plain CGI
 * with the same request code.  The worker accepts connections itself
 * (libfcgi then reads the request from the accepted socket), so SIGTERM
 * can be allowed only while it waits and never interrupts a request.
 * Output is formatted with snprintf and written with one FCGX_PutStr
 * (libfcgi's own printf stops at %zu); it leaves with the end-of-request
 * record in FCGX_Finish_r, one write for the web server to read.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "admit.h"
#include "arena.h"
#include "cfg.h"
#include "err.h"
#include "fcgi.h"
#include "http.h"
#include "log.h"
#include "lowprio.h"
#include "metrics.h"
#include "password.h"
#include "pool.h"
#include "router.h"
#include "banned.h"

/* nice 10: a contended core gives a hash about a tenth of its time. */
#define HASH_NICE	10

static volatile sig_atomic_t stopping;

/*
 * SIGTERM is blocked except while the worker waits in epoll_pwait() for a
 * connection, so it can never cut a request short, and a waiting worker
 * leaves at once.
 */
static void
on_term(int sig)
{
	stopping = 1;
}

static const char *
fcgi_param(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);
}

static long
fcgi_read(void *ctx, char *buf, size_t n)
{
	int	 got = FCGX_GetStr(buf, n > 0x7fffffff ? 0x7fffffff : (int)n,
	    ((FCGX_Request *)ctx)->in);

	return got < 0 ? -1 : got;
}

static int
fcgi_write(void *ctx, const char *buf, size_t n)
{
	FCGX_Request	*rq = ctx;

	return FCGX_PutStr(buf, (int)n, rq->out) == (int)n ? 0 : -1;
}

static const char *
cgi_param(void *ctx, const char *name)
{
	return getenv(name);
}

static long
cgi_read(void *ctx, char *buf, size_t n)
{
	size_t	 got = fread(buf, 1, n, stdin);

	return got == 0 && ferror(stdin) ? -1 : (long)got;
}

static int
cgi_write(void *ctx, const char *buf, size_t n)
{
	if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0)
		return -1;
	return 0;
}

/* Routes one request and logs it; every secret stays out of the line. */
static void
serve(const struct req_io *io, const struct cfg *cfg, struct pool *pool,
    struct arena *a)
{
	struct req	 r;
	struct apierr	 e;
	char		 path[256], trace[80], field[80];
	int		 rc;

	memset(&e, 0, sizeof(e));
	rc = http_req_init(&r, a, cfg, io, &e);
	/* FcgidInitialEnv / bin-environment set it for the whole process. */
	if (r.instance == NULL)
		r.instance = getenv("USERSD_INSTANCE");
	metrics_set_instance(r.instance);
	if (rc == -1) {
		http_send_error(&r, &e);
		goto done;
	}
	log_set_reqid(r.reqid);
	if ((r.db = pool_get(pool, r.instance)) == NULL) {
		log_errorx("unknown instance \"%s\" (USERSD_INSTANCE)",
		    r.instance ? log_escape(field, sizeof(field), r.instance,
		    strlen(r.instance)) : "");
		apierr_set(&e, APIERR_UNAVAILABLE, "this instance is not "
		    "configured");
		http_send_error(&r, &e);
		goto done;
	}
	pw_set_instance(r.instance);
	log_set_instance(r.instance);
	metrics_set_hosted(r.instance);
	/* Past its share of the workers: 429 before any other work. */
	if (admit_enter(r.instance) == -1) {
		apierr_set(&e, APIERR_TOO_MANY_REQUESTS, "too many requests "
		    "for this instance at once, try again shortly");
		e.retry_after = 1;
		http_send_error(&r, &e);
		goto done;
	}
	router_dispatch(&r);
	admit_leave();
done:
	if (metrics_enabled())
		metrics_request(r.route, r.method, r.status,
		    (uint64_t)(http_elapsed_ms(&r) * 1000));
	/* The access line, escaped; skipped whole below the info level. */
	if (log_level >= LOG_LVL_INFO) {
		log_escape(path, sizeof(path), r.path ? r.path : "-",
		    r.path ? strlen(r.path) : 1);
		if (r.trace != NULL)
			log_escape(trace, sizeof(trace), r.trace,
			    strlen(r.trace));
		/* Whatever reaches the socket may send any method. */
		log_escape(field, sizeof(field), r.method ? r.method : "-",
		    r.method ? strlen(r.method) : 1);
		log_info("%s %s %d %.2fms %s%s%s", field, path, r.status,
		    http_elapsed_ms(&r), r.remote_addr ? r.remote_addr : "-",
		    r.trace ? " trace=" : "", r.trace ? trace : "");
	}
	log_set_reqid(NULL);
	log_set_instance(NULL);
}

int
fcgi_is_fastcgi(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	/* A listening socket on fd 0 answers getpeername with ENOTCONN. */
	return getpeername(0, (struct sockaddr *)&ss, &len) == -1 &&
	    errno == ENOTCONN;
}

/* Signals are let in at least once every this many requests in a row. */
#define BUSY_MAX	32

/*
 * The next connection on fd 0, accepted with signals blocked, or -1 when
 * stopping or when another worker took it.  A worker that has just served
 * a request takes a connection that is already waiting without a wait: under
 * load there nearly always is one, and the accept alone is one system call
 * instead of a wait and an accept, with no sibling woken to lose the race.
 * Otherwise it waits, signals allowed, in an epoll set with EPOLLEXCLUSIVE,
 * so a connection wakes one idle worker rather than all of them.  A pending
 * SIGTERM gets in at the latest after BUSY_MAX requests in a row (a wait
 * that returns at once).
 */
static int
next_connection(int ep, const sigset_t *waitmask, int *failures, int *busy)
{
	struct epoll_event	 ev;
	int			 fd;

	if (*busy == 0 || *busy >= BUSY_MAX) {
		if (epoll_pwait(ep, &ev, 1, *busy ? 0 : -1, waitmask) == -1) {
			if (errno != EINTR)
				fatal("epoll_pwait");
			return -1;
		}
		*busy = 0;
	}
	/* The listener is non-blocking: a sibling may have won the race. */
	if ((fd = accept4(0, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		*busy = 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED && errno != EINTR &&
		    ++*failures > 100)
			fatal("accept keeps failing; exiting");
		return -1;
	}
	*failures = 0;
	return fd;
}

/*
 * 1 when the request's input has been read to its end, reading what is
 * left of it (a GET's empty stdin record, usually in libfcgi's buffer
 * already) up to 64 KiB.
 */
static int
input_drained(FCGX_Request *rq)
{
	char	 buf[4096];
	int	 i, n;

	for (i = 0; i < 16; i++) {
		n = FCGX_GetStr(buf, sizeof(buf), rq->in);
		if (n < (int)sizeof(buf))
			return n >= 0 && FCGX_GetError(rq->in) == 0;
	}
	return 0;
}

/* 1 when fd 0 listens on a unix socket. */
static int
listener_is_unix(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	return getsockname(0, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_UNIX;
}

/* An epoll set that wakes this worker, exclusively, for fd 0. */
static int
listen_set(void)
{
	struct epoll_event	 ev;
	int			 ep;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) == -1)
		fatal("epoll on the listening socket");
	return ep;
}

int
fcgi_worker(const struct cfg *cfg, int pool_size, int signin)
{
	FCGX_Request	 rq;
	struct req_io	 io = { &rq, fcgi_param, fcgi_read, fcgi_write };
	struct arena	*a = arena_new();
	struct pool	*pool = pool_new(cfg);
	struct sigaction sa;
	sigset_t	 block, waitmask;
	struct apierr	 e;
	int		 failures = 0, busy = 0, fd, flags, ep, is_unix;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGUSR1);
	sigdelset(&waitmask, SIGINT);
	if ((flags = fcntl(0, F_GETFL)) == -1 ||
	    fcntl(0, F_SETFL, flags | O_NONBLOCK) == -1)
		fatal("fcntl on the listening socket");
	ep = listen_set();
	is_unix = listener_is_unix();
	pw_init(cfg);
	admit_init(cfg, pool_size, signin);
	/* Off, or failed (logged): the worker serves on, uncounted. */
	(void)metrics_proc_init(cfg);
	/* Hashes run niced, so a sign-in flood leaves the CPU to reads. */
	lowprio_start(HASH_NICE);
	/* The dummy hash now, not in the first unknown user's sign-in. */
	if (pw_warm(&e) == -1)
		log_warnx("cannot prepare the dummy hash: %s", e.msg);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, 0, 0) != 0)
		fatalx("cannot initialise libfcgi");
	log_debug("worker ready");
	while (!stopping) {
		if ((fd = next_connection(ep, &waitmask, &failures,
		    &busy)) == -1)
			continue;
		/*
		 * libfcgi reads the request from a connection we accepted.
		 * NOTE: FCGX_Accept_r first "finishes" the previous request,
		 * which would close this socket unless marked as kept.
		 */
		rq.ipcFd = fd;
		rq.keepConnection = 1;
		if (FCGX_Accept_r(&rq) < 0)
			continue;
		busy++;
		serve(&io, cfg, pool, a);
		/*
		 * libfcgi would shut the connection down and wait for the web
		 * server to close its end first (a lingering close, so that
		 * unread input cannot reset the response), holding this worker
		 * for a round trip and a sleep on every request.  A unix
		 * socket whose input is all read is closed at once instead.
		 */
		if (is_unix && input_drained(&rq))
			rq.keepConnection = 1;
		FCGX_Finish_r(&rq);
		/* A kept connection (fastcgi_keep_conn) would pin this worker. */
		if (rq.ipcFd >= 0) {
			close(rq.ipcFd);
			rq.ipcFd = -1;
		}
		arena_reset(a);
	}
	FCGX_Free(&rq, 1);
	pool_free(pool);
	arena_free(a);
	return 0;
}

int
fcgi_cgi(const struct cfg *cfg)
{
	struct req_io	 io = { NULL, cgi_param, cgi_read, cgi_write };
	struct arena	*a = arena_new();
	struct pool	*pool = pool_new(cfg);

	signal(SIGPIPE, SIG_IGN);
	pw_init(cfg);
	admit_init(cfg, 0, 0);
	(void)metrics_proc_init(cfg);
	serve(&io, cfg, pool, a);
	pool_free(pool);
	arena_free(a);
	return 0;
}
