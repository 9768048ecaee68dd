/*
 * test_metrics.c -- the counter block and the text exposition (format
 * 0.0.4): the lines a request, a sign-in or a statement adds, histogram
 * buckets (cumulative, le inclusive, +Inf equal to _count), label
 * escaping, instance slots that survive a reload, one instance's view,
 * metrics = off, and the shared file of processes without a master.
 * Every rendered text also goes through a checker of the format's rules.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <stdlib.h>

#include "metrics.c"

#include "router.h"
#include "tap.h"

static const char *const routes[] = { "/health", "/ping",
    "/api/v2/users/:id" };

static struct metrics_view
view(void)
{
	struct metrics_view	 v;

	memset(&v, 0, sizeof(v));
	v.routes = routes;
	v.nroutes = 3;
	v.hash_slots = 2;
	v.hash_busy = 1;
	return v;
}

static char *
render(struct arena *a, const struct metrics_view *v)
{
	struct abuf	 o;

	abuf_init(&o, a, 1024);
	metrics_render(&o, v);
	return o.data;
}

/* 1 when text holds line as a whole line. */
static int
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' ||
		    p[n] == '\0'))
			return 1;
		p++;
	}
	return 0;
}

static int
name_char(int c, int first)
{
	return isalpha(c) || c == '_' || c == ':' || (!first && isdigit(c));
}

/*
 * The format's rules, line by line: "# HELP name text", "# TYPE name
 * type" once per family and before its samples, samples as
 * name{label="value",...} number with legal names and escapes, each
 * series once.  Returns NULL, or what is wrong (static buffer).
 */
static const char *
check_format(const char *text)
{
	static char	 why[256];
	char		 types[64][128], seen[2048][256], fam[128], *end;
	const char	*p = text, *nl, *q;
	size_t		 ntypes = 0, nseen = 0, i, len;
	int		 lineno = 0;

	while (*p != '\0') {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL)
			return "the text does not end with a newline";
		len = (size_t)(nl - p);
		if (strncmp(p, "# TYPE ", 7) == 0) {
			q = p + 7;
			for (i = 0; name_char((unsigned char)q[i], i == 0);
			    i++)
				;
			if (i == 0 || i >= sizeof(fam) || q[i] != ' ')
				goto bad;
			if (strncmp(q + i + 1, "counter\n", 8) != 0 &&
			    strncmp(q + i + 1, "gauge\n", 6) != 0 &&
			    strncmp(q + i + 1, "histogram\n", 10) != 0)
				goto bad;
			for (size_t k = 0; k < ntypes; k++)
				if (strlen(types[k]) == i &&
				    strncmp(types[k], q, i) == 0)
					goto bad;
			snprintf(types[ntypes++], sizeof(types[0]), "%.*s",
			    (int)i, q);
		} else if (strncmp(p, "# HELP ", 7) == 0) {
			if (!name_char((unsigned char)p[7], 1))
				goto bad;
		} else {
			for (i = 0; name_char((unsigned char)p[i], i == 0);
			    i++)
				;
			if (i == 0)
				goto bad;
			snprintf(fam, sizeof(fam), "%.*s", (int)i, p);
			/* A histogram's series belong to its family. */
			for (size_t k = 0; k < ntypes; k++) {
				size_t tl = strlen(types[k]);

				if (strncmp(fam, types[k], tl) == 0 &&
				    (fam[tl] == '\0' ||
				    strcmp(fam + tl, "_bucket") == 0 ||
				    strcmp(fam + tl, "_sum") == 0 ||
				    strcmp(fam + tl, "_count") == 0))
					goto typed;
			}
			snprintf(why, sizeof(why), "line %d: %s has no TYPE "
			    "before it", lineno, fam);
			return why;
typed:
			q = p + i;
			if (*q == '{') {
				for (q++; *q != '}'; ) {
					for (i = 0; name_char((unsigned char)
					    q[i], i == 0); i++)
						;
					if (i == 0 || q[i] != '=' ||
					    q[i + 1] != '"')
						goto bad;
					for (q += i + 2; *q != '"'; q++) {
						if (*q == '\n' || *q == '\0')
							goto bad;
						if (*q == '\\' && q[1] != '\\' &&
						    q[1] != '"' && q[1] != 'n')
							goto bad;
						if (*q == '\\')
							q++;
					}
					q++;
					if (*q == ',')
						q++;
					else if (*q != '}')
						goto bad;
				}
				q++;
			}
			if (*q != ' ')
				goto bad;
			strtod(q + 1, &end);
			if (end == q + 1 || end != nl)
				goto bad;
			for (i = 0; i < nseen; i++)
				if (strncmp(seen[i], p, (size_t)(q - p)) == 0 &&
				    seen[i][q - p] == '\0') {
					snprintf(why, sizeof(why), "line %d: "
					    "a second sample of %.*s", lineno,
					    (int)(q - p), p);
					return why;
				}
			if (nseen < 2048 && (size_t)(q - p) < sizeof(seen[0]))
				snprintf(seen[nseen++], sizeof(seen[0]), "%.*s",
				    (int)(q - p), p);
		}
		p = nl + 1;
	}
	return NULL;
bad:
	snprintf(why, sizeof(why), "line %d is malformed: %.*s", lineno,
	    (int)len, p);
	return why;
}

static void
test_checker(void)
{
	ok(check_format("# TYPE a counter\na{x=\"1\"} 2\n") == NULL,
	    "the checker passes a good text");
	ok(check_format("a 1\n") != NULL, "it refuses a sample without TYPE");
	ok(check_format("# TYPE a counter\na{x=\"1\"} 2\na{x=\"1\"} 3\n") !=
	    NULL, "it refuses a series twice");
	ok(check_format("# TYPE a counter\na{x=\"\\q\"} 2\n") != NULL,
	    "it refuses a bad escape");
	ok(check_format("# TYPE a counter\n# TYPE a gauge\n") != NULL,
	    "it refuses a second TYPE");
	ok(check_format("# TYPE a counter\na{x=\"1\"} two\n") != NULL,
	    "it refuses a value that is no number");
}

static void
test_requests(struct arena *a, struct cfg *c)
{
	struct metrics_view	 v = view();
	const char		*t, *why;

	metrics_set_instance(NULL);
	metrics_request(0, "GET", 200, 1500);
	metrics_request(0, "GET", 200, 2500);	/* le is inclusive */
	metrics_request(0, "GET", 200, 900);
	metrics_request(2, "DELETE", 401, 40);
	metrics_request(-1, "BREW", 418, 20000000);
	metrics_request(METRICS_ROUTES + 5, "GET", 404, 10);
	t = render(a, &v);
	why = check_format(t);
	ok(why == NULL, "the exposition is well formed%s%s",
	    why ? ": " : "", why ? why : "");
	ok(has_line(t, "# TYPE http_api_requests_total counter"),
	    "requests are a counter");
	ok(has_line(t, "http_api_requests_total{handler=\"usersd\",method="
	    "\"GET\",path=\"/health\",response_code=\"200\",status=\"2XX\"} 3"),
	    "three GET /health 200, labelled by the route pattern");
	ok(has_line(t, "http_api_requests_total{handler=\"usersd\",method="
	    "\"DELETE\",path=\"/api/v2/users/:id\",response_code=\"401\","
	    "status=\"4XX\"} 1"), "a pattern with a parameter is its label");
	ok(has_line(t, "http_api_requests_total{handler=\"usersd\",method="
	    "\"other\",path=\"(unmatched)\",response_code=\"other\",status="
	    "\"other\"} 1"), "an unknown method, path and status are bounded");
	ok(has_line(t, "http_api_requests_total{handler=\"usersd\",method="
	    "\"GET\",path=\"(unmatched)\",response_code=\"404\",status="
	    "\"4XX\"} 1"), "a route index out of range counts as unmatched");
	ok(strstr(t, "/ping") == NULL, "a route never asked for is not shown");
	ok(has_line(t, "http_api_request_duration_seconds_bucket{handler="
	    "\"usersd\",method=\"GET\",path=\"/health\",le=\"0.001\"} 1"),
	    "0.9 ms is in le=0.001");
	ok(has_line(t, "http_api_request_duration_seconds_bucket{handler="
	    "\"usersd\",method=\"GET\",path=\"/health\",le=\"0.0025\"} 3"),
	    "buckets are cumulative and 2.5 ms is in le=0.0025");
	ok(has_line(t, "http_api_request_duration_seconds_bucket{handler="
	    "\"usersd\",method=\"GET\",path=\"/health\",le=\"+Inf\"} 3"),
	    "+Inf holds every observation");
	ok(has_line(t, "http_api_request_duration_seconds_count{handler="
	    "\"usersd\",method=\"GET\",path=\"/health\"} 3"),
	    "_count equals the +Inf bucket");
	ok(has_line(t, "http_api_request_duration_seconds_sum{handler="
	    "\"usersd\",method=\"GET\",path=\"/health\"} 0.004900"),
	    "_sum is in seconds");
	ok(has_line(t, "http_api_request_duration_seconds_bucket{handler="
	    "\"usersd\",method=\"other\",path=\"(unmatched)\",le=\"10\"} 0") &&
	    has_line(t, "http_api_request_duration_seconds_bucket{handler="
	    "\"usersd\",method=\"other\",path=\"(unmatched)\",le=\"+Inf\"} 1"),
	    "20 s is past the last bound, in +Inf only");
	ok(has_line(t, "usersd_instance_requests_total{usersd_instance="
	    "\"(default)\"} 6"), "the default instance served all six");
	ok(has_line(t, "usersd_build_info{influxdb_api=\"" USERSD_COMPAT_VERSION
	    "\",version=\"" USERSD_VERSION "\"} 1"), "build info");
	ok(has_line(t, "usersd_hash_slots 2") &&
	    has_line(t, "usersd_hash_slots_in_use 1"), "hash slots");
	ok(has_line(t, "usersd_workers_alive{pool=\"main\"} 0"),
	    "the master's block shows the workers");
	(void)c;
}

static void
test_instances(struct arena *a, struct cfg *c)
{
	struct metrics_view	 v = view();
	const char		*t, *why;

	metrics_set_instance("beta");
	metrics_request(1, "GET", 204, 10);
	metrics_signin(MET_SIGNIN_THROTTLED);
	metrics_signin(MET_SIGNIN_SUCCESS);
	metrics_session_created();
	metrics_session_ended();
	metrics_pg_statement(PGERR_NONE, 300);
	metrics_pg_statement(PGERR_UNIQUE, 100);
	metrics_pg_statement(PGERR_UNAVAILABLE, 2000000);
	metrics_pg_connect_failed();
	metrics_pg_reconnect();
	metrics_set_instance("nosuch");
	metrics_signin(MET_SIGNIN_SUCCESS);	/* counts for no instance */
	metrics_request(1, "GET", 503, 10);
	t = render(a, &v);
	why = check_format(t);
	ok(why == NULL, "well formed with instances%s%s",
	    why ? ": " : "", why ? why : "");
	ok(has_line(t, "usersd_signins_total{usersd_instance=\"beta\","
	    "result=\"throttled\"} 1") && has_line(t, "usersd_signins_total{"
	    "usersd_instance=\"beta\",result=\"success\"} 1"),
	    "sign-in outcomes by instance");
	ok(has_line(t, "usersd_signins_total{usersd_instance=\"beta\","
	    "result=\"hash_slots_busy\"} 0"),
	    "every outcome of a shown instance is there, zeros too");
	ok(has_line(t, "usersd_sessions_created_total{usersd_instance="
	    "\"beta\"} 1") && has_line(t, "usersd_sessions_ended_total{"
	    "usersd_instance=\"beta\"} 1"), "sessions");
	ok(has_line(t, "usersd_pg_errors_total{usersd_instance=\"beta\","
	    "kind=\"unique_violation\"} 1") && has_line(t,
	    "usersd_pg_errors_total{usersd_instance=\"beta\",kind="
	    "\"unavailable\"} 1") && has_line(t, "usersd_pg_errors_total{"
	    "usersd_instance=\"beta\",kind=\"connect\"} 1"),
	    "PostgreSQL errors by kind");
	ok(has_line(t, "usersd_pg_reconnects_total{usersd_instance=\"beta\"} "
	    "1"), "reconnects");
	ok(has_line(t, "usersd_pg_statement_duration_seconds_bucket{"
	    "usersd_instance=\"beta\",le=\"0.0001\"} 1") && has_line(t,
	    "usersd_pg_statement_duration_seconds_bucket{usersd_instance="
	    "\"beta\",le=\"0.00025\"} 1") && has_line(t,
	    "usersd_pg_statement_duration_seconds_bucket{usersd_instance="
	    "\"beta\",le=\"0.0005\"} 2") && has_line(t,
	    "usersd_pg_statement_duration_seconds_bucket{usersd_instance="
	    "\"beta\",le=\"+Inf\"} 3") && has_line(t,
	    "usersd_pg_statement_duration_seconds_count{usersd_instance="
	    "\"beta\"} 3"), "statement times");
	ok(strstr(t, "usersd_instance=\"acme\"") == NULL,
	    "an instance that served nothing is not shown");
	ok(has_line(t, "usersd_signins_total{usersd_instance=\"(default)\","
	    "result=\"success\"} 0"),
	    "an unknown instance's sign-in counts for none");

	/* A reload that reorders and adds: beta keeps its slot. */
	{
		struct cfg	 c2 = *c;

		c2.ninstances = 3;
		snprintf(c2.instances[0].name, CFG_NAME_MAX, "gamma");
		snprintf(c2.instances[1].name, CFG_NAME_MAX, "beta");
		snprintf(c2.instances[2].name, CFG_NAME_MAX, "acme");
		metrics_master_init(&c2);
		metrics_proc_init(&c2);
		metrics_set_instance("beta");
		metrics_signin(MET_SIGNIN_SUCCESS);
		metrics_set_instance("gamma");
		metrics_request(1, "GET", 204, 10);
		t = render(a, &v);
		ok(has_line(t, "usersd_signins_total{usersd_instance=\"beta\","
		    "result=\"success\"} 2"), "after a reload, beta counts on "
		    "where it was");
		ok(has_line(t, "usersd_instance_requests_total{"
		    "usersd_instance=\"gamma\"} 1") && has_line(t,
		    "usersd_signins_total{usersd_instance=\"gamma\",result="
		    "\"success\"} 0"), "a new instance gets a slot of its own");
		metrics_proc_init(c);
	}

	/* One instance's view: its own series and the build, no more. */
	v.only_instance = "beta";
	t = render(a, &v);
	why = check_format(t);
	ok(why == NULL, "one instance's view is well "
	    "formed%s%s", why ? ": " : "", why ? why : "");
	ok(strstr(t, "http_api_requests_total") == NULL &&
	    strstr(t, "usersd_workers") == NULL &&
	    strstr(t, "usersd_hash_slots") == NULL,
	    "it leaves out what every instance adds to");
	ok(strstr(t, "(default)") == NULL && strstr(t, "gamma") == NULL,
	    "and the other instances");
	ok(has_line(t, "usersd_signins_total{usersd_instance=\"beta\","
	    "result=\"success\"} 2"), "it has its own");
	v.only_instance = "";
	t = render(a, &v);
	ok(strstr(t, "beta") == NULL && has_line(t,
	    "usersd_instance_requests_total{usersd_instance=\"(default)\"} 6"),
	    "\"\" is the default instance's view");
}

static void
test_escape(struct arena *a)
{
	struct abuf	 o;

	abuf_init(&o, a, 16);
	label_value(&o, "a\"b\\c\nd");
	is_str(o.data, "a\\\"b\\\\c\\nd", "label values escape \", \\ and "
	    "newline");
}

static void
test_routes(void)
{
	const char *const	*p;
	size_t			 n = router_patterns(&p), i;
	int			 dup = 0, metrics = 0;

	ok(n > 0 && n <= METRICS_ROUTES, "the route table's %zu patterns fit "
	    "the block's %d", n, METRICS_ROUTES);
	for (i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			dup += strcmp(p[i], p[j]) == 0;
		metrics += strcmp(p[i], "/metrics") == 0;
	}
	ok(dup == 0, "each pattern once");
	ok(metrics == 1, "/metrics is a route");
}

static void
test_off(struct cfg *c)
{
	struct cfg	 off = *c;

	off.metrics = METRICS_OFF;
	metrics_proc_init(&off);
	ok(!metrics_enabled(), "metrics = off: nothing counts");
	ok(metrics_now_us() == 0, "and no clock is read");
	metrics_request(0, "GET", 200, 10);
	metrics_proc_init(c);
	ok(metrics_enabled(), "on again");
}

/* Without a master: the file in run_dir, shared by every process. */
static void
test_file(struct arena *a, struct cfg *c)
{
	struct metrics_view	 v = view();
	char			 dir[] = "/tmp/usersd-test-metrics-XXXXXX";
	char			 path[512], *save = c->run_dir;
	struct stat		 st, st2;
	const char		*t;
	pid_t			 pid;
	int			 status, fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/usersd-metrics-%u.shm", dir,
	    (unsigned)geteuid());
	c->run_dir = dir;
	mapped = NULL;
	under_master = 0;
	ok(metrics_proc_init(c) == 0, "a process without a master maps the "
	    "file");
	ok(stat(path, &st) == 0 && st.st_size == (off_t)sizeof(struct block)
	    && (st.st_mode & 0777) == 0600, "run_dir/usersd-metrics-UID.shm, "
	    "mode 0600");
	metrics_set_instance(NULL);
	metrics_request(1, "GET", 204, 10);
	/* Another process, as a second mod_fcgid child would be. */
	if ((pid = fork()) == 0) {
		mapped = NULL;
		metrics_proc_init(c);
		metrics_set_instance(NULL);
		metrics_request(1, "GET", 204, 10);
		metrics_request(1, "GET", 204, 10);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	t = render(a, &v);
	ok(has_line(t, "http_api_requests_total{handler=\"usersd\",method="
	    "\"GET\",path=\"/ping\",response_code=\"204\",status=\"2XX\"} 3"),
	    "both processes' requests are in one count");
	ok(strstr(t, "usersd_workers_alive") == NULL,
	    "no master: no worker series");

	/* Another layout (version) is replaced, not reused. */
	munmap(mapped, sizeof(struct block));
	mapped = NULL;
	if ((fd = open(path, O_RDWR)) != -1) {
		uint64_t bad = 1;

		(void)!pwrite(fd, &bad, sizeof(bad), 0);
		close(fd);
	}
	ok(metrics_proc_init(c) == 0 && stat(path, &st2) == 0 &&
	    mapped->magic == MAGIC, "a file of another layout is replaced");
	t = render(a, &v);
	ok(strstr(t, "/ping") == NULL, "and starts from zero");
	munmap(mapped, sizeof(struct block));
	mapped = NULL;
	unlink(path);
	rmdir(dir);
	c->run_dir = save;
}

/*
 * Hosted instances: the METRICS_TOP busiest get series of their own; a new
 * one takes the quietest's slot, whose counts go to "(other)"; a flooder
 * keeps its slot through a churn of new names; a name the pool did not
 * find never gets one; one tenant's view shows its own series only.
 */
static void
test_top_talkers(struct arena *a, struct cfg *c)
{
	struct metrics_view	 v = view();
	char			 name[32], line[128];
	char			*hosting = c->hosting, nowhere[] = "host=/nonexistent";
	const char		*t;
	int			 i, k, all;

	c->hosting = nowhere;
	for (i = 0; i < METRICS_TOP; i++) {
		snprintf(name, sizeof(name), "h%02d", i);
		metrics_set_instance(name);
		metrics_set_hosted(name);
		for (k = 0; k < i + 2; k++)
			metrics_request(1, "GET", i == 5 ? 429 : 204, 10);
	}
	t = render(a, &v);
	for (all = 1, i = 0; i < METRICS_TOP; i++) {
		snprintf(line, sizeof(line), "usersd_instance_requests_total{"
		    "usersd_instance=\"h%02d\"} %d", i, i + 2);
		all &= has_line(t, line);
	}
	ok(all, "each of the first %d hosted instances has its series",
	    METRICS_TOP);
	ok(has_line(t, "usersd_instance_refused_total{usersd_instance="
	    "\"h05\",status=\"429\"} 7"), "and its 429s");
	metrics_set_instance("flooder");
	metrics_set_hosted("flooder");
	for (k = 0; k < 100; k++)
		metrics_request(1, "POST", 429, 10);
	for (i = 0; i < 3 * METRICS_TOP; i++) {
		snprintf(name, sizeof(name), "churn%03d", i);
		metrics_set_instance(name);
		metrics_set_hosted(name);
		metrics_request(1, "GET", 204, 10);
	}
	metrics_set_instance("ghost");		/* never found by the pool */
	metrics_request(1, "GET", 503, 10);
	t = render(a, &v);
	ok(check_format(t) == NULL, "well formed with top talkers");
	ok(has_line(t, "usersd_instance_requests_total{usersd_instance="
	    "\"flooder\"} 100") && has_line(t, "usersd_instance_refused_"
	    "total{usersd_instance=\"flooder\",status=\"429\"} 100"),
	    "the flooder has its own series, through a churn of new names");
	ok(strstr(t, "\"h00\"") == NULL, "the quietest lost its slot");
	ok(strstr(t, "ghost") == NULL, "a name not found has no series");
	for (k = 0, i = TOP0; i < SLOT_OTHER; i++)
		k += mapped->names[i][0] != '\0';
	ok(k == METRICS_TOP, "at most %d hosted series", METRICS_TOP);
	/* Nothing counted is lost: (other) holds what lost its slot. */
	{
		uint64_t	 sum = 0;

		for (i = TOP0; i <= SLOT_OTHER; i++)
			sum += mapped->slots[i].requests;
		all = 0;
		for (i = 0; i < METRICS_TOP; i++)
			all += i + 2;
		ok(sum == (uint64_t)(all + 100 + 3 * METRICS_TOP + 1),
		    "every hosted request is counted once, in a series or in "
		    "(other)");
	}
	v.only_instance = "flooder";
	t = render(a, &v);
	ok(strstr(t, "usersd_instance=\"flooder\"") != NULL &&
	    strstr(t, "churn") == NULL && strstr(t, "(other)") == NULL,
	    "the flooder's operator sees its own series only");
	c->hosting = hosting;
	metrics_set_instance(NULL);
}

int
main(void)
{
	struct arena	*a = arena_new();
	struct cfg	 c;
	char		 err[256];

	if (cfg_load(&c, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "cfg_load: %s\n", err);
		return 1;
	}
	c.metrics = METRICS_ON;
	c.ninstances = 2;
	snprintf(c.instances[0].name, CFG_NAME_MAX, "acme");
	snprintf(c.instances[1].name, CFG_NAME_MAX, "beta");
	test_checker();
	ok(metrics_master_init(&c) == 0, "the master maps the block");
	ok(metrics_proc_init(&c) == 0 && metrics_enabled(),
	    "a worker counts into it");
	test_requests(a, &c);
	test_instances(a, &c);
	test_top_talkers(a, &c);
	test_escape(a);
	test_routes();
	test_off(&c);
	test_file(a, &c);
	c.ninstances = 0;
	cfg_release(&c);
	arena_free(a);
	return done_testing();
}
