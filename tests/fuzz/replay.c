/*
 * replay.c -- the unit-tier side of a fuzz harness: links the harness's
 * LLVMFuzzerTestOneInput with a main() that feeds it every file of
 * tests/fuzz/regress/<target>/ (inputs that once crashed, leaked or broke
 * a check) and tests/fuzz/corpus/<target>/ (the seeds), one TAP line each.
 * Built by any compiler; under build/asan the sanitizers judge the replay.
 * FUZZ_TARGET names the target (set by the Makefile).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int	 ntests, nfailed;

/* One TAP line (a crash or abort is TAP's "no plan" failure). */
static void
tap(int pass, const char *what, const char *path)
{
	printf("%sok %d - %s %s\n", pass ? "" : "not ", ++ntests, path, what);
	fflush(stdout);
	if (!pass)
		nfailed++;
}

static const char *const dirs[] = {
	"tests/fuzz/regress/" FUZZ_TARGET,
	"tests/fuzz/corpus/" FUZZ_TARGET,
};

/* Reads path whole into a malloc'd buffer of exactly its size. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

static void
replay_dir(const char *dir)
{
	struct dirent	**names;
	char		  path[4096];
	uint8_t		 *buf;
	size_t		  len;
	int		  i, n;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		tap(errno == ENOENT, "does not exist (none yet)", dir);
		return;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		if ((buf = slurp(path, &len)) == NULL) {
			tap(0, "cannot be read", path);
			continue;
		}
		/* A crash ends the program: say first which input it was. */
		printf("# replaying %s\n", path);
		fflush(stdout);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		tap(1, "replays cleanly", path);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	size_t	 i;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		replay_dir(dirs[i]);
	printf("1..%d\n", ntests);
	return nfailed > 0;
}
