/*
 * usersctl.c -- the admin command: migrations, instances, setup, users,
 * tokens and the directory from the shell, with the same services and
 * hashing as usersd.  One table (git's commands[]) holds every command:
 * its words, its usage line, what it needs first and its function; the
 * usage line is also what the command accepts (parse_usage), so --help,
 * a usage error and the checks cannot drift apart.  The commands live in
 * ctl_*.c.  Passwords are read from stdin, never from the command line
 * (where ps(1) would show them).
 */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "password.h"
#include "util.h"
#include "version.h"
#include "banned.h"

static int	cmd_help(struct ctl *, const struct ctl_args *);

static const struct ctl_cmd cmds[] = {
	{ "instance create", "NAME [--server S] [--open-setup] [--to N]",
	  NEED_CONFIG, ctl_instance_create,
	  "create instance NAME and migrate it: its\n"
	  "database (instance.NAME of the\n"
	  "configuration), else a schema in hosting\n"
	  "database S (default: the first), whose\n"
	  "onboarding over HTTP stays closed (run\n"
	  "setup) unless --open-setup" },
	{ "instance drop", "NAME", NEED_CONFIG, ctl_instance_drop,
	  "remove hosted instance NAME, all its data\n"
	  "and its roles" },
	{ "instance list", "", NEED_CONFIG, ctl_instance_list,
	  "the hosted instances, with their server" },
	{ "migrate", "[--all] [--to N]", NEED_DB, ctl_migrate,
	  "apply missing migrations (--all: every\n"
	  "configured and hosted instance too, one\n"
	  "transaction each; --to: up to number N)" },
	{ "setup", "--username U --org O --bucket B [--token T] "
	  "[--retention SECONDS]", NEED_DB, ctl_setup,
	  "first operator; password on stdin (may\n"
	  "be empty); prints the operator token" },
	{ "user add", "NAME [--inactive] [--service]", NEED_DB, ctl_user_add,
	  "new user; password on stdin if given\n"
	  "(--service: a service user, which owns\n"
	  "tokens and has no password)" },
	{ "user list", "", NEED_DB, ctl_user_list,
	  "id, name and status of every user" },
	{ "user passwd", "NAME", NEED_DB, ctl_user_passwd,
	  "new password from stdin; ends sessions" },
	{ "user deactivate", "NAME", NEED_DB, ctl_user_deactivate,
	  "mark inactive; ends sessions" },
	{ "user activate", "NAME", NEED_DB, ctl_user_activate, "" },
	{ "user delete", "NAME", NEED_DB, ctl_user_delete,
	  "with its sessions, tokens, memberships" },
	{ "token create", "--user NAME --org NAME [--description D] "
	  "[--operator]\n[--expires-in DURATION]", NEED_DB, ctl_token_create,
	  "new token (read/write on the user\n"
	  "itself, or operator permissions);\n"
	  "prints it once" },
	{ "token list", "[--user NAME] [--unused-since DURATION]\n"
	  "[--expiring-within DURATION]", NEED_DB, ctl_token_list,
	  "tokens (never their values), with their\n"
	  "expiry and last use; the filters keep\n"
	  "those unused that long or expiring that\n"
	  "soon (either, when both are given) and\n"
	  "say which (unused, expiring, expired)" },
	{ "token rotate", "ID [--grace DURATION]", NEED_DB, ctl_token_rotate,
	  "a new secret for the token, printed once;\n"
	  "the old one works DURATION more" },
	{ "token revoke", "ID", NEED_DB, ctl_token_revoke,
	  "delete a token" },
	{ "ldap show", "", NEED_DB, ctl_ldap_show,
	  "the instance's directory settings (never\n"
	  "bind_password's value)" },
	{ "ldap set", "KEY VALUE", NEED_DB, ctl_ldap_set,
	  "one directory setting" },
	{ "ldap set bind_password", "", NEED_DB, ctl_ldap_set_secret,
	  "the search bind's secret, read from\n"
	  "stdin (never the command line)" },
	{ "ldap role", "ORG ROLE [GROUP_DN]", NEED_DB, ctl_ldap_role,
	  "members of GROUP_DN (nested) are ROLE\n"
	  "(member or owner) of org ORG; without\n"
	  "GROUP_DN the rule goes" },
	{ "ldap test", "[NAME]", NEED_DB, ctl_ldap_test,
	  "connect and search-bind (and find NAME)" },
	{ "ldap sync", "", NEED_DB, ctl_ldap_sync,
	  "look every directory user up again and\n"
	  "deactivate those it no longer admits" },
	{ "help", "[COMMAND...]", NEED_NOTHING, cmd_help,
	  "this text, or a command's" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

#define ARG_MAX_BYTES	4096	/* the longest argument taken */

static const char usage_tail[] =
    "  (DURATION: seconds, or a number with s, m, h or d)\n"
    "\n"
    "  -c, --config FILE    usersd configuration (default $USERSD_CONFIG)\n"
    "  -i, --instance NAME  the instance to act on (default: "
    "$USERSD_INSTANCE,\n"
    "                       else the default one)\n"
    "  -h, --help, -V, --version\n";

/*
 * How many of words (n of them) name the command c, or 0: all of its
 * words must be there ("ldap set bind_password" takes three).
 */
static int
cmd_words(const struct ctl_cmd *c, int n, char **words)
{
	const char	*s = c->name;
	size_t		 len;
	int		 i;

	for (i = 0; i < n; i++) {
		len = strcspn(s, " ");
		if (strlen(words[i]) != len || strncmp(s, words[i], len) != 0)
			return 0;
		s += len;
		if (*s == '\0')
			return i + 1;
		s++;
	}
	return 0;
}

/* The command that most words name (*used: how many), or NULL. */
static const struct ctl_cmd *
find_cmd(int n, char **words, int *used)
{
	const struct ctl_cmd	*best = NULL;
	size_t			 i;
	int			 k;

	*used = 0;
	for (i = 0; i < NCMDS; i++)
		if ((k = cmd_words(&cmds[i], n, words)) > *used) {
			best = &cmds[i];
			*used = k;
		}
	return best;
}

/*
 * The lines of the commands words name: one command, or a group's ("user"
 * in "user frob"); with f NULL, only counted.  How many.
 */
static size_t
print_named(FILE *f, int n, char **words)
{
	const struct ctl_cmd	*c;
	size_t			 i, len, k = 0;
	int			 used;

	if (n == 0)
		return 0;
	if ((c = find_cmd(n, words, &used)) != NULL) {
		if (f != NULL)
			ctl_print_cmd(f, c);
		return 1;
	}
	len = strlen(words[0]);
	for (i = 0; i < NCMDS; i++)
		if (strncmp(cmds[i].name, words[0], len) == 0 &&
		    cmds[i].name[len] == ' ') {
			if (f != NULL)
				ctl_print_cmd(f, &cmds[i]);
			k++;
		}
	return k;
}

/* The usage of the commands words name, else of all (and the options). */
static void
usage(FILE *f, int n, char **words)
{
	size_t	 i;

	fputs(ctl_usage_head, f);
	if (print_named(f, n, words) > 0)
		return;
	for (i = 0; i < NCMDS; i++)
		ctl_print_cmd(f, &cmds[i]);
	fputs(usage_tail, f);
}

/* Whether --help or -h is among words, before any "--". */
static int
asks_help(int n, char **words)
{
	int	 i;

	for (i = 0; i < n && strcmp(words[i], "--") != 0; i++)
		if (strcmp(words[i], "--help") == 0 ||
		    strcmp(words[i], "-h") == 0)
			return 1;
	return 0;
}

/*
 * Reads what command c takes from its usage line into a: "NAME" is an
 * operand it needs, "[NAME]" one it may take, "[NAME...]" any number
 * more; "--opt V" an option it needs, with a value, "[--opt V]" and
 * "[--flag]" options it may take.  Anything else in a usage line is a
 * mistake in the table: fatal, at the command's first run.
 */
static void
parse_usage(const struct ctl_cmd *c, struct ctl_args *a)
{
	const char	*s = c->args;
	struct ctl_opt	*o, *valued = NULL;
	char		 w[32], *word;
	size_t		 n;
	int		 opt, closed;

	memset(a, 0, sizeof(*a));
	a->cmd = c;
	while (*(s += strspn(s, " \n")) != '\0') {
		n = strcspn(s, " \n");
		if (n >= sizeof(w))
			fatalx("usage of %s: a word is too long", c->name);
		memcpy(w, s, n);
		w[n] = '\0';
		s += n;
		opt = w[0] == '[';
		if ((closed = n > 0 && w[n - 1] == ']'))
			w[--n] = '\0';
		word = w + opt;
		if (strncmp(word, "--", 2) == 0 &&
		    islower((unsigned char)word[2])) {
			if (a->nopts == CTL_OPTS_MAX)
				fatalx("usage of %s: too many options",
				    c->name);
			o = &a->opts[a->nopts++];
			snprintf(o->name, sizeof(o->name), "%s", word + 2);
			o->required = !opt;
			valued = closed ? NULL : o;
		} else if (isupper((unsigned char)word[0]) && valued != NULL) {
			valued->has_arg = 1;
			valued = NULL;
		} else if (isupper((unsigned char)word[0])) {
			if (n > 3 && strcmp(w + n - 3, "...") == 0)
				a->max = INT_MAX;
			else if (a->max != INT_MAX)
				a->max++;
			a->min += !opt;
		} else
			fatalx("usage of %s: cannot read \"%s\"", c->name, w);
	}
}

/*
 * Parses argv (argv[0]: the command's last word) by a's usage: 0, 1 when
 * --help or -h asks for the usage (which wins over any mistake, as for
 * every command), or 2 after a usage error.
 */
static int
parse_args(struct ctl_args *a, int argc, char **argv)
{
	struct option	 lo[CTL_OPTS_MAX + 2];
	char		 why[160];
	size_t		 i;
	int		 ch, help = 0;

	memset(lo, 0, sizeof(lo));
	for (i = 0; i < a->nopts; i++) {
		lo[i].name = a->opts[i].name;
		lo[i].has_arg = a->opts[i].has_arg ? required_argument :
		    no_argument;
		lo[i].val = (int)i + 1;
	}
	lo[i].name = "help";
	lo[i].val = 'h';
	why[0] = '\0';
	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (ch == 'h')
			help = 1;
		else if (why[0] != '\0')
			continue;
		else if (ch == ':')
			snprintf(why, sizeof(why), "%s needs a value",
			    argv[optind - 1]);
		else if (ch == '?' && optopt > 0 && (size_t)optopt <= a->nopts)
			snprintf(why, sizeof(why), "--%s takes no value",
			    a->opts[optopt - 1].name);
		else if (ch == '?' && optopt > 0)
			snprintf(why, sizeof(why), "unknown option -%c",
			    optopt);
		else if (ch == '?')
			snprintf(why, sizeof(why), "unknown option %s",
			    argv[optind - 1]);
		else
			a->opts[ch - 1].value = optarg != NULL ? optarg : "";
	}
	if (help)
		return 1;
	if (why[0] != '\0')
		return ctl_usage_error(a, "%s", why);
	for (i = 0; i < a->nopts; i++)
		if (a->opts[i].required && a->opts[i].value == NULL)
			return ctl_usage_error(a, "--%s is required",
			    a->opts[i].name);
	a->argc = argc - optind;
	a->argv = argv + optind;
	if (a->argc < a->min)
		return ctl_usage_error(a, "too few arguments");
	if (a->argc > a->max)
		return ctl_usage_error(a, "too many arguments");
	return 0;
}

/* help [COMMAND...]: the usage of every command, or of those named. */
static int
cmd_help(struct ctl *c, const struct ctl_args *a)
{
	if (a->argc > 0 && print_named(NULL, a->argc, a->argv) == 0)
		return ctl_usage_error(a, "%s is not a command", a->argv[0]);
	usage(stdout, a->argc, a->argv);
	return 0;
}

/*
 * Every argument is printable UTF-8 text (no control, line separator or
 * bidi control character) of at most ARG_MAX_BYTES: a name that reaches
 * a message cannot rewrite the terminal or the log reading it, and a
 * script passing on someone else's input gets a usage error, not an act.
 * The index of the first that is not, or 0.
 */
static int
bad_argument(int argc, char **argv)
{
	size_t	 n;
	int	 i;

	for (i = 1; i < argc; i++)
		if ((n = strlen(argv[i])) > ARG_MAX_BYTES ||
		    !util_name_valid(argv[i], n))
			return i;
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
	const struct ctl_cmd	*cmd;
	struct ctl_args		 a;
	struct ctl		 c;
	const char		*config = NULL;
	char			 err[512];
	int			 ch, rc, bad, used;

	memset(&c, 0, sizeof(c));
	/* As for a spawned usersd: the environment names the instance. */
	if ((c.instance = getenv("USERSD_INSTANCE")) == NULL)
		c.instance = "";
	log_init("usersctl", LOG_LVL_WARN);
	bad = bad_argument(argc, argv);
	/* '+': stop at the command, whose options are its own. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:i:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'i': c.instance = optarg; break;
		case 'h':
			usage(stdout, 0, NULL);
			return 0;
		case 'V':
			printf("usersctl %s\n", USERSD_VERSION);
			return 0;
		default:
			/* Nothing of a bad argument is echoed. */
			if (!bad && ch == ':')
				fprintf(stderr, "usersctl: %s needs a value\n",
				    argv[optind - 1]);
			else if (!bad)
				fprintf(stderr, "usersctl: unknown option %s\n",
				    argv[optind - 1]);
			usage(stderr, 0, NULL);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	cmd = find_cmd(argc, argv, &used);
	if (cmd == NULL && !bad && asks_help(argc, argv)) {
		usage(stdout, argc, argv);
		return 0;
	}
	if (cmd == NULL || bad) {
		if (bad)
			fprintf(stderr, "usersctl: argument %d is not "
			    "printable UTF-8 text of at most %d bytes\n", bad,
			    ARG_MAX_BYTES);
		else if (argc == 1 && print_named(NULL, 1, argv) > 0)
			fprintf(stderr, "usersctl: %s needs a command\n",
			    argv[0]);
		else if (argc > 0)
			fprintf(stderr, "usersctl: %s%s%s is not a command\n",
			    argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] :
			    "");
		usage(stderr, bad ? used : argc, argv);
		return 2;
	}
	parse_usage(cmd, &a);
	if ((rc = parse_args(&a, argc - used + 1, argv + used - 1)) != 0) {
		if (rc == 1)
			usage(stdout, used, argv);
		return rc == 1 ? 0 : rc;
	}
	if (cmd->need >= NEED_CONFIG) {
		if (cfg_load(&c.cfg, config, err, sizeof(err)) == -1) {
			fprintf(stderr, "usersctl: configuration error: %s\n",
			    err);
			return 1;
		}
		log_level = LOG_LVL_WARN;
		pw_init(&c.cfg);
	}
	c.arena = arena_new();
	c.actor.addr = "usersctl";
	if (cmd->need == NEED_DB && ctl_open_db(&c, c.instance) == -1)
		rc = 1;
	else
		rc = cmd->fn(&c, &a);
	db_free(c.db);
	arena_free(c.arena);
	cfg_release(&c.cfg);
	return rc;
}
