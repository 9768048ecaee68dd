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
#include <unistd.h>

#include "arena.h"
#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "db_admin.h"
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
"  instance create NAME [--server S]\n"
"                                  create instance NAME and migrate it: its\n"
"                                  database (instance.NAME of the\n"
"                                  configuration), else a schema in hosting\n"
"                                  database S (default: the first)\n"
"  instance drop NAME              remove hosted instance NAME, all its data\n"
"                                  and its roles\n"
"  instance list                   the hosted instances, with their server\n"
"  migrate [--all]                 apply missing migrations (--all: every\n"
"                                  configured and hosted instance too)\n"
"  setup --username U --org O --bucket B [--token T] [--retention SECONDS]\n"
"                                  first operator; password on stdin (may\n"
"                                  be empty); prints the operator token\n"
"  user add NAME [--inactive]      new user; password on stdin if given\n"
"  user list                       id, name and status of every user\n"
"  user passwd NAME                new password from stdin; ends sessions\n"
"  user deactivate NAME            mark inactive; ends sessions\n"
"  user activate NAME\n"
"  user delete NAME                with its sessions, tokens, memberships\n"
"  token create --user NAME --org NAME [--description D] [--operator]\n"
"                                  new token (read/write on the user\n"
"                                  itself, or operator permissions);\n"
"                                  prints it once\n"
"  token list [--user NAME]        tokens (never their values)\n"
"  token revoke ID                 delete a token\n"
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

/* Points c->db at instance (hosted: at its schema, on server). */
static void
use_db(struct ctl *c, const char *conninfo, const char *hosted)
{
	db_free(c->db);
	c->db = db_new(conninfo, &c->cfg);
	c->hosted = NULL;
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
migrate_retry(struct ctl *c, int create, int *applied, char *err,
    size_t errsz)
{
	int	 i, rc = -1;

	for (i = 0; i < 5; i++) {
		if ((rc = migrate_run(c->db, c->hosted, create, c->arena,
		    applied, err, errsz)) == 0 ||
		    strstr(err, "deadlock detected") == NULL)
			break;
		usleep(100000 * (i + 1));
	}
	return rc;
}

/* Migrates the instance c->db points at; 0, or 1 with the reason printed. */
static int
migrate_one(struct ctl *c, const char *name)
{
	char	 err[1024];
	int	 applied;

	if (migrate_retry(c, 0, &applied, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: migrate%s%s: %s\n", *name ? " " : "",
		    name, err);
		return 1;
	}
	printf("%s: %d migration(s) applied\n", *name ? name : "default",
	    applied);
	return 0;
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
	const char	*server;
	char		**names;
	int		 all = argc > 1 && strcmp(argv[1], "--all") == 0;
	int		 rc = 0;
	size_t		 i, j, n;

	if (!all)
		return migrate_one(c, c->instance);
	for (i = 0; i < c->cfg.ninstances + 1; i++) {
		const char *name = i == 0 ? "" : c->cfg.instances[i - 1].name;

		if (open_db(c, name) == -1)
			return 1;
		rc |= migrate_one(c, name);
	}
	for (i = 0; cfg_server(&c->cfg, i, &server) != NULL; i++) {
		if (hosted_list(c, i, &names, &n) == -1) {
			rc = 1;
			continue;
		}
		for (j = 0; j < n; j++) {
			use_db(c, cfg_server(&c->cfg, i, &server), names[j]);
			rc |= migrate_one(c, names[j]);
		}
	}
	return rc;
}

/* instance create NAME of the configuration: its database. */
static int
create_database(struct ctl *c, const char *name, const char *conninfo)
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
	if (migrate_retry(c, 0, &applied, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: migrate: %s\n", name,
		    err);
		return 1;
	}
	printf("%s: database %s, %d migration(s) applied\n", name,
	    created ? "created" : "already there", applied);
	return 0;
}

/* A role name usersctl may put into SQL text: letters, digits, _ and -. */
static int
role_name_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return i > 0 && i < 64;
}

/* instance create NAME [--server S]: a schema in a hosting database. */
static int
create_hosted(struct ctl *c, const char *name, const char *want)
{
	const char	*conninfo, *server = NULL, *down;
	const char	*role = c->cfg.hosting_role;
	char		 err[1024], sql[512];
	size_t		 i;
	int		 applied, at;

	if (!hosted_name_valid(name)) {
		fprintf(stderr, "usersctl: \"%s\" cannot name a hosted "
		    "instance: 1 to 39 of a-z, 0-9, '_' and '-', starting with "
		    "a letter or digit, not pg_*, public or "
		    "information_schema\n", name);
		return 1;
	}
	if (*role != '\0' && !role_name_valid(role)) {
		fprintf(stderr, "usersctl: hosting_role \"%s\" may hold only "
		    "letters, digits, '_' and '-'\n", role);
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
	if (migrate_retry(c, 1, &applied, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: %s\n", name, err);
		return 1;
	}
	if (*role != '\0') {
		/* Under the migrations' lock: two grants on one row at once
		 * fail ("tuple concurrently updated"). */
		snprintf(sql, sizeof(sql), "BEGIN; "
		    "SELECT pg_advisory_xact_lock(7236601); "
		    "GRANT \"%s_service\" TO \"%s\"; "
		    "GRANT SELECT ON public.usersd_hosted TO \"%s\"; COMMIT",
		    name, role, role);
		if (db_script(c->db, sql, err, sizeof(err)) == -1) {
			(void)db_script(c->db, "ROLLBACK", sql, sizeof(sql));
			fprintf(stderr, "usersctl: instance %s: %s\n", name,
			    err);
			return 1;
		}
	}
	printf("%s: hosted in %s, %d migration(s) applied\n", name, server,
	    applied);
	return 0;
}

/*
 * instance drop NAME: the schema, its registration and its four roles in
 * one transaction.  The roles go with DROP OWNED (their grants on the
 * database); one that holds anything in another database stops it all.
 * Their names come from NAME, as hosted_begin made them, never from the
 * instance's usersd_roles: its owner role may write that table, and DROP
 * OWNED BY another instance's role would remove that instance.
 */
static int
drop_hosted(struct ctl *c, const char *name)
{
	char	 sql[1024], err[1024];

	if (cfg_instance_conninfo(&c->cfg, name) != NULL) {
		fprintf(stderr, "usersctl: instance %s has a database of its "
		    "own: remove instance.%s from the configuration, then "
		    "dropdb it\n", name, name);
		return 1;
	}
	if (open_db(c, name) == -1)
		return 1;
	snprintf(sql, sizeof(sql),
	    "BEGIN;"
	    " SELECT pg_advisory_xact_lock(7236601);"
	    " DO $$ DECLARE roles text[]; r text; BEGIN"
	    "  SELECT array_agg(rolname) INTO roles FROM pg_roles"
	    "   WHERE rolname IN ('%1$s_owner', '%1$s_service',"
	    "    '%1$s_admin', '%1$s_readonly');"
	    "  DELETE FROM public.usersd_hosted WHERE name = '%1$s';"
	    "  DROP SCHEMA \"%1$s\" CASCADE;"
	    "  FOREACH r IN ARRAY coalesce(roles, '{}') LOOP"
	    "   EXECUTE format('DROP OWNED BY %%I', r);"
	    "   EXECUTE format('DROP ROLE %%I', r);"
	    "  END LOOP;"
	    " END $$;"
	    " COMMIT", name);
	if (db_script(c->db, sql, err, sizeof(err)) == -1) {
		(void)db_script(c->db, "ROLLBACK", sql, sizeof(sql));
		fprintf(stderr, "usersctl: instance %s: %s\n", name, err);
		return 1;
	}
	printf("%s: dropped\n", name);
	return 0;
}

static int
cmd_instance(struct ctl *c, int argc, char **argv)
{
	const char	*conninfo, *server;
	char		**names;
	size_t		 i, j, n;

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
	if (argc == 3 && strcmp(argv[1], "create") == 0 && *argv[2] != '\0' &&
	    (conninfo = cfg_instance_conninfo(&c->cfg, argv[2])) != NULL)
		return create_database(c, argv[2], conninfo);
	if (strcmp(argv[1], "create") == 0 && (argc == 3 || (argc == 5 &&
	    strcmp(argv[3], "--server") == 0)))
		return create_hosted(c, argv[2], argc == 5 ? argv[4] : NULL);
	usage(stderr);
	return 2;
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

/* The admin at the shell may read everything: the instance's owner. */
static const struct principal shell_admin = {
	.kind = PRINC_SESSION,
	.user_id = "",
	.instance_owner = 1
};

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
			if (users_list(c->db, c->arena, &shell_admin, &pg, NULL,
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
		in.status = argc > 3 && strcmp(argv[3], "--inactive") == 0 ?
		    "inactive" : "active";
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

static int
cmd_token(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "org", required_argument, NULL, 'o' },
		{ "description", required_argument, NULL, 'd' },
		{ "operator", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
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
	if (strcmp(argv[1], "revoke") == 0) {
		if (argc < 3) {
			usage(stderr);
			return 2;
		}
		if (!id_is_canonical(argv[2])) {
			fprintf(stderr, "usersctl: %s is not a token id\n",
			    argv[2]);
			return 2;
		}
		if (tokens_delete(c->db, c->arena, &c->actor, argv[2],
		    &e) == -1)
			return die_api("token revoke", &e);
		return 0;
	}
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': user = optarg; break;
		case 'o': org = optarg; break;
		case 'd': desc = optarg; break;
		case 'O': oper = 1; break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (user != NULL && user_by_name(c, user, &u) != 0)
		return 1;
	if (strcmp(argv[1], "list") == 0) {
		memset(&f, 0, sizeof(f));
		memset(&pg, 0, sizeof(pg));	/* limit 0: every token */
		f.user_id = user ? u.id : NULL;
		if (tokens_list(c->db, c->arena, &shell_admin, &f, &pg, &list,
		    &n, &e) == -1)
			return die_api("token list", &e);
		for (i = 0; i < n; i++) {
			printf("%s\t%s\t%s\t%s\t%s\t", list[i].id,
			    list[i].status, list[i].user_name,
			    list[i].org_name, list[i].description);
			for (j = 0; j < list[i].nperms; j++)
				printf("%s%s", j ? "," : "",
				    perm_format(&list[i].perms[j], pbuf));
			printf("\n");
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
	    desc, perms, n, &z, &e) == -1)
		return die_api("token create", &e);
	printf("%s\n", z.token);
	fprintf(stderr, "usersctl: token id %s\n", z.id);
	return 0;
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
	else {
		usage(stderr);
		rc = 2;
	}
	db_free(c.db);
	arena_free(c.arena);
	cfg_release(&c.cfg);
	return rc;
}
