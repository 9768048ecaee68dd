/*
 * usersctl.c -- the admin command: migrations, setup, users and tokens
 * from the shell, with the same hashing and token code as usersd.
 * Passwords are read from standard input, never from the command line
 * (where ps(1) would show them).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "db_admin.h"
#include "dirauth.h"
#include "log.h"
#include "migrate.h"
#include "orgs.h"
#include "password.h"
#include "setup.h"
#include "tokens.h"
#include "users.h"
#include "util.h"
#include "version.h"
#include "banned.h"

struct ctl {
	struct cfg	 cfg;
	struct arena	*arena;
	struct db	*db;
	const char	*instance;
	const char	*conninfo;	/* what db connects to */
	int		 hosting_ready;	/* sql/hosting.sql ran on it */
	const char	*hosted;	/* the instance's schema, or NULL */
	struct db_schema schema;	/* ... its statements */
	struct actor	 actor;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: usersctl [-c FILE] [-i INSTANCE] COMMAND [ARGS]\n"
"\n"
"  instance create NAME [--server S] [--open-setup] [--to N]\n"
"                                  create instance NAME and migrate it: its\n"
"                                  database (instance.NAME of the\n"
"                                  configuration), else a schema in hosting\n"
"                                  database S (default: the first), whose\n"
"                                  onboarding over HTTP stays closed (run\n"
"                                  setup) unless --open-setup\n"
"  instance drop NAME              remove hosted instance NAME, all its data\n"
"                                  and its roles\n"
"  instance list                   the hosted instances, with their server\n"
"  migrate [--all] [--to N]        apply missing migrations (--all: every\n"
"                                  configured and hosted instance too, one\n"
"                                  transaction each; --to: up to number N)\n"
"  setup --username U --org O --bucket B [--token T] [--retention SECONDS]\n"
"                                  first operator; password on stdin (may\n"
"                                  be empty); prints the operator token\n"
"  user add NAME [--inactive] [--service]\n"
"                                  new user; password on stdin if given\n"
"                                  (--service: a service user, which owns\n"
"                                  tokens and has no password)\n"
"  user list                       id, name and status of every user\n"
"  user passwd NAME                new password from stdin; ends sessions\n"
"  user deactivate NAME            mark inactive; ends sessions\n"
"  user activate NAME\n"
"  user delete NAME                with its sessions, tokens, memberships\n"
"  token create --user NAME --org NAME [--description D] [--operator]\n"
"               [--expires-in DURATION]\n"
"                                  new token (read/write on the user\n"
"                                  itself, or operator permissions);\n"
"                                  prints it once\n"
"  token list [--user NAME] [--unused-since DURATION]\n"
"             [--expiring-within DURATION]\n"
"                                  tokens (never their values), with their\n"
"                                  expiry and last use; the filters keep\n"
"                                  those unused that long or expiring that\n"
"                                  soon (either, when both are given) and\n"
"                                  say which (unused, expiring, expired)\n"
"  token rotate ID [--grace DURATION]\n"
"                                  a new secret for the token, printed once;\n"
"                                  the old one works DURATION more\n"
"  token revoke ID                 delete a token\n"
"  ldap show                       the instance's directory settings (never\n"
"                                  bind_password's value)\n"
"  ldap set KEY VALUE              one directory setting; bind_password's\n"
"                                  value is read from stdin instead\n"
"  ldap role ORG ROLE [GROUP_DN]   members of GROUP_DN (nested) are ROLE\n"
"                                  (member or owner) of org ORG; without\n"
"                                  GROUP_DN the rule goes\n"
"  ldap test [NAME]                connect and search-bind (and find NAME)\n"
"  ldap sync                       look every directory user up again and\n"
"                                  deactivate those it no longer admits\n"
"  (DURATION: seconds, or a number with s, m, h or d)\n"
"\n"
"  -c, --config FILE    usersd configuration (default $USERSD_CONFIG)\n"
"  -i, --instance NAME  the instance to act on (default: $USERSD_INSTANCE,\n"
"                       else the default one)\n"
"  -h, --help, -V, --version\n");
}

static int
die_api(const char *what, const struct apierr *e)
{
	fprintf(stderr, "usersctl: %s: %s (%s)\n", what, e->msg,
	    apierr_string(e->code));
	return 1;
}

/* Reads one line from stdin into buf (newline stripped); its length or -1. */
static long
read_secret(char *buf, size_t size)
{
	size_t	 n;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password: ");
	if (fgets(buf, (int)size, stdin) == NULL) {
		buf[0] = '\0';
		return 0;
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return (long)n;
}

/*
 * The hosting database (index into cfg_server) that holds name, or -1;
 * *down: the name of one that did not answer (and may hold it), or NULL.
 */
static int
find_hosted(struct ctl *c, const char *name, const char **down)
{
	const char	*conninfo, *server;
	struct db	*db;
	size_t		 i;
	enum dbres	 rc;

	*down = NULL;
	for (i = 0; (conninfo = cfg_server(&c->cfg, i, &server)) != NULL;
	    i++) {
		db = db_new(conninfo, &c->cfg);
		rc = db_hosted_exists(db, name);
		db_free(db);
		if (rc == DB_OK)
			return (int)i;
		if (rc == DB_UNAVAILABLE && *down == NULL)
			*down = server;
	}
	return -1;
}

/*
 * Points c->db at instance (hosted: at its schema, on server).  The handle
 * stays when it is for the same database (migrate --all), and with it
 * hosting_ready; the connection does not (migrate_run closes it: the
 * owner's code may have run on it).
 */
static void
use_db(struct ctl *c, const char *conninfo, const char *hosted)
{
	if (c->db == NULL || c->conninfo == NULL ||
	    strcmp(c->conninfo, conninfo) != 0) {
		db_free(c->db);
		c->db = db_new(conninfo, &c->cfg);
		c->conninfo = conninfo;
		c->hosting_ready = 0;
	}
	c->hosted = NULL;
	db_use_schema(c->db, NULL);
	if (hosted != NULL) {
		memset(&c->schema, 0, sizeof(c->schema));
		snprintf(c->schema.name, sizeof(c->schema.name), "%s", hosted);
		c->hosted = c->schema.name;
		db_use_schema(c->db, &c->schema);
	}
}

static int
open_db(struct ctl *c, const char *instance)
{
	const char	*conninfo = cfg_instance_conninfo(&c->cfg, instance);
	const char	*server, *down = NULL;
	int		 i;

	if (conninfo != NULL) {
		use_db(c, conninfo, NULL);
		return 0;
	}
	if (!hosted_name_valid(instance) ||
	    (i = find_hosted(c, instance, &down)) == -1) {
		fprintf(stderr, "usersctl: unknown instance \"%s\"%s%s%s\n",
		    instance, down ? " (hosting database " : "",
		    down ? down : "", down ? " is unavailable)" : "");
		return -1;
	}
	use_db(c, cfg_server(&c->cfg, (size_t)i, &server), instance);
	return 0;
}

/*
 * A migration gives way in a deadlock with running requests (0005 sets a
 * short deadlock_timeout): nothing was applied, so try again a few times.
 */
static int
migrate_retry(struct ctl *c, struct migrate_opts *o, int *applied,
    char *err, size_t errsz)
{
	int	 i, rc = -1;

	o->schema = c->hosted;
	if (o->schema != NULL && o->hosting_role == NULL)
		o->hosting_role = c->cfg.hosting_role;
	/* Once per hosting database and run: its functions persist. */
	o->hosting_ready = c->hosting_ready;
	for (i = 0; i < 5; i++) {
		if ((rc = migrate_run(c->db, o, c->arena, applied, err,
		    errsz)) == 0 || strstr(err, "deadlock detected") == NULL)
			break;
		usleep(100000 * (i + 1));
	}
	if (rc == 0 && o->schema != NULL)
		c->hosting_ready = 1;
	return rc;
}

/* Migrates the instance c->db points at; 0, or 1 with the reason printed. */
static int
migrate_one(struct ctl *c, const char *name, int to)
{
	struct migrate_opts	 o = { .to = to };
	char			 err[1024];
	int			 applied;

	if (migrate_retry(c, &o, &applied, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: migrate%s%s: %s\n", *name ? " " : "",
		    name, err);
		return 1;
	}
	printf("%s: %d migration(s) applied\n", *name ? name : "default",
	    applied);
	return 0;
}

/* --to VERSION: the last migration to apply (0: all); -1 if malformed. */
static int
parse_to(const char *s)
{
	long long	 v;

	if (util_parse_ll(s, 1, 9999, &v) == -1) {
		fprintf(stderr, "usersctl: --to takes a migration number "
		    "(1-9999)\n");
		return -1;
	}
	return (int)v;
}

/* The names of the instances hosted in server i, in the arena. */
static int
hosted_list(struct ctl *c, size_t i, char ***names, size_t *n)
{
	const char	*server, *conninfo = cfg_server(&c->cfg, i, &server);
	struct db	*db = db_new(conninfo, &c->cfg);
	enum dbres	 rc;

	rc = db_hosted_names(db, c->arena, names, n);
	db_free(db);
	/* 42P01 (no instance made yet) is DB_ERROR: an empty list. */
	if (rc == DB_UNAVAILABLE) {
		fprintf(stderr, "usersctl: hosting database %s is "
		    "unavailable\n", server);
		return -1;
	}
	if (rc != DB_OK)
		*n = 0;
	return 0;
}

static int
cmd_migrate(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*server;
	char		**names;
	int		 all = 0, to = 0, rc = 0, ch;
	size_t		 i, j, n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': all = 1; break;
		case 't':
			if ((to = parse_to(optarg)) == -1)
				return 2;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!all)
		return migrate_one(c, c->instance, to);
	for (i = 0; i < c->cfg.ninstances + 1; i++) {
		const char *name = i == 0 ? "" : c->cfg.instances[i - 1].name;

		if (open_db(c, name) == -1)
			return 1;
		rc |= migrate_one(c, name, to);
	}
	/* One transaction each: an interrupted run resumes where it was. */
	for (i = 0; cfg_server(&c->cfg, i, &server) != NULL; i++) {
		if (hosted_list(c, i, &names, &n) == -1) {
			rc = 1;
			continue;
		}
		for (j = 0; j < n; j++) {
			use_db(c, cfg_server(&c->cfg, i, &server), names[j]);
			rc |= migrate_one(c, names[j], to);
		}
	}
	return rc;
}

/* instance create NAME of the configuration: its database. */
static int
create_database(struct ctl *c, const char *name, const char *conninfo,
    struct migrate_opts *o)
{
	char	 err[1024];
	int	 created, applied;

	err[0] = '\0';
	if (db_create_database(conninfo, &c->cfg, &created, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: %s\n", name, err);
		return 1;
	}
	if (open_db(c, name) == -1)
		return 1;
	if (migrate_retry(c, o, &applied, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: migrate: %s\n", name,
		    err);
		return 1;
	}
	printf("%s: database %s, %d migration(s) applied\n", name,
	    created ? "created" : "already there", applied);
	return 0;
}

/*
 * instance create NAME [--server S] [--open-setup] [--to N]: a schema in a
 * hosting database, its roles, its migrations and (unless --open-setup)
 * onboarding closed to HTTP, in one transaction.
 */
static int
create_hosted(struct ctl *c, const char *name, const char *want,
    struct migrate_opts *o)
{
	const char	*conninfo, *server = NULL, *down;
	char		 err[1024];
	size_t		 i;
	int		 applied, at;

	if (!hosted_name_valid(name)) {
		fprintf(stderr, "usersctl: \"%s\" cannot name a hosted "
		    "instance: 1 to 39 of a-z, 0-9, '_' and '-', starting with "
		    "a letter or digit, not pg_*, public or "
		    "information_schema\n", name);
		return 1;
	}
	for (i = 0; (conninfo = cfg_server(&c->cfg, i, &server)) != NULL;
	    i++)
		if (want == NULL || strcmp(want, server) == 0)
			break;
	if (conninfo == NULL) {
		fprintf(stderr, "usersctl: instance \"%s\" is not in the "
		    "configuration (add instance.%s = CONNINFO) and %s\n",
		    name, name, want ? "no such hosting database" :
		    "no hosting database is configured (hosting = CONNINFO)");
		return 1;
	}
	if ((at = find_hosted(c, name, &down)) != -1 && (size_t)at != i) {
		fprintf(stderr, "usersctl: instance %s is hosted in %s\n", name,
		    cfg_server(&c->cfg, (size_t)at, &server) ? server : "?");
		return 1;
	}
	/* One name in one place: a database that did not answer may hold it. */
	if (at == -1 && down != NULL) {
		fprintf(stderr, "usersctl: instance %s: hosting database %s is "
		    "unavailable, so the name may be taken there\n", name, down);
		return 1;
	}
	use_db(c, conninfo, name);
	err[0] = '\0';
	o->create = 1;
	o->close_onboarding = o->close_onboarding && at == -1;
	if (migrate_retry(c, o, &applied, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: %s\n", name, err);
		return 1;
	}
	printf("%s: hosted in %s, %d migration(s) applied%s\n", name, server,
	    applied, o->close_onboarding ? "; onboarding is closed to HTTP: "
	    "run usersctl -i NAME setup" : "");
	return 0;
}

/*
 * instance drop NAME: the schema, its registration and its four roles in
 * one transaction (sql/hosting.sql: usersd_hosted_drop).
 */
static int
drop_hosted(struct ctl *c, const char *name)
{
	char	 err[1024];

	if (cfg_instance_conninfo(&c->cfg, name) != NULL) {
		fprintf(stderr, "usersctl: instance %s has a database of its "
		    "own: remove instance.%s from the configuration, then "
		    "dropdb it\n", name, name);
		return 1;
	}
	if (open_db(c, name) == -1)
		return 1;
	if (migrate_drop_hosted(c->db, name, c->arena, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: %s\n", name, err);
		return 1;
	}
	printf("%s: dropped\n", name);
	return 0;
}

static int
cmd_instance(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "open-setup", no_argument, NULL, 'o' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct migrate_opts	 o = { .close_onboarding = 1 };
	const char		*conninfo, *server, *want = NULL;
	char			**names;
	size_t			 i, j, n;
	int			 ch;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (i = 0; cfg_server(&c->cfg, i, &server) != NULL; i++) {
			if (hosted_list(c, i, &names, &n) == -1)
				return 1;
			for (j = 0; j < n; j++)
				printf("%s\t%s\n", names[j], server);
		}
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "drop") == 0)
		return drop_hosted(c, argv[2]);
	if (argc < 3 || strcmp(argv[1], "create") != 0 || *argv[2] == '\0') {
		usage(stderr);
		return 2;
	}
	optind = 3;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': want = optarg; break;
		case 'o': o.close_onboarding = 0; break;
		case 't':
			if ((o.to = parse_to(optarg)) == -1)
				return 2;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((conninfo = cfg_instance_conninfo(&c->cfg, argv[2])) != NULL) {
		if (want != NULL) {
			fprintf(stderr, "usersctl: instance %s has a database of "
			    "its own (instance.%s): --server is for hosted "
			    "instances\n", argv[2], argv[2]);
			return 2;
		}
		o.close_onboarding = 0;
		return create_database(c, argv[2], conninfo, &o);
	}
	return create_hosted(c, argv[2], want, &o);
}

static int
cmd_setup(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "org", required_argument, NULL, 'o' },
		{ "bucket", required_argument, NULL, 'b' },
		{ "token", required_argument, NULL, 't' },
		{ "retention", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct setup_in		 in;
	struct setup_out	 out;
	struct apierr		 e;
	char			 pw[PW_MAX + 2];
	long long		 v;
	int			 ch;

	memset(&in, 0, sizeof(in));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': in.username = optarg; break;
		case 'o': in.org = optarg; break;
		case 'b': in.bucket = optarg; break;
		case 't': in.token = optarg; break;
		case 'r':
			if (util_parse_ll(optarg, 0, 1LL << 40, &v) == -1) {
				fprintf(stderr, "usersctl: --retention must be "
				    "a number of seconds\n");
				return 2;
			}
			in.retention = v;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (read_secret(pw, sizeof(pw)) > 0)
		in.password = arena_strdup(c->arena, pw);
	crypto_wipe(pw, sizeof(pw));
	if (setup_run(c->db, c->arena, "usersctl", &in, &out, &e) == -1)
		return die_api("setup", &e);
	printf("%s\n", out.auth.token);
	fprintf(stderr, "usersctl: user %s (%s), org %s (%s), operator token "
	    "%s\n", out.user.name, out.user.id, out.org.name, out.org.id,
	    out.auth.id);
	return 0;
}

static int
user_by_name(struct ctl *c, const char *name, struct user *u)
{
	struct apierr	 e;

	if (users_get_by_name(c->db, c->arena, name, u, &e) == -1)
		return die_api(name, &e);
	return 0;
}

static int
cmd_user(struct ctl *c, int argc, char **argv)
{
	struct apierr	 e;
	struct user_in	 in;
	struct user	 u, *list;
	struct page	 pg;
	char		 pw[PW_MAX + 2];
	long		 len;
	size_t		 i, n;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "list") == 0) {
		memset(&pg, 0, sizeof(pg));
		pg.limit = 100;
		do {
			if (users_list(c->db, c->arena, &policy_shell, &pg, NULL,
			    &list, &n, &e) == -1)
				return die_api("user list", &e);
			for (i = 0; i < n; i++)
				printf("%s\t%s\t%s\n", list[i].id,
				    list[i].status, list[i].name);
			if (n > 0)
				pg.after = list[n - 1].id;
		} while (pg.more);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "add") == 0) {
		memset(&in, 0, sizeof(in));
		in.name = argv[2];
		in.has_name = 1;
		in.status = "active";
		in.kind = "user";
		for (i = 3; i < (size_t)argc; i++) {
			if (strcmp(argv[i], "--inactive") == 0)
				in.status = "inactive";
			else if (strcmp(argv[i], "--service") == 0)
				in.kind = "service";
			else {
				usage(stderr);
				return 2;
			}
		}
		len = isatty(STDIN_FILENO) ? 0 : read_secret(pw, sizeof(pw));
		if (users_create(c->db, c->arena, &c->actor, &in, &u, &e) == -1)
			return die_api("user add", &e);
		if (len > 0 && users_set_password(c->db, c->arena, &c->actor,
		    u.id, pw, (size_t)len, NULL, &e) == -1) {
			crypto_wipe(pw, sizeof(pw));
			(void)users_delete(c->db, c->arena, &c->actor, u.id, &e);
			return die_api("user add (password)", &e);
		}
		crypto_wipe(pw, sizeof(pw));
		printf("%s\n", u.id);
		return 0;
	}
	if (user_by_name(c, argv[2], &u) != 0)
		return 1;
	if (strcmp(argv[1], "passwd") == 0) {
		len = read_secret(pw, sizeof(pw));
		if (users_set_password(c->db, c->arena, &c->actor, u.id, pw,
		    (size_t)len, NULL, &e) == -1) {
			crypto_wipe(pw, sizeof(pw));
			return die_api("user passwd", &e);
		}
		crypto_wipe(pw, sizeof(pw));
		return 0;
	}
	if (strcmp(argv[1], "deactivate") == 0 ||
	    strcmp(argv[1], "activate") == 0) {
		memset(&in, 0, sizeof(in));
		in.status = argv[1][0] == 'd' ? "inactive" : "active";
		if (users_update(c->db, c->arena, &c->actor, u.id, &in, &u,
		    &e) == -1)
			return die_api(argv[1], &e);
		return 0;
	}
	if (strcmp(argv[1], "delete") == 0) {
		if (users_delete(c->db, c->arena, &c->actor, u.id, &e) == -1)
			return die_api("user delete", &e);
		return 0;
	}
	usage(stderr);
	return 2;
}

/* A duration: seconds, or a number with s, m, h or d; -1 when not one. */
static long long
duration(const char *s)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }
	};
	char		 num[24];
	size_t		 n = strlen(s), i;
	long long	 v, mul = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[n - 1] == units[i].unit) {
			mul = units[i].secs;
			num[n - 1] = '\0';
		}
	if (util_parse_ll(num, 0, 100LL * 366 * 86400 / mul, &v) == -1)
		return -1;
	return v * mul;
}

/* An API time (RFC 3339 in UTC, as usersd_time prints it) in epoch s. */
static long long
epoch_of(const char *t)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return (long long)timegm(&tm);
}

/*
 * Why token z is listed under the hygiene filters (unused for unused
 * seconds, expiring within expiring; -1: that filter is off), or NULL
 * when it is not.  Without filters every token is listed ("").
 */
static const char *
hygiene(const struct authz *z, long long unused, long long expiring)
{
	long long	 now = (long long)time(NULL);

	if (unused < 0 && expiring < 0)
		return "";
	if (expiring >= 0 && z->expires != NULL &&
	    epoch_of(z->expires) < now + expiring)
		return z->expired ? "expired" : "expiring";
	if (unused >= 0 && epoch_of(z->last_used ? z->last_used :
	    z->created) < now - unused)
		return "unused";
	return NULL;
}

static int
cmd_token(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "org", required_argument, NULL, 'o' },
		{ "description", required_argument, NULL, 'd' },
		{ "operator", no_argument, NULL, 'O' },
		{ "expires-in", required_argument, NULL, 'e' },
		{ "unused-since", required_argument, NULL, 'U' },
		{ "expiring-within", required_argument, NULL, 'E' },
		{ "grace", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	struct expiry_in x = { NULL, NULL };
	long long	 unused = -1, expiring = -1, grace = -1;
	const char	*why;
	struct perm	 perms[RT__MAX * ACT__MAX];
	struct apierr	 e;
	struct user	 u;
	struct org	 o;
	struct authz	 z, *list;
	struct tokens_filter f;
	struct page	 pg;
	const char	*user = NULL, *org = NULL, *desc = "";
	char		 pbuf[PERM_STR_MAX];
	size_t		 n, i, j;
	int		 ch, oper = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	optind = strcmp(argv[1], "revoke") == 0 ||
	    strcmp(argv[1], "rotate") == 0 ? 3 : 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': user = optarg; break;
		case 'o': org = optarg; break;
		case 'd': desc = optarg; break;
		case 'O': oper = 1; break;
		case 'e':
		case 'U':
		case 'E':
		case 'g':
			if ((n = (size_t)duration(optarg)) == (size_t)-1) {
				fprintf(stderr, "usersctl: %s is not a "
				    "duration\n", optarg);
				return 2;
			}
			if (ch == 'e')
				x.in = arena_printf(c->arena, "%zu", n);
			else if (ch == 'U')
				unused = (long long)n;
			else if (ch == 'E')
				expiring = (long long)n;
			else
				grace = (long long)n;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(argv[1], "revoke") == 0 || strcmp(argv[1], "rotate") == 0) {
		if (argc < 3 || optind != argc) {
			usage(stderr);
			return 2;
		}
		if (!id_is_canonical(argv[2])) {
			fprintf(stderr, "usersctl: %s is not a token id\n",
			    argv[2]);
			return 2;
		}
		if (argv[1][1] == 'e') {
			if (tokens_delete(c->db, c->arena, &c->actor, argv[2],
			    &e) == -1)
				return die_api("token revoke", &e);
			return 0;
		}
		if (tokens_get(c->db, c->arena, argv[2], &z, &e) == -1 ||
		    tokens_rotate(c->db, c->arena, NULL, &c->actor, &z,
		    grace > 0 ? arena_printf(c->arena, "%lld", grace) : NULL,
		    &z, &e) == -1)
			return die_api("token rotate", &e);
		printf("%s\n", z.token);
		if (z.grace_until != NULL)
			fprintf(stderr, "usersctl: the old secret works until "
			    "%s\n", z.grace_until);
		return 0;
	}
	if (user != NULL && user_by_name(c, user, &u) != 0)
		return 1;
	if (strcmp(argv[1], "list") == 0) {
		memset(&f, 0, sizeof(f));
		memset(&pg, 0, sizeof(pg));	/* limit 0: every token */
		f.user_id = user ? u.id : NULL;
		if (tokens_list(c->db, c->arena, &policy_shell, &f, &pg, &list,
		    &n, &e) == -1)
			return die_api("token list", &e);
		for (i = 0; i < n; i++) {
			if ((why = hygiene(&list[i], unused, expiring)) == NULL)
				continue;
			printf("%s\t%s\t%s\t%s\t%s\t", list[i].id,
			    list[i].status, list[i].user_name,
			    list[i].org_name, list[i].description);
			for (j = 0; j < list[i].nperms; j++)
				printf("%s%s", j ? "," : "",
				    perm_format(&list[i].perms[j], pbuf));
			printf("\t%s\t%s%s%s\n", list[i].expires ?
			    list[i].expires : "never", list[i].last_used ?
			    list[i].last_used : "never", *why ? "\t" : "", why);
		}
		return 0;
	}
	if (strcmp(argv[1], "create") != 0 || user == NULL || org == NULL) {
		usage(stderr);
		return 2;
	}
	if (orgs_get_by_name(c->db, c->arena, org, &o, &e) == -1)
		return die_api(org, &e);
	if (oper)
		n = setup_operator_perms(perms);
	else {
		perm_make(&perms[0], ACT_READ, RT_USERS, u.id, NULL);
		perm_make(&perms[1], ACT_WRITE, RT_USERS, u.id, NULL);
		n = 2;
	}
	if (tokens_create_unchecked(c->db, c->arena, &c->actor, u.id, o.id,
	    desc, perms, n, &x, &z, &e) == -1)
		return die_api("token create", &e);
	printf("%s\n", z.token);
	fprintf(stderr, "usersctl: token id %s\n", z.id);
	return 0;
}

/* usersctl ldap show|set|test|sync: the instance's directory. */
static int
cmd_ldap(struct ctl *c, int argc, char **argv)
{
	struct dir_settings s;
	struct dir_role	*roles;
	struct apierr	 e;
	enum dir_result	 r;
	char		 pw[PW_MAX + 2], why[256];
	size_t		 checked, gone, nroles, i;
	long		 len;
	int		 bad;

	if (argc >= 2 && strcmp(argv[1], "show") == 0 && argc == 2) {
		if (dirauth_settings(c->db, c->arena, &s, &e) == -1)
			return die_api("ldap show", &e);
		printf("enabled\t%s\nuris\t%s\nstarttls\t%s\n"
		    "allow_plain\t%s\nca_file\t%s\nbind_dn\t%s\n"
		    "bind_password\t%s\nbase_dn\t%s\nuser_filter\t%s\n"
		    "name_attr\t%s\nrequired_group\t%s\nmember_attr\t%s\n"
		    "unknown_names\t%s\n", s.enabled ? "true" : "false",
		    s.uris, s.starttls ? "true" : "false",
		    s.allow_plain ? "true" : "false", s.ca_file, s.bind_dn,
		    s.bind_password[0] != '\0' ? "(set)" : "", s.base_dn,
		    s.user_filter, s.name_attr, s.required_group,
		    s.member_attr, s.unknown_names ? "true" : "false");
		if (dirauth_roles(c->db, c->arena, &roles, &nroles, &e) == -1)
			return die_api("ldap show", &e);
		for (i = 0; i < nroles; i++)
			printf("role\t%s\t%s\t%s\n", roles[i].org,
			    roles[i].role, roles[i].group);
		return 0;
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "role") == 0) {
		if (dirauth_role(c->db, c->arena, argv[2], argv[3],
		    argc == 5 ? argv[4] : NULL, &e) == -1)
			return die_api("ldap role", &e);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "set") == 0 &&
	    strcmp(argv[2], "bind_password") == 0) {
		len = read_secret(pw, sizeof(pw));
		if (len <= 0 || len > PW_MAX) {
			crypto_wipe(pw, sizeof(pw));
			fprintf(stderr, "usersctl: ldap set bind_password: "
			    "give it on stdin, 1 to %d bytes\n", PW_MAX);
			return 2;
		}
		bad = dirauth_set(c->db, c->arena, argv[2], pw, &e) == -1;
		crypto_wipe(pw, sizeof(pw));
		return bad ? die_api("ldap set", &e) : 0;
	}
	if (argc == 4 && strcmp(argv[1], "set") == 0) {
		if (strcmp(argv[2], "bind_password") == 0) {
			fprintf(stderr, "usersctl: ldap set bind_password: "
			    "the value goes on stdin, not the command line\n");
			return 2;
		}
		if (dirauth_set(c->db, c->arena, argv[2], argv[3], &e) == -1)
			return die_api("ldap set", &e);
		return 0;
	}
	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "test") == 0) {
		e.code = APIERR_OK;
		r = dirauth_test(c->db, c->arena, &c->cfg,
		    argc == 3 ? argv[2] : NULL, why, sizeof(why), &e);
		if (e.code != APIERR_OK)
			return die_api("ldap test", &e);
		printf("%s%s%s\n", directory_result_string(r),
		    why[0] ? ": " : "", why);
		return r == DIR_OK ? 0 : 1;
	}
	if (argc == 2 && strcmp(argv[1], "sync") == 0) {
		if (dirauth_sync(c->db, c->arena, &c->cfg, &c->actor, &checked,
		    &gone, &e) == -1)
			return die_api("ldap sync", &e);
		printf("checked %zu directory users, deactivated %zu\n",
		    checked, gone);
		return 0;
	}
	usage(stderr);
	return 2;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "instance", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl	 c;
	const char	*config = NULL;
	char		 err[512];
	int		 ch, rc;

	memset(&c, 0, sizeof(c));
	/* As for a spawned usersd: the environment names the instance. */
	if ((c.instance = getenv("USERSD_INSTANCE")) == NULL)
		c.instance = "";
	log_init("usersctl", LOG_LVL_WARN);
	/* '+': stop at the command, whose options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:i:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'i': c.instance = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("usersctl %s\n", USERSD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	/* "usersctl user --help" and the like: the usage, no database. */
	for (ch = 1; ch < argc; ch++)
		if (strcmp(argv[ch], "--help") == 0 || strcmp(argv[ch], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if (cfg_load(&c.cfg, config, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: configuration error: %s\n", err);
		return 1;
	}
	log_level = LOG_LVL_WARN;
	pw_init(&c.cfg);
	c.arena = arena_new();
	c.actor.addr = "usersctl";
	/*
	 * "instance" opens the instances it names itself: one that -i or
	 * USERSD_INSTANCE names may be gone (dropped) or not made yet.
	 */
	if (strcmp(argv[0], "instance") != 0 && open_db(&c, c.instance) == -1)
		return 1;
	if (strcmp(argv[0], "migrate") == 0)
		rc = cmd_migrate(&c, argc, argv);
	else if (strcmp(argv[0], "instance") == 0)
		rc = cmd_instance(&c, argc, argv);
	else if (strcmp(argv[0], "setup") == 0)
		rc = cmd_setup(&c, argc, argv);
	else if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(&c, argc, argv);
	else if (strcmp(argv[0], "token") == 0)
		rc = cmd_token(&c, argc, argv);
	else if (strcmp(argv[0], "ldap") == 0)
		rc = cmd_ldap(&c, argc, argv);
	else {
		usage(stderr);
		rc = 2;
	}
	db_free(c.db);
	arena_free(c.arena);
	cfg_release(&c.cfg);
	return rc;
}
