/*
 * fcgi.h -- the worker: accept a request (FastCGI on fd 0, or one plain CGI
 * request), route it, write the response, release its arena.
 */
#ifndef FCGI_H
#define FCGI_H

struct cfg;

/* 1 when fd 0 is a listening socket (spawned by a web server or master). */
int	fcgi_is_fastcgi(void);
/*
 * Serves FastCGI requests from the listening socket on fd 0 until SIGTERM
 * (which lets the request in flight finish).  pool_size: the workers of
 * this worker's pool when a master keeps them, else 0; signin: 1 in the
 * master's sign-in pool (admit.c).  Returns the exit status.
 */
int	fcgi_worker(const struct cfg *, int pool_size, int signin);
/* Serves one CGI request from the environment and stdin/stdout. */
int	fcgi_cgi(const struct cfg *);

#endif
