/*
 * metrics.h -- counters for GET /metrics (Prometheus text format 0.0.4).
 * One block of counters is shared by every process that serves the same
 * requests: an anonymous shared mapping that the master makes before it
 * forks (every worker of the master adds to it), or, without a master
 * (mod_fcgid, lighttpd bin-path, CGI), the file usersd-metrics-UID.shm in
 * run_dir that every process maps.  Updates are relaxed atomic adds into
 * fixed-size arrays: no lock, no allocation on the request path.  With
 * metrics = off nothing is mapped and every call below returns at once.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct abuf;
struct cfg;

/* Distinct route patterns the store has room for (router.c has ~20). */
#define METRICS_ROUTES		40
/* Hosted instances with series of their own: the busiest this many. */
#define METRICS_TOP		32

/* Sign-in outcomes (usersd_signins_total{result}). */
enum metrics_signin {
	MET_SIGNIN_SUCCESS = 0,
	MET_SIGNIN_WRONG_PASSWORD,	/* a known user, not its password */
	MET_SIGNIN_UNKNOWN_USER,
	MET_SIGNIN_INACTIVE,		/* right password, inactive user */
	MET_SIGNIN_THROTTLED,		/* name or address blocked: 429 */
	MET_SIGNIN_HASH_BUSY,		/* every hash slot busy: 429 */
	MET_SIGNIN_INVALID,		/* no usable Basic credentials */
	MET_SIGNIN_ERROR,		/* database or internal failure */
	MET_SIGNIN__MAX
};

/*
 * The master: maps the shared block (once) when cfg turns metrics on and
 * registers cfg's instance names; again after each reload, before the new
 * workers fork.  0, or -1 when the mapping failed (logged; no metrics).
 */
int	metrics_master_init(const struct cfg *);
/* The master's worker bookkeeping; signin: 1 for the sign-in pool. */
void	metrics_worker_started(int signin);
void	metrics_worker_died(int signin);
void	metrics_workers_alive(int main_pool, int signin_pool);

/*
 * A serving process: uses the master's block when there is one, else maps
 * the shared file in run_dir (creating it).  Builds this process's map
 * from cfg's instances to the block's.  0, or -1 when metrics are on but
 * no block could be had (logged; /metrics then answers 503).
 */
int	metrics_proc_init(const struct cfg *);
/* 1 when this process counts (and can serve /metrics). */
int	metrics_enabled(void);

/* The instance of the request now being served (NULL: the default). */
void	metrics_set_instance(const char *name);
/*
 * The request's instance is a hosted one that exists (the pool found it):
 * its counts go to its own series while it is among the METRICS_TOP
 * busiest hosted instances, else to "(other)".
 */
void	metrics_set_hosted(const char *name);
/*
 * One response: route is the router's pattern index or -1 (no route
 * matched), method the request's, status the one sent, us its duration.
 */
void	metrics_request(int route, const char *method, int status,
	    uint64_t us);
void	metrics_signin(enum metrics_signin);
void	metrics_session_created(void);
void	metrics_session_ended(void);
/* The failure classes of a statement (usersd_pg_errors_total{kind}). */
enum metrics_pgerr {
	PGERR_NONE = -1,	/* it succeeded */
	PGERR_UNIQUE = 0,
	PGERR_CHECK,
	PGERR_FOREIGN,
	PGERR_RAISED,
	PGERR_REFUSED,
	PGERR_UNAVAILABLE,
	PGERR_OTHER,
	PGERR_CONNECT,		/* a connection attempt failed */
	PGERR__MAX
};

/* A statement's outcome and duration, from db.c. */
void	metrics_pg_statement(enum metrics_pgerr, uint64_t us);
void	metrics_pg_connect_failed(void);
void	metrics_pg_reconnect(void);
/* Microseconds on the monotonic clock, for the durations above. */
uint64_t metrics_now_us(void);

/* What the exposition needs from outside the store. */
struct metrics_view {
	const char	*const *routes;	/* pattern of each route index */
	size_t		 nroutes;
	const char	*only_instance;	/* NULL: everything; else only the
					 * series of this instance ("" the
					 * default one) */
	int		 hash_slots;	/* hash_concurrency */
	int		 hash_busy;	/* slots held now, -1 unknown */
	/* The tokens of the instance serving the scrape, or NULL. */
	const struct token_stats *tokens;
	const char	*tokens_instance;	/* its name ("": default) */
};

/* Appends the text exposition (format 0.0.4) to out. */
void	metrics_render(struct abuf *out, const struct metrics_view *);

#endif
