/*
 * log.h -- one line per event on stderr: "time level prog[pid] reqid[@instance]
 * message".
 * Untrusted bytes are escaped before they reach the log; secrets (passwords,
 * tokens, cookies, Authorization headers) are never passed to these calls.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum loglevel {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL__MAX
};

extern enum loglevel log_level;

/* Sets the level and the program name used before any request is seen. */
void	log_init(const char *prog, enum loglevel);
/* Parses "error", "warn", "info" or "debug"; -1 when unknown. */
int	log_level_parse(const char *);
/* The request id printed on each line until the next call (NULL: "-"). */
void	log_set_reqid(const char *);
/*
 * The instance printed after the request id as "REQID@NAME" until the next
 * call (NULL or "": none, the default instance).  name must be a checked
 * instance name (no spaces or control bytes): it is printed as it is.
 */
void	log_set_instance(const char *name);

/* log_warn appends strerror(errno); the x variants do not. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errorx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Log and exit(1) (fatal appends strerror(errno)). */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Copies untrusted bytes into dst (size dstsz, always NUL-terminated),
 * escaping anything but printable ASCII as \xNN and cutting long input with
 * "...".  Returns dst.
 */
char	*log_escape(char *dst, size_t dstsz, const char *src, size_t srclen);

#endif
