/*
 * ctl_instance.c -- usersctl's instances and migrations: which database an
 * instance is (one of its own, or a schema of a hosting database), making,
 * dropping and listing hosted ones, and migrating one or all of them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "db_admin.h"
#include "migrate.h"
#include "util.h"
#include "banned.h"

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

/* Points c->db at instance: its database, else the hosting one holding it. */
int
ctl_open_db(struct ctl *c, const char *instance)
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

/* --to N: the last migration to apply (0: all); -1 after a usage error. */
static int
parse_to(const struct ctl_args *a, int *to)
{
	const char	*s = ctl_opt(a, "to");
	long long	 v;

	*to = 0;
	if (s == NULL)
		return 0;
	if (util_parse_ll(s, 1, 9999, &v) == -1) {
		(void)ctl_usage_error(a, "--to takes a migration number "
		    "(1-9999)");
		return -1;
	}
	*to = (int)v;
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

/* migrate [--all] [--to N] */
int
ctl_migrate(struct ctl *c, const struct ctl_args *a)
{
	const char	*server;
	char		**names;
	int		 to, rc = 0;
	size_t		 i, j, n;

	if (parse_to(a, &to) == -1)
		return 2;
	if (ctl_opt(a, "all") == NULL)
		return migrate_one(c, c->instance, to);
	for (i = 0; i < c->cfg.ninstances + 1; i++) {
		const char *name = i == 0 ? "" : c->cfg.instances[i - 1].name;

		if (ctl_open_db(c, name) == -1)
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
	if (ctl_open_db(c, name) == -1)
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
		    "unavailable, so the name may be taken there\n", name,
		    down);
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

/* instance create NAME [--server S] [--open-setup] [--to N] */
int
ctl_instance_create(struct ctl *c, const struct ctl_args *a)
{
	struct migrate_opts	 o = { .close_onboarding = 1 };
	const char		*conninfo, *name = a->argv[0];
	const char		*want = ctl_opt(a, "server");

	if (*name == '\0')
		return ctl_usage_error(a, "NAME is empty");
	if (parse_to(a, &o.to) == -1)
		return 2;
	if (ctl_opt(a, "open-setup") != NULL)
		o.close_onboarding = 0;
	if ((conninfo = cfg_instance_conninfo(&c->cfg, name)) != NULL) {
		if (want != NULL)
			return ctl_usage_error(a, "instance %s has a database "
			    "of its own (instance.%s): --server is for hosted "
			    "instances", name, name);
		o.close_onboarding = 0;
		return create_database(c, name, conninfo, &o);
	}
	return create_hosted(c, name, want, &o);
}

/*
 * instance drop NAME: the schema, its registration and its four roles in
 * one transaction (sql/hosting.sql: usersd_hosted_drop).
 */
int
ctl_instance_drop(struct ctl *c, const struct ctl_args *a)
{
	const char	*name = a->argv[0];
	char		 err[1024];

	if (cfg_instance_conninfo(&c->cfg, name) != NULL) {
		fprintf(stderr, "usersctl: instance %s has a database of its "
		    "own: remove instance.%s from the configuration, then "
		    "dropdb it\n", name, name);
		return 1;
	}
	if (ctl_open_db(c, name) == -1)
		return 1;
	if (migrate_drop_hosted(c->db, name, c->arena, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "usersctl: instance %s: %s\n", name, err);
		return 1;
	}
	printf("%s: dropped\n", name);
	return 0;
}

/* instance list: each hosted instance and its hosting database. */
int
ctl_instance_list(struct ctl *c, const struct ctl_args *a)
{
	const char	*server;
	char		**names;
	size_t		 i, j, n;

	for (i = 0; cfg_server(&c->cfg, i, &server) != NULL; i++) {
		if (hosted_list(c, i, &names, &n) == -1)
			return 1;
		for (j = 0; j < n; j++)
			printf("%s\t%s\n", names[j], server);
	}
	return 0;
}
