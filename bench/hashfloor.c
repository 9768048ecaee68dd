/*
 * hashfloor.c -- the password-hash floor for bench/run.sh: raw libargon2
 * argon2id verify rate at the parameters usersd uses by default
 * (m=19456 KiB, t=2, p=1), one process per core.
 *
 *   hashfloor [-m KiB] [-t ITER] [-p LANES] [-P PROCS] [-n HASHES]
 *
 * Hashes once, then forks PROCS processes that each verify the same
 * encoded hash n times; prints machine-wide verifies/s from the wall time
 * of the whole batch, and the CPU of those verifies alone (the forked
 * processes', not the parent's hash and warm-up verify):
 * "procs=2 n=40 wall_s=0.901 hashes_per_s=88.8 ... cpu_s=1.79"
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <argon2.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char	*pw = "benchmark-password";
	unsigned char	 salt[16];
	char		 enc[256];
	long		 m = 19456, t = 2, p = 1, procs = 2, n = 40, i, j;
	int		 c, rc, status, failed = 0;
	double		 t0, wall;
	struct rusage	 ru;

	while ((c = getopt(argc, argv, "m:t:p:P:n:")) != -1) {
		switch (c) {
		case 'm': m = atol(optarg); break;
		case 't': t = atol(optarg); break;
		case 'p': p = atol(optarg); break;
		case 'P': procs = atol(optarg); break;
		case 'n': n = atol(optarg); break;
		default:
			fprintf(stderr, "usage: hashfloor [-m KiB] [-t ITER] "
			    "[-p LANES] [-P PROCS] [-n HASHES]\n");
			return 2;
		}
	}
	if (m < 8 || t < 1 || p < 1 || procs < 1 || n < 1)
		return 2;
	for (i = 0; i < (long)sizeof(salt); i++)
		salt[i] = (unsigned char)(i * 37 + 11);
	rc = argon2id_hash_encoded((uint32_t)t, (uint32_t)m, (uint32_t)p, pw,
	    strlen(pw), salt, sizeof(salt), 32, enc, sizeof(enc));
	if (rc != ARGON2_OK) {
		fprintf(stderr, "hashfloor: %s\n", argon2_error_message(rc));
		return 1;
	}
	/* One warm-up verify in the parent (first-touch page faults). */
	if (argon2id_verify(enc, pw, strlen(pw)) != ARGON2_OK)
		return 1;

	t0 = now();
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			for (j = 0; j < n; j++)
				if (argon2id_verify(enc, pw, strlen(pw)) !=
				    ARGON2_OK)
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++) {
		if (wait(&status) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	}
	wall = now() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	if (failed) {
		fprintf(stderr, "hashfloor: a verify failed\n");
		return 1;
	}
	printf("procs=%ld n=%ld m=%ld t=%ld p=%ld wall_s=%.3f "
	    "hashes_per_s=%.1f ms_per_hash_per_proc=%.2f cpu_s=%.3f\n", procs,
	    n, m, t, p, wall, procs * n / wall, wall * 1000.0 / n,
	    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}
