/*
 * ctl.h -- what usersctl's files share: the state of one run, a command's
 * arguments as its usage line parsed them, the helpers that report, and
 * the command functions that usersctl.c's table names (one file per group:
 * ctl_instance.c, ctl_users.c, ctl_tokens.c, ctl_ldap.c).
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdio.h>

#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "err.h"
#include "model.h"

struct ctl {
	struct cfg	 cfg;
	struct arena	*arena;
	struct db	*db;
	const char	*instance;
	const char	*conninfo;	/* what db connects to */
	int		 hosting_ready;	/* hosting.sql ran on it */
	const char	*hosted;	/* the instance's schema, or NULL */
	struct db_schema schema;	/* ... its statements */
	struct actor	 actor;
};

#define CTL_OPTS_MAX	8	/* options of one command */

/* What a command needs before it runs. */
enum ctl_need {
	NEED_NOTHING,	/* help: not even the configuration */
	NEED_CONFIG,	/* instance: opens the instances it names itself */
	NEED_DB		/* the instance (-i, USERSD_INSTANCE) opened */
};

struct ctl_args;

/* One command: a row of usersctl.c's table. */
struct ctl_cmd {
	const char	*name;	/* its words */
	const char	*args;	/* the rest of its usage ('\n': wrap) */
	enum ctl_need	 need;
	int		(*fn)(struct ctl *, const struct ctl_args *);
	const char	*help;	/* lines of the usage's description */
};

/* A command's arguments: what its usage line says it takes, as given. */
struct ctl_args {
	const struct ctl_cmd *cmd;
	int		 argc;		/* its operands (no options) */
	char		**argv;
	int		 min, max;	/* how many operands it takes */
	size_t		 nopts;
	struct ctl_opt {
		char		 name[24];	/* "to" of --to */
		int		 has_arg;
		int		 required;
		const char	*value;	/* NULL: absent; a flag: "" */
	} opts[CTL_OPTS_MAX];
};

/* The usage's first lines, and one command's lines of it: its synopsis,
 * then its description. */
extern const char ctl_usage_head[];
void		 ctl_print_cmd(FILE *, const struct ctl_cmd *);
/*
 * The value of option --name (a flag's: ""), or NULL when it was not
 * given.  A name the command's usage does not list is a bug: fatal.
 */
const char	*ctl_opt(const struct ctl_args *, const char *name);
/* Prints "usersctl: CMD: why" and the command's usage; returns 2. */
int		 ctl_usage_error(const struct ctl_args *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* Prints what failed and e's message; returns 1. */
int		 ctl_die_api(const char *what, const struct apierr *e);
/* One line of stdin into buf (newline stripped): its length, 0 at EOF. */
long		 ctl_read_secret(char *buf, size_t size);

/* ctl_instance.c: points c->db at the instance; -1 (said why) if none. */
int		 ctl_open_db(struct ctl *, const char *instance);
/* ctl_users.c: the user called name into u; 0, or 1 (said why). */
int		 ctl_user_by_name(struct ctl *, const char *, struct user *);

/* The commands: 0, 1 (it failed, and said why) or 2 (a usage error). */
int	ctl_instance_create(struct ctl *, const struct ctl_args *);
int	ctl_instance_drop(struct ctl *, const struct ctl_args *);
int	ctl_instance_list(struct ctl *, const struct ctl_args *);
int	ctl_migrate(struct ctl *, const struct ctl_args *);
int	ctl_setup(struct ctl *, const struct ctl_args *);
int	ctl_user_add(struct ctl *, const struct ctl_args *);
int	ctl_user_list(struct ctl *, const struct ctl_args *);
int	ctl_user_passwd(struct ctl *, const struct ctl_args *);
int	ctl_user_deactivate(struct ctl *, const struct ctl_args *);
int	ctl_user_activate(struct ctl *, const struct ctl_args *);
int	ctl_user_delete(struct ctl *, const struct ctl_args *);
int	ctl_token_create(struct ctl *, const struct ctl_args *);
int	ctl_token_list(struct ctl *, const struct ctl_args *);
int	ctl_token_rotate(struct ctl *, const struct ctl_args *);
int	ctl_token_revoke(struct ctl *, const struct ctl_args *);
int	ctl_ldap_show(struct ctl *, const struct ctl_args *);
int	ctl_ldap_set(struct ctl *, const struct ctl_args *);
int	ctl_ldap_set_secret(struct ctl *, const struct ctl_args *);
int	ctl_ldap_role(struct ctl *, const struct ctl_args *);
int	ctl_ldap_test(struct ctl *, const struct ctl_args *);
int	ctl_ldap_sync(struct ctl *, const struct ctl_args *);

#endif
