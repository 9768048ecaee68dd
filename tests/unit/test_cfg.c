/*
 * test_cfg.c -- the configuration: defaults from the key table, the file
 * reader, the environment overlay, validation messages and instances.
 */
#include "cfg.c"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* 63 characters: the longest instance name. */
#define LONG63	"0123456789012345678901234567890123456789" \
		"0123456789abcdefghijklm"

static char	 tmpl[256];

/* Every USERSD_* variable cfg.c reads, so the outer environment is ignored. */
static void
clear_env(void)
{
	char	 env[64];
	size_t	 i, j;

	for (i = 0; i < NKEYS; i++) {
		snprintf(env, sizeof(env), "USERSD_%s", keys[i].name);
		for (j = 7; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		unsetenv(env);
	}
	unsetenv("USERSD_CONFIG");
}

/* Writes text to a new temporary file; its path goes to tmpl. */
static const char *
write_file(const char *text)
{
	const char	*dir = getenv("TMPDIR");
	size_t		 len = strlen(text);
	int		 fd;

	snprintf(tmpl, sizeof(tmpl), "%s/usersd-cfg-XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(tmpl)) == -1 ||
	    write(fd, text, len) != (ssize_t)len || close(fd) == -1) {
		perror("test_cfg: temporary file");
		exit(2);
	}
	return tmpl;
}

/* Loads text as a config file; returns cfg_load's result. */
static int
load_text(struct cfg *c, const char *text, char *err, size_t errsz)
{
	int	 rc;

	err[0] = '\0';
	rc = cfg_load(c, write_file(text), err, errsz);
	unlink(tmpl);
	return rc;
}

static void
test_defaults(void)
{
	struct cfg	 c;
	char		 err[512] = "";

	is_int(cfg_load(&c, NULL, err, sizeof(err)), 0,
	    "cfg_load without a file succeeds");
	is_str(err, "", "cfg_load without a file leaves err alone");
	is_int(c.body_limit, 65536, "default body_limit is 65536");
	is_int(c.argon2_memory, 19456, "default argon2_memory is 19456 KiB");
	is_int(c.argon2_iterations, 2, "default argon2_iterations is 2");
	is_int(c.argon2_parallelism, 1, "default argon2_parallelism is 1");
	is_int(c.session_length, 60, "default session_length is 60 minutes");
	is_int(c.session_max, 1440, "default session_max is 1440 minutes");
	is_int(c.log_level, LOG_LVL_INFO, "default log_level is info");
	is_str(c.db, "", "default db is empty (PG* variables)");
	is_str(c.run_dir, "/tmp", "default run_dir is /tmp");
	is_int(c.ninstances, 0, "no instances by default");
	is_str(cfg_instance_conninfo(&c, NULL), "",
	    "the default instance is db");
	cfg_release(&c);
	ok(c.db == NULL && c.run_dir == NULL,
	    "cfg_release frees and clears the strings");
}

static void
test_file(void)
{
	struct cfg	 c;
	char		 err[512];

	is_int(load_text(&c,
	    "# usersd test configuration\n"
	    "\n"
	    "   # an indented comment\n"
	    "body_limit=2048\n"
	    "  session_length   =   30  \n"
	    "session_max = 90\r\n"
	    "log_level = debug\n"
	    "\t\n"
	    "db = host=/tmp/pg dbname=usersd\n"
	    "run_dir = /var/run/usersd\n"
	    "instance.eu = host=eu dbname=a\n"
	    "instance.us-2_b = host=us dbname=b\n"
	    "instance.eu = host=eu2 dbname=c\n"
	    "instance." LONG63 " = host=long\n",
	    err, sizeof(err)), 0, "a file with comments and blanks loads");
	is_str(err, "", "a good file leaves err alone");
	is_int(c.body_limit, 2048, "file: key=value without spaces");
	is_int(c.session_length, 30, "file: spaces around key, '=' and value");
	is_int(c.session_max, 90, "file: a CRLF line ending is trimmed");
	is_int(c.log_level, LOG_LVL_DEBUG, "file: log_level = debug");
	is_str(c.db, "host=/tmp/pg dbname=usersd",
	    "file: the value may hold '=' (conninfo)");
	is_str(c.run_dir, "/var/run/usersd", "file: run_dir");
	is_int(c.argon2_memory, 19456, "file: keys not set keep defaults");
	is_int(c.ninstances, 3, "file: three distinct instances");
	is_str(cfg_instance_conninfo(&c, "eu"), "host=eu2 dbname=c",
	    "file: a repeated instance keeps the last conninfo");
	is_str(cfg_instance_conninfo(&c, "us-2_b"), "host=us dbname=b",
	    "file: instance names may hold '-' and '_'");
	is_str(cfg_instance_conninfo(&c, NULL), "host=/tmp/pg dbname=usersd",
	    "cfg_instance_conninfo(NULL) is db");
	is_str(cfg_instance_conninfo(&c, ""), "host=/tmp/pg dbname=usersd",
	    "cfg_instance_conninfo(\"\") is db");
	is_str(cfg_instance_conninfo(&c, "asia"), NULL,
	    "cfg_instance_conninfo of an unknown instance is NULL");
	is_str(cfg_instance_conninfo(&c, LONG63), "host=long",
	    "file: a 63-character instance name is accepted");
	is_str(cfg_instance_conninfo(&c, "EU"), NULL,
	    "instance names are case-sensitive");
	cfg_release(&c);
	is_int(c.ninstances, 0, "cfg_release forgets the instances");
}

static void
test_errors(void)
{
	static const struct {
		int		 line;
		const char	*text;
		const char	*want;	/* after "<path>:" */
	} t[] = {
		{ __LINE__, "nope = 1\n", "1: unknown key \"nope\"" },
		{ __LINE__, "# c\n\nBody_Limit = 2048\n",
		  "3: unknown key \"Body_Limit\"" },
		{ __LINE__, "body_limit = lots\n", "1: body_limit must be a "
		  "whole number from 1024 to 16777216, not \"lots\"" },
		{ __LINE__, "body_limit = 2048 # bytes\n", "1: body_limit must "
		  "be a whole number from 1024 to 16777216, not \"2048 # "
		  "bytes\"" },
		{ __LINE__, "body_limit =\n", "1: body_limit must be a whole "
		  "number from 1024 to 16777216, not \"\"" },
		{ __LINE__, "body_limit = 100\n", "1: body_limit must be a "
		  "whole number from 1024 to 16777216, not \"100\"" },
		{ __LINE__, "argon2_iterations = 65\n", "1: argon2_iterations "
		  "must be a whole number from 1 to 64, not \"65\"" },
		{ __LINE__, "argon2_parallelism = -1\n", "1: "
		  "argon2_parallelism must be a whole number from 1 to 16, "
		  "not \"-1\"" },
		{ __LINE__, "signin_max_failures_per_addr = 0\n", "1: "
		  "signin_max_failures_per_addr must be a whole number from 1 "
		  "to 1000000, not \"0\"" },
		{ __LINE__, "signin_addr_window = 86401\n", "1: "
		  "signin_addr_window must be a whole number from 1 to 86400, "
		  "not \"86401\"" },
		{ __LINE__, "log_level = loud\n", "1: log_level must be error, "
		  "warn, info or debug, not \"loud\"" },
		{ __LINE__, "allowed_origins = http://a:65536\n", "1: "
		  "allowed_origins must be origins such as "
		  "https://app.example.com:8443, separated by spaces, not "
		  "\"http://a:65536\"" },
		/* Found by fuzz_cfg: the port once overflowed a long. */
		{ __LINE__, "allowed_origins = http://a:"
		  "84777777777777777777777777777777\n", "1: allowed_origins "
		  "must be origins such as https://app.example.com:8443, "
		  "separated by spaces, not \"http://a:"
		  "84777777777777777777777777777777\"" },
		{ __LINE__, "\n\nbody_limit 2048\n",
		  "3: expected key = value" },
		{ __LINE__, "instance.bad name = x\n", "1: instance name "
		  "\"bad name\" may hold only letters, digits, '-' and '_'" },
		{ __LINE__, "instance.a/b = x\n", "1: instance name \"a/b\" "
		  "may hold only letters, digits, '-' and '_'" },
		{ __LINE__, "instance. = x\n",
		  "1: an instance name must have 1 to 63 characters" },
		{ __LINE__, "instance.0123456789012345678901234567890123456789"
		  "0123456789abcdefghijklmn = x\n",
		  "1: an instance name must have 1 to 63 characters" },
	};
	struct cfg	 c;
	char		 err[512], want[1024];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = load_text(&c, t[i].text, err, sizeof(err));
		snprintf(want, sizeof(want), "%s:%s", tmpl, t[i].want);
		is_int_at(t[i].line, rc, -1, "cfg_load refuses \"%s\"",
		    t[i].text);
		is_str_at(t[i].line, err, want, "cfg_load says \"%s\"",
		    t[i].want);
		cfg_release(&c);
	}

	rc = load_text(&c, "session_length = 100\nsession_max = 50\n", err,
	    sizeof(err));
	is_int(rc, -1, "session_max < session_length is refused");
	is_str(err, "session_max (50) must not be less than session_length "
	    "(100)", "session_max < session_length says so");
	cfg_release(&c);
	rc = load_text(&c, "signin_lockout = 60\nsignin_lockout_max = 30\n",
	    err, sizeof(err));
	is_int(rc, -1, "signin_lockout_max < signin_lockout is refused");
	is_str(err, "signin_lockout_max (30) must not be less than "
	    "signin_lockout (60)",
	    "signin_lockout_max < signin_lockout says so");
	cfg_release(&c);

	rc = cfg_load(&c, "/nonexistent/usersd.conf", err, sizeof(err));
	is_int(rc, -1, "a missing file is refused");
	is_str(err, "/nonexistent/usersd.conf: No such file or directory",
	    "a missing file names the path and the reason");
	cfg_release(&c);
}

/*
 * A refused load (a SIGHUP reload of a bad file) holds nothing: no
 * cfg_release follows, so under LeakSanitizer the copied strings would
 * be reported, and they must be gone in every build.
 */
static void
test_refused_keeps_nothing(void)
{
	struct cfg	 c;
	char		 err[512];

	is_int(load_text(&c, "db = dbname=x\ninstance.a = dbname=a\n"
	    "run_dir = /tmp/x\nno_such_key = 1\n", err, sizeof(err)), -1,
	    "a file with a bad key after good ones is refused");
	ok(c.db == NULL && c.run_dir == NULL && c.ninstances == 0,
	    "a refused load keeps none of the keys it had copied");
	setenv("USERSD_SESSION_MAX", "10", 1);
	is_int(load_text(&c, "instance.b = dbname=b\n", err, sizeof(err)), -1,
	    "a refused environment after a good file is refused");
	ok(c.db == NULL && c.ninstances == 0,
	    "a load refused by validation keeps nothing either");
	clear_env();
	cfg_release(&c);
	ok(c.db == NULL, "cfg_release after a refused load is a no-op");
}

static void
test_long_line(void)
{
	struct cfg	 c;
	char		*text, want[1024];
	char		 err[512];
	size_t		 n = 5000;

	if ((text = malloc(n + 32)) == NULL)
		exit(2);
	memcpy(text, "db = ", 5);
	memset(text + 5, 'x', n);
	memcpy(text + 5 + n, "\n", 2);
	is_int(load_text(&c, text, err, sizeof(err)), -1,
	    "a line longer than 4095 bytes is refused");
	snprintf(want, sizeof(want), "%s:1: line too long", tmpl);
	is_str(err, want, "a long line says \"line too long\"");
	cfg_release(&c);
	free(text);
}

static void
test_env(void)
{
	struct cfg	 c;
	char		 err[512] = "";
	const char	*path;

	setenv("USERSD_BODY_LIMIT", "4096", 1);
	setenv("USERSD_ARGON2_MEMORY", "2048", 1);
	setenv("USERSD_LOG_LEVEL", "warn", 1);
	setenv("USERSD_DB", "dbname=fromenv", 1);
	is_int(cfg_load(&c, NULL, err, sizeof(err)), 0,
	    "environment overrides load");
	is_int(c.body_limit, 4096, "USERSD_BODY_LIMIT sets body_limit");
	is_int(c.argon2_memory, 2048,
	    "USERSD_ARGON2_MEMORY sets argon2_memory");
	is_int(c.log_level, LOG_LVL_WARN, "USERSD_LOG_LEVEL sets log_level");
	is_str(c.db, "dbname=fromenv", "USERSD_DB sets db");
	cfg_release(&c);

	is_int(load_text(&c, "body_limit = 8192\nsession_length = 5\n", err,
	    sizeof(err)), 0, "file plus environment loads");
	is_int(c.body_limit, 4096, "the environment wins over the file");
	is_int(c.session_length, 5, "file keys not in the environment stay");
	cfg_release(&c);
	clear_env();

	path = write_file("session_length = 7\n");
	setenv("USERSD_CONFIG", path, 1);
	is_int(cfg_load(&c, NULL, err, sizeof(err)), 0,
	    "USERSD_CONFIG names the file when no path is given");
	is_int(c.session_length, 7, "the USERSD_CONFIG file is read");
	cfg_release(&c);
	is_int(cfg_load(&c, "", err, sizeof(err)), 0,
	    "an empty path also falls back to USERSD_CONFIG");
	is_int(c.session_length, 7, "the USERSD_CONFIG file is read for \"\"");
	cfg_release(&c);
	unlink(path);
	clear_env();

	setenv("USERSD_BODY_LIMIT", "big", 1);
	is_int(cfg_load(&c, NULL, err, sizeof(err)), -1,
	    "a bad environment value is refused");
	is_str(err, "environment USERSD_BODY_LIMIT: body_limit must be a "
	    "whole number from 1024 to 16777216, not \"big\"",
	    "a bad environment value names the variable");
	cfg_release(&c);
	clear_env();

	setenv("USERSD_SESSION_MAX", "10", 1);
	is_int(cfg_load(&c, NULL, err, sizeof(err)), -1,
	    "USERSD_SESSION_MAX below session_length is refused");
	cfg_release(&c);
	clear_env();

	setenv("USERSD_LOG_LEVEL", "verbose", 1);
	is_int(cfg_load(&c, NULL, err, sizeof(err)), -1,
	    "a bad USERSD_LOG_LEVEL is refused");
	is_str(err, "environment USERSD_LOG_LEVEL: log_level must be error, "
	    "warn, info or debug, not \"verbose\"",
	    "a bad USERSD_LOG_LEVEL says which levels exist");
	cfg_release(&c);
	clear_env();
}

int
main(void)
{
	clear_env();
	test_defaults();
	test_file();
	test_errors();
	test_refused_keeps_nothing();
	test_long_line();
	test_env();
	return done_testing();
}
