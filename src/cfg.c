/*
 * cfg.c -- configuration keys, their defaults and bounds (one table, after
 * redis's static_configs[]), the `key = value` file reader and the
 * environment overlay.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "log.h"
#include "util.h"
#include "banned.h"

/*
 * KEY_ORIGINS: a string too, checked to be a list of origins.
 * KEY_METRICS: off, on or token, stored as enum metrics_mode.
 */
enum keytype { KEY_INT, KEY_STR, KEY_LEVEL, KEY_ORIGINS, KEY_METRICS };

static const char *const metrics_modes[] = { "off", "on", "token" };

struct cfgkey {
	const char	*name;
	enum keytype	 type;
	size_t		 off;
	long long	 def;
	const char	*defstr;
	long long	 min, max;
	const char	*help;
};

#define OFF(f)	offsetof(struct cfg, f)

static const struct cfgkey keys[] = {
	{ "db", KEY_STR, OFF(db), 0, "", 0, 0,
	  "libpq conninfo of the default instance (empty: PG* variables)" },
	{ "log_level", KEY_LEVEL, OFF(log_level), LOG_LVL_INFO, NULL, 0, 3,
	  "error, warn, info or debug" },
	{ "body_limit", KEY_INT, OFF(body_limit), 65536, NULL, 1024,
	  16 * 1024 * 1024, "largest request body in bytes (413 above)" },
	{ "argon2_memory", KEY_INT, OFF(argon2_memory), 19456, NULL, 1024,
	  4 * 1024 * 1024, "argon2id memory cost in KiB" },
	{ "argon2_iterations", KEY_INT, OFF(argon2_iterations), 2, NULL, 1, 64,
	  "argon2id time cost" },
	{ "argon2_parallelism", KEY_INT, OFF(argon2_parallelism), 1, NULL, 1,
	  16, "argon2id lanes" },
	{ "hash_concurrency", KEY_INT, OFF(hash_concurrency), 0, NULL, 0, 256,
	  "password hashes at once on this host (0: one per CPU it may run "
	  "on)" },
	{ "hash_share", KEY_INT, OFF(hash_share), 0, NULL, 0, 256,
	  "of those, how many one instance may hold at once (0: half, "
	  "rounded up, when hosting is set, else all); an instance past it "
	  "gets 429, one under it waits "
	  "for a slot" },
	{ "instance_share", KEY_INT, OFF(instance_share), 0, NULL, 0, 1024,
	  "requests of one instance a pool serves at once on this host, the "
	  "rest answered 429 (0: half the master's pool when hosting is set, "
	  "else no cap)" },
	{ "session_length", KEY_INT, OFF(session_length), 60, NULL, 1,
	  525600, "minutes a session lives without use" },
	{ "session_max", KEY_INT, OFF(session_max), 1440, NULL, 1, 5256000,
	  "minutes a session lives at most, renewals included" },
	{ "token_last_use", KEY_INT, OFF(token_last_use), 1, NULL, 0, 1,
	  "1: record when and from where each token was last used (one "
	  "write per token a minute at most); 0: do not" },
	{ "signin_max_failures", KEY_INT, OFF(signin_max_failures), 5, NULL, 1,
	  1000000, "failed sign-ins per user name before throttling" },
	{ "signin_max_failures_per_addr", KEY_INT,
	  OFF(signin_max_failures_per_addr), 100, NULL, 1, 1000000,
	  "failed sign-ins from one address, of any names, within "
	  "signin_addr_window before the address is throttled" },
	{ "signin_max_failures_per_net", KEY_INT,
	  OFF(signin_max_failures_per_net), 1000, NULL, 1, 10000000,
	  "failed sign-ins from one IPv6 /48, of any names, within "
	  "signin_addr_window before the /48 is throttled" },
	{ "signin_addr_window", KEY_INT, OFF(signin_addr_window), 900, NULL, 1,
	  86400, "seconds over which an address's failures are counted" },
	{ "signin_max_failures_per_instance", KEY_INT,
	  OFF(signin_max_failures_per_instance), 1000, NULL, 1, 100000000,
	  "failed sign-ins of one instance, of any names and addresses, "
	  "within signin_addr_window before its unknown names get their 401 "
	  "without a hash" },
	{ "signin_lockout", KEY_INT, OFF(signin_lockout), 2, NULL, 1, 86400,
	  "first throttle delay in seconds; doubles with each failure" },
	{ "signin_lockout_max", KEY_INT, OFF(signin_lockout_max), 900, NULL, 1,
	  604800, "longest throttle delay in seconds" },
	{ "statement_timeout", KEY_INT, OFF(statement_timeout), 5000, NULL, 10,
	  600000, "PostgreSQL statement timeout in milliseconds (usersd waits 1 s more, then answers 503)" },
	{ "connect_timeout", KEY_INT, OFF(connect_timeout), 2, NULL, 1, 60,
	  "PostgreSQL connect timeout in seconds, per host tried" },
	{ "ldap_timeout", KEY_INT, OFF(ldap_timeout), 3, NULL, 1, 60,
	  "the longest a directory sign-in waits for its directory, in seconds (then 503)" },
	{ "ldap_recheck_interval", KEY_INT, OFF(ldap_recheck_interval), 900,
	  NULL, 0, 86400, "seconds after which a directory user's session, "
	  "at its next touch, looks the user up again (0: only sign-in and "
	  "ldap sync do)" },
	{ "ldap_servers", KEY_STR, OFF(ldap_servers), 0, "", 0, 0,
	  "the directory servers an instance may use (space-separated URIs, "
	  "\"*\" any; empty: none for a hosted instance, any for one with a "
	  "database of its own)" },
	{ "max_connections", KEY_INT, OFF(max_connections), 8, NULL, 1, 1024,
	  "PostgreSQL connections a worker keeps open (one per instance)" },
	{ "run_dir", KEY_STR, OFF(run_dir), 0, "/tmp", 0, 0,
	  "directory for the hash-concurrency lock files" },
	{ "allowed_origins", KEY_ORIGINS, OFF(allowed_origins), 0, "", 0, 0,
	  "other origins (scheme://host[:port], space-separated) whose pages "
	  "may write with the session cookie and get CORS answers" },
	{ "hosting", KEY_STR, OFF(hosting), 0, "", 0, 0,
	  "libpq conninfo of a database that hosts many instances, a schema "
	  "each (usersctl instance create); more as hosting.NAME" },
	{ "hosting_role", KEY_STR, OFF(hosting_role), 0, "", 0, 0,
	  "the role usersd connects to hosting databases as: usersctl "
	  "instance create makes it a member of each new service role" },
	{ "metrics", KEY_METRICS, OFF(metrics), METRICS_TOKEN, NULL, 0, 0,
	  "GET /metrics: off, on (to anyone the web server lets through) or "
	  "token (an operator's token)" },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int	seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

/*
 * 1 when s is a space-separated list of origins as browsers send them:
 * http or https, a host of letters, digits, '-' and '.' (or a bracketed
 * IPv6 address), an optional port from 1 to 65535, nothing after.
 */
static int
valid_origins(const char *s)
{
	const char	*p = s, *h;
	long		 port = 0;

	while (*p != '\0') {
		if (strncmp(p, "http://", 7) == 0)
			p += 7;
		else if (strncmp(p, "https://", 8) == 0)
			p += 8;
		else
			return 0;
		h = p;
		if (*p == '[') {
			while (isxdigit((unsigned char)*++p) || *p == ':' ||
			    *p == '.')
				;
			if (p == h + 1 || *p++ != ']')
				return 0;
		} else
			while (isalnum((unsigned char)*p) || *p == '-' ||
			    *p == '.')
				p++;
		if (p == h)
			return 0;
		if (*p == ':') {
			h = ++p;
			/* Six digits are refused anyway: never overflow. */
			for (; isdigit((unsigned char)*p); p++)
				if (p - h < 6)
					port = port * 10 + (*p - '0');
			if (p == h || p - h > 5 || port < 1 || port > 65535)
				return 0;
			port = 0;
		}
		if (*p != ' ' && *p != '\0')
			return 0;
		while (*p == ' ')
			p++;
	}
	return 1;
}

int
cfg_origin_allowed(const struct cfg *c, const char *origin, size_t len)
{
	const char	*p = c != NULL ? c->allowed_origins : NULL, *end;

	if (p == NULL || len == 0)
		return 0;
	while (*p != '\0') {
		end = p + strcspn(p, " ");
		if ((size_t)(end - p) == len && strncasecmp(p, origin, len) == 0)
			return 1;
		p = end + strspn(end, " ");
	}
	return 0;
}

static int
set_key(struct cfg *c, const struct cfgkey *k, const char *val,
    const char *where, char *err, size_t errsz)
{
	long long	 v;
	int		 lvl;
	size_t		 i;

	switch (k->type) {
	case KEY_METRICS:
		for (i = 0; i < sizeof(metrics_modes) /
		    sizeof(metrics_modes[0]); i++)
			if (strcmp(val, metrics_modes[i]) == 0) {
				*(long long *)((char *)c + k->off) =
				    (long long)i;
				return 0;
			}
		return seterr(err, errsz, "%s: %s must be off, on or token, "
		    "not \"%s\"", where, k->name, val);
	case KEY_ORIGINS:
		if (!valid_origins(val))
			return seterr(err, errsz, "%s: %s must be origins such "
			    "as https://app.example.com:8443, separated by "
			    "spaces, not \"%s\"", where, k->name, val);
		/* FALLTHROUGH */
	case KEY_STR:
		free(*(char **)((char *)c + k->off));
		*(char **)((char *)c + k->off) = xstrdup(val);
		return 0;
	case KEY_LEVEL:
		if ((lvl = log_level_parse(val)) == -1)
			return seterr(err, errsz, "%s: %s must be error, warn, "
			    "info or debug, not \"%s\"", where, k->name, val);
		*(long long *)((char *)c + k->off) = lvl;
		return 0;
	case KEY_INT:
		if (util_parse_ll(val, k->min, k->max, &v) == -1)
			return seterr(err, errsz, "%s: %s must be a whole "
			    "number from %lld to %lld, not \"%s\"", where,
			    k->name, k->min, k->max, val);
		*(long long *)((char *)c + k->off) = v;
		return 0;
	}
	return seterr(err, errsz, "%s: bad key type", where);
}

/* Sets a NAME = conninfo entry of list (instances or servers). */
static int
set_entry(struct cfg_instance *list, size_t *count, size_t max,
    const char *what, const char *name, const char *val,
    const char *where, char *err, size_t errsz)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n >= CFG_NAME_MAX)
		return seterr(err, errsz, "%s: %s %s name must have 1 to "
		    "%d characters", where, strchr("aeiou", what[0]) ? "an" :
		    "a", what, CFG_NAME_MAX - 1);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			return seterr(err, errsz, "%s: %s name \"%s\" "
			    "may hold only letters, digits, '-' and '_'",
			    where, what, name);
	for (i = 0; i < *count; i++)
		if (strcmp(list[i].name, name) == 0) {
			free(list[i].conninfo);
			list[i].conninfo = xstrdup(val);
			return 0;
		}
	if (*count == max)
		return seterr(err, errsz, "%s: more than %zu %ss", where, max,
		    what);
	snprintf(list[*count].name, CFG_NAME_MAX, "%s", name);
	list[(*count)++].conninfo = xstrdup(val);
	return 0;
}

static int
set_named(struct cfg *c, const char *name, const char *val, const char *where,
    char *err, size_t errsz)
{
	size_t	 i;

	if (strncmp(name, "instance.", 9) == 0)
		return set_entry(c->instances, &c->ninstances,
		    CFG_MAX_INSTANCES, "instance", name + 9, val, where, err,
		    errsz);
	if (strncmp(name, "hosting.", 8) == 0) {
		if (strcmp(name + 8, "default") == 0)
			return seterr(err, errsz, "%s: \"default\" is the "
			    "hosting key's own name", where);
		return set_entry(c->servers, &c->nservers, CFG_MAX_SERVERS,
		    "hosting database", name + 8, val, where, err, errsz);
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return set_key(c, &keys[i], val, where, err, errsz);
	return seterr(err, errsz, "%s: unknown key \"%s\"", where, name);
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
load_file(struct cfg *c, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[4096], where[512];
	char	*eq, *key, *val;
	int	 lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return seterr(err, errsz, "%s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			rc = seterr(err, errsz, "%s: line too long", where);
			break;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			rc = seterr(err, errsz, "%s: expected key = value",
			    where);
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		rc = set_named(c, key, val, where, err, errsz);
	}
	fclose(f);
	return rc;
}

static int
load_env(struct cfg *c, char *err, size_t errsz)
{
	char		 env[64], where[80];
	const char	*v;
	size_t		 i, j;

	for (i = 0; i < NKEYS; i++) {
		snprintf(env, sizeof(env), "USERSD_%s", keys[i].name);
		for (j = 7; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		if ((v = getenv(env)) == NULL)
			continue;
		snprintf(where, sizeof(where), "environment %s", env);
		if (set_key(c, &keys[i], v, where, err, errsz) == -1)
			return -1;
	}
	return 0;
}

/* The checks across keys, once every source is read; 0 or -1. */
static int
validate(const struct cfg *c, char *err, size_t errsz)
{
	if (c->session_max < c->session_length)
		return seterr(err, errsz, "session_max (%lld) must not be "
		    "less than session_length (%lld)", c->session_max,
		    c->session_length);
	if (c->signin_lockout_max < c->signin_lockout)
		return seterr(err, errsz, "signin_lockout_max (%lld) must not "
		    "be less than signin_lockout (%lld)",
		    c->signin_lockout_max, c->signin_lockout);
	if (c->argon2_memory < 8 * c->argon2_parallelism)
		return seterr(err, errsz, "argon2_memory must be at least 8 "
		    "KiB per lane (argon2_parallelism)");
	return 0;
}

int
cfg_load(struct cfg *c, const char *path, char *err, size_t errsz)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == KEY_STR || keys[i].type == KEY_ORIGINS)
			*(char **)((char *)c + keys[i].off) =
			    xstrdup(keys[i].defstr);
		else
			*(long long *)((char *)c + keys[i].off) = keys[i].def;
	}
	if (path == NULL || *path == '\0')
		path = getenv("USERSD_CONFIG");
	if ((path != NULL && *path != '\0' &&
	    load_file(c, path, err, errsz) == -1) ||
	    load_env(c, err, errsz) == -1 || validate(c, err, errsz) == -1) {
		/* A refused load keeps nothing: a refused reload must not leak. */
		cfg_release(c);
		return -1;
	}
	return 0;
}

void
cfg_release(struct cfg *c)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == KEY_STR || keys[i].type == KEY_ORIGINS) {
			free(*(char **)((char *)c + keys[i].off));
			*(char **)((char *)c + keys[i].off) = NULL;
		}
	for (i = 0; i < c->ninstances; i++)
		free(c->instances[i].conninfo);
	c->ninstances = 0;
	for (i = 0; i < c->nservers; i++)
		free(c->servers[i].conninfo);
	c->nservers = 0;
}

const char *
cfg_server(const struct cfg *c, size_t i, const char **name)
{
	if (c->hosting != NULL && *c->hosting != '\0') {
		if (i == 0) {
			*name = "default";
			return c->hosting;
		}
		i--;
	}
	if (i >= c->nservers)
		return NULL;
	*name = c->servers[i].name;
	return c->servers[i].conninfo;
}

const char *
cfg_instance_conninfo(const struct cfg *c, const char *name)
{
	size_t	 i;

	if (name == NULL || *name == '\0')
		return c->db;
	for (i = 0; i < c->ninstances; i++)
		if (strcmp(c->instances[i].name, name) == 0)
			return c->instances[i].conninfo;
	return NULL;
}

void
cfg_usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "Configuration keys (file: key = value; environment: "
	    "USERSD_KEY):\n");
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == KEY_STR || keys[i].type == KEY_ORIGINS)
			fprintf(f, "  %-20s %s (default \"%s\")\n",
			    keys[i].name, keys[i].help, keys[i].defstr);
		else if (keys[i].type == KEY_LEVEL)
			fprintf(f, "  %-20s %s (default info)\n", keys[i].name,
			    keys[i].help);
		else if (keys[i].type == KEY_METRICS)
			fprintf(f, "  %-20s %s (default %s)\n", keys[i].name,
			    keys[i].help, metrics_modes[keys[i].def]);
		else
			fprintf(f, "  %-20s %s (default %lld)\n", keys[i].name,
			    keys[i].help, keys[i].def);
	}
	fprintf(f, "  %-20s conninfo of instance NAME, chosen per request by "
	    "the FastCGI\n  %-20s parameter USERSD_INSTANCE (file only)\n",
	    "instance.NAME", "");
	fprintf(f, "  %-20s conninfo of another hosting database (file "
	    "only)\n", "hosting.NAME");
}
