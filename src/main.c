/*
 * main.c -- usersd: options, configuration, and the choice between the
 * three ways to run: standalone master (--listen), FastCGI worker spawned
 * by a web server (listening socket on fd 0), or one plain CGI request.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "fcgi.h"
#include "health.h"
#include "log.h"
#include "password.h"
#include "prefork.h"
#include "util.h"
#include "version.h"
#include "banned.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: usersd [-c FILE] [-l unix:PATH|tcp:HOST:PORT [-w N] [-m MODE]\n"
"              [-s unix:PATH|tcp:HOST:PORT [-S N]]] [-t] [-h] [-V]\n"
"\n"
"An InfluxDB OSS v2-compatible Users API served over FastCGI.\n"
"\n"
"  -c, --config FILE     configuration file (default: $USERSD_CONFIG)\n"
"  -l, --listen ADDR     run as master on unix:PATH or tcp:HOST:PORT\n"
"  -w, --workers N       workers the master keeps (default 4)\n"
"  -s, --signin-listen ADDR\n"
"                        also keep a sign-in pool on ADDR, for the web\n"
"                        server to send POST /api/v2/signin to\n"
"  -S, --signin-workers N\n"
"                        workers of the sign-in pool (default:\n"
"                        hash_concurrency: one per CPU it may\n"
"                        run on)\n"
"  -m, --socket-mode M   octal mode of the unix sockets (default 0660)\n"
"  -d, --drain SECONDS   SIGTERM: time requests get to finish (default 30)\n"
"  -t, --check-config    check the configuration and exit\n"
"  -h, --help            this help\n"
"  -V, --version         print the version and exit\n"
"\n"
"Without --listen: a FastCGI worker when fd 0 is a listening socket\n"
"(lighttpd bin-path, mod_fcgid), else one plain CGI request.\n"
"Signals to the master: TERM drains and exits, HUP re-reads the\n"
"configuration and replaces the workers one by one.\n\n");
	cfg_usage(f);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	  required_argument, NULL, 'c' },
		{ "listen",	  required_argument, NULL, 'l' },
		{ "workers",	  required_argument, NULL, 'w' },
		{ "signin-listen", required_argument, NULL, 's' },
		{ "signin-workers", required_argument, NULL, 'S' },
		{ "socket-mode",  required_argument, NULL, 'm' },
		{ "drain",	  required_argument, NULL, 'd' },
		{ "check-config", no_argument,	     NULL, 't' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ "version",	  no_argument,	     NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct prefork_opts	 o;
	struct cfg		 cfg;
	char			 err[512], *end;
	long long		 v;
	int			 ch, check = 0, rc;

	/* Before the master forks: /ready's start is the master's. */
	health_init();
	memset(&o, 0, sizeof(o));
	o.workers = 4;
	o.socket_mode = 0660;
	o.drain_seconds = 30;
	log_init("usersd", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, "c:l:w:s:S:m:d:thV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'w':
			if (util_parse_ll(optarg, 1, 256, &v) == -1) {
				fprintf(stderr, "usersd: --workers must be a "
				    "number from 1 to 256\n");
				return 2;
			}
			o.workers = (int)v;
			break;
		case 's':
			o.signin_listen = optarg;
			break;
		case 'S':
			if (util_parse_ll(optarg, 1, 64, &v) == -1) {
				fprintf(stderr, "usersd: --signin-workers must "
				    "be a number from 1 to 64\n");
				return 2;
			}
			o.signin_workers = (int)v;
			break;
		case 'm':
			o.socket_mode = (int)strtol(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' ||
			    o.socket_mode < 0 || o.socket_mode > 0777) {
				fprintf(stderr, "usersd: --socket-mode must be "
				    "an octal mode such as 0660\n");
				return 2;
			}
			break;
		case 'd':
			if (util_parse_ll(optarg, 1, 3600, &v) == -1) {
				fprintf(stderr, "usersd: --drain must be a "
				    "number of seconds from 1 to 3600\n");
				return 2;
			}
			o.drain_seconds = (int)v;
			break;
		case 't':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("usersd %s (InfluxDB API %s)\n", USERSD_VERSION,
			    USERSD_COMPAT_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((o.signin_listen != NULL || o.signin_workers > 0) &&
	    o.listen == NULL) {
		fprintf(stderr, "usersd: a sign-in pool needs --listen\n");
		return 2;
	}
	if (o.signin_listen != NULL && o.listen != NULL &&
	    strcmp(o.signin_listen, o.listen) == 0) {
		fprintf(stderr, "usersd: --signin-listen must be another "
		    "address than --listen\n");
		return 2;
	}
	if (o.signin_workers > 0 && o.signin_listen == NULL) {
		fprintf(stderr, "usersd: --signin-workers needs "
		    "--signin-listen\n");
		return 2;
	}
	if (cfg_load(&cfg, o.config_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "usersd: configuration error: %s\n", err);
		return 1;
	}
	if (check) {
		printf("usersd: configuration OK (%zu extra instances)\n",
		    cfg.ninstances);
		cfg_release(&cfg);
		return 0;
	}
	log_level = (enum loglevel)cfg.log_level;
	/* As many as may hash at once: hash_concurrency (pw_concurrency). */
	if (o.signin_listen != NULL && o.signin_workers == 0) {
		o.signin_workers = pw_concurrency(&cfg);
		if (o.signin_workers > 64)
			o.signin_workers = 64;
	}
	if (o.listen != NULL)
		rc = prefork_run(&cfg, &o);
	else if (fcgi_is_fastcgi())
		rc = fcgi_worker(&cfg, 0, 0);
	else
		rc = fcgi_cgi(&cfg);
	cfg_release(&cfg);
	return rc;
}
