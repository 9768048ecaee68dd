/*
 * metrics.c -- the shared counter block and its text exposition.  The
 * block is one fixed-size struct: every counter has its place, found by
 * index (route, method, status, instance slot), so a request adds to it
 * with a few relaxed atomic adds and never takes a lock.  Readers sum
 * nothing: they read each counter once.  A counter only grows; a gauge
 * (workers alive) is stored by the master alone.
 *
 * Instance names live in the block too, in slots handed out by name and
 * never reused, so a reload that reorders or adds instances cannot make
 * one instance's counts another's.  Slot 0 is the default instance.
 *
 * Hosted instances (thousands, made at run time) get METRICS_TOP slots of
 * their own, the top talkers by requests, kept with the Space-Saving
 * algorithm: a new name takes the slot of the quietest one, whose counts
 * move to "(other)" and whose score (requests, an over-estimate) it
 * inherits, so any instance with more than 1/METRICS_TOP of the hosted
 * requests keeps its slot.  A taken-over slot starts its counters at zero:
 * each series counts only its own instance.  Slots change hands under a
 * spin lock in the block; counting takes no lock, so a request in flight
 * during a takeover may count once for the new name.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cfg.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "version.h"
#include "banned.h"

#define MAGIC		0x3143525445534d55ULL	/* "UMSETRC1" */
#define NMETHODS	8
#define NSTATUS		(HTTP_STATUS__MAX + 1)	/* errors.def's, and "other" */
#define HTTP_BUCKETS	13
#define PG_BUCKETS	13
#define TOP0		(CFG_MAX_INSTANCES + 1)	/* the first hosted slot */
#define NSLOTS		(TOP0 + METRICS_TOP + 1)
#define SLOT_OTHER	(NSLOTS - 1)	/* instances past the table's room */
#define ROUTE_NONE	METRICS_ROUTES	/* no route matched the path */

static const char *const methods[NMETHODS] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"
};

/* Upper bounds (le) in microseconds, and as the label prints them. */
static const uint64_t http_le_us[HTTP_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
static const char *const http_le[HTTP_BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10"
};
static const uint64_t pg_le_us[PG_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 1000000, 5000000
};
static const char *const pg_le[PG_BUCKETS] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
	"0.025", "0.05", "0.1", "0.25", "1", "5"
};

static const char *const signin_results[MET_SIGNIN__MAX] = {
	"success", "wrong_password", "unknown_user", "inactive", "throttled",
	"hash_slots_busy", "invalid", "error"
};

/* The kinds of usersd_pg_errors_total, in enum metrics_pgerr order. */
static const char *const pgerr_kinds[PGERR__MAX] = {
	"unique_violation", "check_violation", "foreign_key_violation",
	"raised", "refused", "unavailable", "other", "connect"
};

/* Only uint64_t counters: a takeover adds them up as an array. */
struct slot {
	uint64_t	 requests;
	uint64_t	 refused[2];	/* answered 429, 503 */
	uint64_t	 signins[MET_SIGNIN__MAX];
	uint64_t	 sessions_created;
	uint64_t	 sessions_ended;
	uint64_t	 pg_errors[PGERR__MAX];
	uint64_t	 pg_reconnects;
	uint64_t	 pg_bucket[PG_BUCKETS + 1];	/* not cumulative */
	uint64_t	 pg_sum_us;
};

struct block {
	uint64_t	 magic;
	uint64_t	 size;
	uint32_t	 nslots;		/* slots named so far */
	uint32_t	 master;		/* a master keeps the workers */
	char		 names[NSLOTS][CFG_NAME_MAX];
	uint64_t	 requests[METRICS_ROUTES + 1][NMETHODS][NSTATUS];
	uint64_t	 http_bucket[METRICS_ROUTES + 1][NMETHODS]
			    [HTTP_BUCKETS + 1];	/* not cumulative */
	uint64_t	 http_sum_us[METRICS_ROUTES + 1][NMETHODS];
	struct slot	 slots[NSLOTS];
	uint64_t	 top_score[METRICS_TOP];
	uint32_t	 top_lock;	/* 1 while a hosted slot changes hands */
	uint64_t	 workers_alive[2];
	uint64_t	 workers_started[2];
	uint64_t	 workers_died[2];
};

static struct block	*mapped;	/* the block this process mapped */
static struct block	*blk;		/* the one it counts into, or NULL */
static int		 under_master;	/* forked by a master: never a file */
static const struct cfg	*pcfg;
static uint16_t		 slot_of[CFG_MAX_INSTANCES];	/* cfg index -> slot */
static int		 cur = -1;	/* the request's slot, -1 none */

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
block_init(struct block *b)
{
	memset(b, 0, sizeof(*b));
	b->magic = MAGIC;
	b->size = sizeof(*b);
	b->nslots = 1;		/* slot 0, "", is the default instance */
	snprintf(b->names[SLOT_OTHER], CFG_NAME_MAX, "(other)");
}

/*
 * The slot of name, or SLOT_OTHER; with may_add, a missing name gets the
 * next free slot.  Only one process adds at a time (the master, or the
 * holder of the file's lock), and the name is in place before the count
 * that makes it visible.
 */
static int
slot_find(struct block *b, const char *name, int may_add)
{
	uint32_t	 i, n = __atomic_load_n(&b->nslots, __ATOMIC_ACQUIRE);

	for (i = 1; i < n && i < TOP0; i++)
		if (strcmp(b->names[i], name) == 0)
			return (int)i;
	if (!may_add || n >= TOP0)
		return SLOT_OTHER;
	snprintf(b->names[n], CFG_NAME_MAX, "%s", name);
	__atomic_store_n(&b->nslots, n + 1, __ATOMIC_RELEASE);
	return (int)n;
}

static void
map_instances(struct block *b, const struct cfg *c, int may_add)
{
	size_t	 i;

	for (i = 0; i < c->ninstances; i++)
		slot_of[i] = (uint16_t)slot_find(b, c->instances[i].name,
		    may_add);
}

int
metrics_master_init(const struct cfg *c)
{
	void	*p;

	under_master = 1;
	if (c->metrics == METRICS_OFF && mapped == NULL)
		return 0;
	if (mapped == NULL) {
		p = mmap(NULL, sizeof(struct block), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			log_warn("cannot map the metrics block");
			return -1;
		}
		mapped = p;
		block_init(mapped);
		mapped->master = 1;
	}
	map_instances(mapped, c, 1);
	return 0;
}

void
metrics_worker_started(int signin)
{
	if (mapped != NULL)
		add(&mapped->workers_started[signin != 0], 1);
}

void
metrics_worker_died(int signin)
{
	if (mapped != NULL)
		add(&mapped->workers_died[signin != 0], 1);
}

void
metrics_workers_alive(int main_pool, int signin_pool)
{
	if (mapped == NULL)
		return;
	__atomic_store_n(&mapped->workers_alive[0], (uint64_t)main_pool,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&mapped->workers_alive[1], (uint64_t)signin_pool,
	    __ATOMIC_RELAXED);
}

/*
 * Maps run_dir/usersd-metrics-UID.shm, creating or replacing it under its
 * lock.  A file of another layout (another version) is unlinked, not
 * truncated: a process still mapping it must not fault.
 */
static struct block *
map_file(const struct cfg *c)
{
	char		 path[512];
	struct stat	 st, now;
	struct block	*b;
	void		*p;
	int		 fd, tries, fresh;

	snprintf(path, sizeof(path), "%s/usersd-metrics-%u.shm", c->run_dir,
	    (unsigned)geteuid());
	for (tries = 0; tries < 3; tries++) {
		fresh = 0;
		if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) == -1) {
			log_warn("metrics file %s", path);
			return NULL;
		}
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1)
			goto fail;
		/* Replaced while we waited for the lock: take the new one. */
		if (stat(path, &now) == -1 || now.st_ino != st.st_ino ||
		    now.st_dev != st.st_dev) {
			close(fd);
			continue;
		}
		if (st.st_size == 0) {
			if (ftruncate(fd, (off_t)sizeof(struct block)) == -1)
				goto fail;
			fresh = 1;
		} else if (st.st_size != (off_t)sizeof(struct block)) {
			unlink(path);
			close(fd);
			continue;
		}
		p = mmap(NULL, sizeof(struct block), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			goto fail;
		b = p;
		if (!fresh && (b->magic != MAGIC || b->size != sizeof(*b))) {
			munmap(p, sizeof(*b));
			unlink(path);
			close(fd);
			continue;
		}
		if (fresh)
			block_init(b);
		map_instances(b, c, 1);
		/* Explicitly: the mapping holds the file open, and its lock. */
		flock(fd, LOCK_UN);
		close(fd);
		return b;
	}
	log_warnx("metrics file %s keeps changing; not counting", path);
	return NULL;
fail:
	log_warn("metrics file %s", path);
	close(fd);
	return NULL;
}

int
metrics_proc_init(const struct cfg *c)
{
	pcfg = c;
	blk = NULL;
	cur = -1;
	if (c->metrics == METRICS_OFF)
		return 0;
	if (!under_master && mapped == NULL)
		mapped = map_file(c);
	else if (mapped != NULL)
		map_instances(mapped, c, 0);
	blk = mapped;
	return blk != NULL ? 0 : -1;
}

int
metrics_enabled(void)
{
	return blk != NULL;
}

void
metrics_set_instance(const char *name)
{
	const char	*server;
	size_t		 i;

	cur = -1;
	if (blk == NULL)
		return;
	if (name == NULL || *name == '\0') {
		cur = 0;
		return;
	}
	for (i = 0; i < pcfg->ninstances; i++)
		if (strcmp(pcfg->instances[i].name, name) == 0) {
			cur = slot_of[i];
			return;
		}
	/*
	 * A hosted name counts as "(other)", which no tenant's view shows,
	 * until metrics_set_hosted finds it served.  Without hosting, an
	 * unknown name is answered 503: it counts for no instance.
	 */
	if (cfg_server(pcfg, 0, &server) != NULL)
		cur = SLOT_OTHER;
}

/* The top slot named name, or -1. */
static int
top_find(const struct block *b, const char *name)
{
	int	 k;

	for (k = 0; k < METRICS_TOP; k++)
		if (strcmp(b->names[TOP0 + k], name) == 0)
			return TOP0 + k;
	return -1;
}

/*
 * Gives name the quietest top slot (Space-Saving), its counts moved to
 * "(other)".  The slot, or SLOT_OTHER when the lock stays busy.
 */
static int
top_take(struct block *b, const char *name)
{
	uint64_t	*from, *to;
	size_t		 j;
	int		 k, tries, min = 0, i;

	for (tries = 0; __atomic_exchange_n(&b->top_lock, 1,
	    __ATOMIC_ACQUIRE) != 0; tries++) {
		if (tries > 100)
			return SLOT_OTHER;
		sched_yield();
	}
	if ((i = top_find(b, name)) != -1)
		goto out;
	for (k = 0; k < METRICS_TOP; k++) {
		if (b->names[TOP0 + k][0] == '\0') {
			min = k;
			break;
		}
		if (get(&b->top_score[k]) < get(&b->top_score[min]))
			min = k;
	}
	i = TOP0 + min;
	from = (uint64_t *)&b->slots[i];
	to = (uint64_t *)&b->slots[SLOT_OTHER];
	for (j = 0; j < sizeof(struct slot) / sizeof(uint64_t); j++)
		add(&to[j], __atomic_exchange_n(&from[j], 0,
		    __ATOMIC_RELAXED));
	snprintf(b->names[i], CFG_NAME_MAX, "%s", name);
 out:
	__atomic_store_n(&b->top_lock, 0, __ATOMIC_RELEASE);
	return i;
}

void
metrics_set_hosted(const char *name)
{
	if (blk == NULL || cur != SLOT_OTHER || name == NULL || *name == '\0')
		return;
	if ((cur = top_find(blk, name)) == -1)
		cur = top_take(blk, name);
}

static int
method_index(const char *m)
{
	int	 i;

	if (m != NULL)
		for (i = 0; i < NMETHODS - 1; i++)
			if (strcmp(methods[i], m) == 0)
				return i;
	return NMETHODS - 1;
}

static int
bucket(const uint64_t *le, int n, uint64_t us)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (us <= le[i])
			return i;
	return n;
}

void
metrics_request(int route, const char *method, int status, uint64_t us)
{
	int	 r, m;

	if (blk == NULL)
		return;
	r = route < 0 || route >= METRICS_ROUTES ? ROUTE_NONE : route;
	m = method_index(method);
	add(&blk->requests[r][m][apierr_status_row(status)], 1);
	add(&blk->http_bucket[r][m][bucket(http_le_us, HTTP_BUCKETS, us)], 1);
	add(&blk->http_sum_us[r][m], us);
	if (cur < 0)
		return;
	add(&blk->slots[cur].requests, 1);
	if (cur >= TOP0 && cur < SLOT_OTHER)
		add(&blk->top_score[cur - TOP0], 1);
	if (status == 429 || status == 503)
		add(&blk->slots[cur].refused[status == 503], 1);
}

void
metrics_signin(enum metrics_signin o)
{
	if (blk != NULL && cur >= 0 && o < MET_SIGNIN__MAX)
		add(&blk->slots[cur].signins[o], 1);
}

void
metrics_session_created(void)
{
	if (blk != NULL && cur >= 0)
		add(&blk->slots[cur].sessions_created, 1);
}

void
metrics_session_ended(void)
{
	if (blk != NULL && cur >= 0)
		add(&blk->slots[cur].sessions_ended, 1);
}

void
metrics_pg_statement(enum metrics_pgerr k, uint64_t us)
{
	struct slot	*s;

	if (blk == NULL || cur < 0)
		return;
	s = &blk->slots[cur];
	add(&s->pg_bucket[bucket(pg_le_us, PG_BUCKETS, us)], 1);
	add(&s->pg_sum_us, us);
	if (k != PGERR_NONE)
		add(&s->pg_errors[k], 1);
}

void
metrics_pg_connect_failed(void)
{
	if (blk != NULL && cur >= 0)
		add(&blk->slots[cur].pg_errors[PGERR_CONNECT], 1);
}

void
metrics_pg_reconnect(void)
{
	if (blk != NULL && cur >= 0)
		add(&blk->slots[cur].pg_reconnects, 1);
}

uint64_t
metrics_now_us(void)
{
	struct timespec	 ts;

	if (blk == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------ exposition */

/* A label value: backslash, double quote and newline escaped. */
static void
label_value(struct abuf *o, const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p == '\\')
			abuf_adds(o, "\\\\");
		else if (*p == '"')
			abuf_adds(o, "\\\"");
		else if (*p == '\n')
			abuf_adds(o, "\\n");
		else
			abuf_add(o, p, 1);
}

static void
family(struct abuf *o, const char *name, const char *type, const char *help)
{
	abuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The instance label of slot i (the default instance has no name). */
static const char *
slot_label(const struct block *b, int i)
{
	return i == 0 ? "(default)" : b->names[i];
}

static void
instance_label(struct abuf *o, const struct block *b, int i)
{
	abuf_adds(o, "usersd_instance=\"");
	label_value(o, slot_label(b, i));
	abuf_adds(o, "\"");
}

static const char *
route_label(const struct metrics_view *v, int r)
{
	if (r == ROUTE_NONE || (size_t)r >= v->nroutes)
		return "(unmatched)";
	return v->routes[r];
}

/* HTTP label sets, in the order InfluxDB's own series print them. */
static void
http_labels(struct abuf *o, const struct metrics_view *v, int r, int m)
{
	abuf_printf(o, "handler=\"usersd\",method=\"%s\",path=\"",
	    methods[m]);
	label_value(o, route_label(v, r));
	abuf_adds(o, "\"");
}

static void
render_http(struct abuf *o, const struct block *b,
    const struct metrics_view *v)
{
	uint64_t	 n, cum;
	int		 r, m, s, k;

	family(o, "http_api_requests_total", "counter",
	    "Number of http requests received, by route pattern, method and "
	    "status");
	for (r = 0; r <= METRICS_ROUTES; r++)
		for (m = 0; m < NMETHODS; m++)
			for (s = 0; s < NSTATUS; s++) {
				if ((n = get(&b->requests[r][m][s])) == 0)
					continue;
				abuf_adds(o, "http_api_requests_total{");
				http_labels(o, v, r, m);
				if (s < NSTATUS - 1)
					abuf_printf(o, ",response_code=\"%d\","
					    "status=\"%dXX\"", apierr_row_status(s),
					    apierr_row_status(s) / 100);
				else
					abuf_adds(o, ",response_code=\"other\","
					    "status=\"other\"");
				abuf_printf(o, "} %llu\n",
				    (unsigned long long)n);
			}
	family(o, "http_api_request_duration_seconds", "histogram",
	    "Time taken to respond to HTTP request, by route pattern and "
	    "method");
	for (r = 0; r <= METRICS_ROUTES; r++)
		for (m = 0; m < NMETHODS; m++) {
			uint64_t c[HTTP_BUCKETS + 1];

			for (n = 0, k = 0; k <= HTTP_BUCKETS; k++)
				n += c[k] = get(&b->http_bucket[r][m][k]);
			if (n == 0)
				continue;
			for (cum = 0, k = 0; k <= HTTP_BUCKETS; k++) {
				cum += c[k];
				abuf_adds(o,
				    "http_api_request_duration_seconds_bucket{");
				http_labels(o, v, r, m);
				abuf_printf(o, ",le=\"%s\"} %llu\n",
				    k < HTTP_BUCKETS ? http_le[k] : "+Inf",
				    (unsigned long long)cum);
			}
			abuf_adds(o, "http_api_request_duration_seconds_sum{");
			http_labels(o, v, r, m);
			abuf_printf(o, "} %.6f\n",
			    (double)get(&b->http_sum_us[r][m]) / 1e6);
			abuf_adds(o, "http_api_request_duration_seconds_count{");
			http_labels(o, v, r, m);
			abuf_printf(o, "} %llu\n", (unsigned long long)cum);
		}
}

/* One counter line per shown slot: name{usersd_instance="x"[,extra]} n. */
static void
slot_line(struct abuf *o, const struct block *b, const char *name, int i,
    const char *extra, uint64_t n)
{
	abuf_printf(o, "%s{", name);
	instance_label(o, b, i);
	if (extra != NULL)
		abuf_printf(o, ",%s", extra);
	abuf_printf(o, "} %llu\n", (unsigned long long)n);
}

/* The slots shown: those that served a request (and match the filter). */
static int
slot_shown(const struct block *b, int i, const struct metrics_view *v)
{
	if (get(&b->slots[i].requests) == 0)
		return 0;
	if (v->only_instance == NULL)
		return 1;
	if (i == SLOT_OTHER)
		return 0;
	return strcmp(i == 0 ? "" : b->names[i], v->only_instance) == 0;
}

static void
render_slots(struct abuf *o, const struct block *b,
    const struct metrics_view *v)
{
	char		 extra[64];
	uint64_t	 c[PG_BUCKETS + 1], cum;
	uint32_t	 n = __atomic_load_n(&b->nslots, __ATOMIC_ACQUIRE);
	int		 i, k, last = n < TOP0 ? (int)n : TOP0;
	const struct slot *s;

#define EACH_SLOT	for (i = 0; i <= SLOT_OTHER; i++) \
			    if ((i < last || i >= TOP0) && \
			    slot_shown(b, i, v))
	family(o, "usersd_instance_requests_total", "counter",
	    "Requests served, by instance");
	EACH_SLOT
		slot_line(o, b, "usersd_instance_requests_total", i, NULL,
		    get(&b->slots[i].requests));
	family(o, "usersd_instance_refused_total", "counter",
	    "Requests answered 429 (too many) or 503 (unavailable), by "
	    "instance and status");
	EACH_SLOT
		for (k = 0; k < 2; k++)
			slot_line(o, b, "usersd_instance_refused_total", i,
			    k == 0 ? "status=\"429\"" : "status=\"503\"",
			    get(&b->slots[i].refused[k]));
	family(o, "usersd_signins_total", "counter",
	    "Sign-in attempts, by instance and result");
	EACH_SLOT
		for (k = 0; k < MET_SIGNIN__MAX; k++) {
			snprintf(extra, sizeof(extra), "result=\"%s\"",
			    signin_results[k]);
			slot_line(o, b, "usersd_signins_total", i, extra,
			    get(&b->slots[i].signins[k]));
		}
	family(o, "usersd_sessions_created_total", "counter",
	    "Sessions opened by a sign-in, by instance");
	EACH_SLOT
		slot_line(o, b, "usersd_sessions_created_total", i, NULL,
		    get(&b->slots[i].sessions_created));
	family(o, "usersd_sessions_ended_total", "counter",
	    "Sessions ended by a sign-out, by instance");
	EACH_SLOT
		slot_line(o, b, "usersd_sessions_ended_total", i, NULL,
		    get(&b->slots[i].sessions_ended));
	family(o, "usersd_pg_errors_total", "counter",
	    "Failed PostgreSQL statements and connection attempts, by "
	    "instance and kind");
	EACH_SLOT
		for (k = 0; k < PGERR__MAX; k++) {
			snprintf(extra, sizeof(extra), "kind=\"%s\"",
			    pgerr_kinds[k]);
			slot_line(o, b, "usersd_pg_errors_total", i, extra,
			    get(&b->slots[i].pg_errors[k]));
		}
	family(o, "usersd_pg_reconnects_total", "counter",
	    "PostgreSQL connections found broken and reopened, by instance");
	EACH_SLOT
		slot_line(o, b, "usersd_pg_reconnects_total", i, NULL,
		    get(&b->slots[i].pg_reconnects));
	family(o, "usersd_pg_statement_duration_seconds", "histogram",
	    "Time a PostgreSQL statement took, reconnects included, by "
	    "instance");
	EACH_SLOT {
		s = &b->slots[i];
		for (k = 0; k <= PG_BUCKETS; k++)
			c[k] = get(&s->pg_bucket[k]);
		for (cum = 0, k = 0; k <= PG_BUCKETS; k++) {
			cum += c[k];
			snprintf(extra, sizeof(extra), "le=\"%s\"",
			    k < PG_BUCKETS ? pg_le[k] : "+Inf");
			slot_line(o, b, "usersd_pg_statement_duration_seconds"
			    "_bucket", i, extra, cum);
		}
		abuf_adds(o, "usersd_pg_statement_duration_seconds_sum{");
		instance_label(o, b, i);
		abuf_printf(o, "} %.6f\n", (double)get(&s->pg_sum_us) / 1e6);
		slot_line(o, b, "usersd_pg_statement_duration_seconds_count",
		    i, NULL, cum);
	}
#undef EACH_SLOT
}

static void
render_host(struct abuf *o, const struct block *b,
    const struct metrics_view *v)
{
	static const char *const pools[2] = { "main", "signin" };
	int	 p;

	if (b->master) {
		family(o, "usersd_workers_alive", "gauge",
		    "Workers the master has running, by pool");
		for (p = 0; p < 2; p++)
			abuf_printf(o, "usersd_workers_alive{pool=\"%s\"} "
			    "%llu\n", pools[p],
			    (unsigned long long)get(&b->workers_alive[p]));
		family(o, "usersd_workers_started_total", "counter",
		    "Workers the master has started, by pool");
		for (p = 0; p < 2; p++)
			abuf_printf(o, "usersd_workers_started_total{pool="
			    "\"%s\"} %llu\n", pools[p],
			    (unsigned long long)get(&b->workers_started[p]));
		family(o, "usersd_workers_died_total", "counter",
		    "Workers that exited unasked (crashed or killed), by pool");
		for (p = 0; p < 2; p++)
			abuf_printf(o, "usersd_workers_died_total{pool=\"%s\"} "
			    "%llu\n", pools[p],
			    (unsigned long long)get(&b->workers_died[p]));
	}
	family(o, "usersd_hash_slots", "gauge",
	    "Password hashes that may run at once on this host "
	    "(hash_concurrency)");
	abuf_printf(o, "usersd_hash_slots %d\n", v->hash_slots);
	if (v->hash_busy >= 0) {
		family(o, "usersd_hash_slots_in_use", "gauge",
		    "Hash slots held right now, on this host");
		abuf_printf(o, "usersd_hash_slots_in_use %d\n", v->hash_busy);
	}
}

/*
 * Token hygiene, read from the database of the instance serving the
 * scrape: what its operator may see, and no other instance's.
 */
static void
render_tokens(struct abuf *o, const struct metrics_view *v)
{
	static const char *const states[3] = { "used_1d", "expired",
	    "expiring_7d" };
	const long long	 n[3] = { v->tokens->used_day, v->tokens->expired,
	    v->tokens->expiring };
	int		 k;

	family(o, "usersd_tokens", "gauge", "Tokens of the instance serving "
	    "this scrape: used in the last day, expired (kept until "
	    "deleted), expiring within 7 days");
	for (k = 0; k < 3; k++) {
		abuf_adds(o, "usersd_tokens{usersd_instance=\"");
		label_value(o, *v->tokens_instance ? v->tokens_instance :
		    "(default)");
		abuf_printf(o, "\",state=\"%s\"} %lld\n", states[k], n[k]);
	}
}

void
metrics_render(struct abuf *o, const struct metrics_view *v)
{
	if (blk == NULL)
		return;
	family(o, "usersd_build_info", "gauge",
	    "Always 1; the labels name this build");
	abuf_printf(o, "usersd_build_info{influxdb_api=\"%s\",version=\"%s\"}"
	    " 1\n", USERSD_COMPAT_VERSION, USERSD_VERSION);
	/* One instance's view leaves out what the others add to. */
	if (v->only_instance == NULL) {
		render_http(o, blk, v);
		render_host(o, blk, v);
	}
	render_slots(o, blk, v);
	if (v->tokens != NULL)
		render_tokens(o, v);
}
