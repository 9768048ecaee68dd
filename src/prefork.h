/*
 * prefork.h -- the standalone master: binds the listening socket, forks N
 * workers that share it (and optionally a sign-in pool on a second one),
 * replaces dead ones (with backoff), drains and exits on SIGTERM, and
 * replaces workers one by one on SIGHUP after re-reading the configuration.
 */
#ifndef PREFORK_H
#define PREFORK_H

struct cfg;

struct prefork_opts {
	const char	*listen;	/* unix:PATH or tcp:HOST:PORT */
	int		 workers;
	const char	*signin_listen;	/* the sign-in pool's socket, or NULL */
	int		 signin_workers;
	int		 socket_mode;	/* for unix sockets */
	const char	*config_path;	/* re-read on SIGHUP; may be NULL */
	int		 drain_seconds;	/* SIGTERM: wait this long, then kill */
};

/* Runs the master until SIGTERM; returns the exit status. */
int	prefork_run(struct cfg *, const struct prefork_opts *);

#endif
