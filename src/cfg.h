/*
 * cfg.h -- the configuration, read once before serving and immutable after.
 * Sources, later winning: built-in defaults, the config file (-c FILE or
 * USERSD_CONFIG), the environment (USERSD_<KEY>).  Defaults and bounds live
 * in one key table in cfg.c.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include <stdio.h>

#define CFG_MAX_INSTANCES	256
#define CFG_NAME_MAX		64
#define CFG_MAX_SERVERS		32

struct cfg_instance {
	char	name[CFG_NAME_MAX];
	char	*conninfo;		/* owned by the cfg */
};

/* The values of the setting "metrics". */
enum metrics_mode {
	METRICS_OFF = 0,
	METRICS_ON,		/* anyone the web server lets through */
	METRICS_TOKEN		/* an operator's token or session */
};

struct cfg {
	char		*db;			/* default instance conninfo */
	long long	 log_level;
	long long	 body_limit;		/* bytes */
	long long	 argon2_memory;		/* KiB */
	long long	 argon2_iterations;
	long long	 argon2_parallelism;
	long long	 hash_concurrency;	/* hashes at once per host */
	long long	 hash_share;		/* of those, per instance */
	long long	 instance_share;	/* workers per instance, 0 auto */
	long long	 session_length;	/* minutes */
	long long	 session_max;		/* minutes, absolute */
	long long	 token_last_use;	/* 1: record tokens' last use */
	long long	 signin_max_failures;	/* per name, before throttling */
	long long	 signin_max_failures_per_addr;	/* per address, /64 */
	long long	 signin_max_failures_per_net;	/* per IPv6 /48 */
	long long	 signin_addr_window;	/* seconds */
	long long	 signin_max_failures_per_instance;	/* per window */
	long long	 signin_lockout;	/* seconds, doubles */
	long long	 signin_lockout_max;	/* seconds */
	long long	 statement_timeout;	/* milliseconds */
	long long	 connect_timeout;	/* seconds */
	long long	 ldap_timeout;		/* seconds, a whole sign-in */
	long long	 ldap_recheck_interval;	/* seconds, 0 never */
	char		*ldap_servers;		/* "": by the layout */
	long long	 max_connections;	/* per worker, all instances */
	char		*run_dir;		/* hash slot lock files */
	char		*allowed_origins;	/* space-separated, "" none */
	char		*hosting;		/* the "default" hosting database */
	char		*hosting_role;		/* joins each hosted service role */
	long long	 metrics;		/* enum metrics_mode */
	struct cfg_instance instances[CFG_MAX_INSTANCES];
	size_t		 ninstances;
	struct cfg_instance servers[CFG_MAX_SERVERS];	/* hosting.NAME */
	size_t		 nservers;
};

/*
 * Loads the configuration into cfg: defaults, then path (may be NULL), then
 * the environment.  On error writes a one-line message into err (errsz
 * bytes) and returns -1 with nothing held (cfg_release is then a no-op);
 * 0 on success.  Free with cfg_release().
 */
int		 cfg_load(struct cfg *, const char *path, char *err,
		    size_t errsz);
void		 cfg_release(struct cfg *);
/* The conninfo of the named instance (NULL or "" is the default); NULL if unknown. */
const char	*cfg_instance_conninfo(const struct cfg *, const char *name);
/*
 * The hosting databases (many instances, a schema each): "default" for
 * the hosting key when set, then each hosting.NAME.  The i-th one's
 * conninfo, its name in *name; NULL past the last.
 */
const char	*cfg_server(const struct cfg *, size_t i, const char **name);
/* 1 when the len bytes of origin name one of allowed_origins (any case). */
int		 cfg_origin_allowed(const struct cfg *, const char *origin,
		    size_t len);
/* Prints the keys, their defaults and meaning (for --help). */
void		 cfg_usage(FILE *);

#endif
