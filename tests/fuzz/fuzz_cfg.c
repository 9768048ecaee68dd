/*
 * fuzz_cfg.c -- the configuration file reader.  The input is written to a
 * temporary file and loaded with the environment cleared.  An accepted
 * file yields values within the key table's bounds and instances that can
 * be found by name; a refused one must leave nothing allocated (LeakSanitizer
 * judges, as for a refused SIGHUP reload).
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include <unistd.h>

#include "cfg.c"

static char	 path[64];
static int	 fd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
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
	snprintf(path, sizeof(path), "/tmp/usersd-fuzz-cfg-XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		abort();
	/* Gone when the process ends, however it ends. */
	unlink(path);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg	 c;
	char		 err[256];
	size_t		 i;
	long long	 v;

	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	memset(err, 'x', sizeof(err));
	if (cfg_load(&c, path, err, sizeof(err)) == -1) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(c.db == NULL && c.run_dir == NULL &&
		    c.ninstances == 0);
		return 0;
	}
	for (i = 0; i < NKEYS; i++) {
		/* Every other key type is a string. */
		if (keys[i].type != KEY_INT && keys[i].type != KEY_LEVEL) {
			FUZZ_CHECK(*(char **)((char *)&c + keys[i].off) !=
			    NULL);
			continue;
		}
		v = *(long long *)((char *)&c + keys[i].off);
		if (keys[i].type == KEY_INT)
			FUZZ_CHECK(v >= keys[i].min && v <= keys[i].max);
		else
			FUZZ_CHECK(v >= 0 && v < LOG_LVL__MAX);
	}
	FUZZ_CHECK(c.session_max >= c.session_length);
	FUZZ_CHECK(c.ninstances <= CFG_MAX_INSTANCES);
	for (i = 0; i < c.ninstances; i++) {
		FUZZ_CHECK(c.instances[i].name[0] != '\0');
		FUZZ_CHECK(cfg_instance_conninfo(&c, c.instances[i].name) ==
		    c.instances[i].conninfo);
	}
	FUZZ_CHECK(cfg_instance_conninfo(&c, NULL) == c.db);
	cfg_release(&c);
	return 0;
}
