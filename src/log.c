/*
 * log.c -- stderr logging, after OpenBSD's log.c: the level check comes
 * before any formatting, errno is preserved, and each event is one write(2)
 * so lines from several workers sharing stderr never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "banned.h"

enum loglevel	 log_level = LOG_LVL_INFO;
static const char *log_prog = "usersd";
static char	 log_reqid[40] = "-";
static char	 log_inst[72];		/* "" the default instance */

static const char *const level_names[LOG_LVL__MAX] = {
	"error", "warn", "info", "debug",
};

void
log_init(const char *prog, enum loglevel lvl)
{
	log_prog = prog;
	log_level = lvl;
}

int
log_level_parse(const char *s)
{
	int	 i;

	for (i = 0; i < LOG_LVL__MAX; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void
log_set_reqid(const char *id)
{
	snprintf(log_reqid, sizeof(log_reqid), "%s", id ? id : "-");
}

void
log_set_instance(const char *name)
{
	snprintf(log_inst, sizeof(log_inst), "%s", name ? name : "");
}

char *
log_escape(char *dst, size_t dstsz, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, o = 0;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];

		if (o + 8 >= dstsz) {
			if (dstsz >= 4) {
				o = o > dstsz - 4 ? dstsz - 4 : o;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	return dst;
}

static void	vlog(enum loglevel, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/*
 * Appends msg to line at *n, each control byte as \xNN: whatever a caller
 * passes (a database message quoting a name, a field it forgot to escape),
 * one event stays one line, so no input can forge a line of its own.
 */
static void
append_escaped(char *line, size_t linesz, int *n, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t	 o = (size_t)*n;

	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (o + 5 >= linesz)
			break;
		if (*p >= 0x20 && *p != 0x7f) {
			line[o++] = (char)*p;
			continue;
		}
		line[o++] = '\\';
		line[o++] = 'x';
		line[o++] = hex[*p >> 4];
		line[o++] = hex[*p & 0xf];
	}
	*n = (int)o;
}

static void
vlog(enum loglevel lvl, int with_errno, const char *fmt, va_list ap)
{
	char		 line[2048], msg[2048];
	struct tm	 tm;
	time_t		 now;
	int		 saved = errno, n;

	if (lvl > log_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s[%d] %s%s%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, level_names[lvl], log_prog, (int)getpid(),
	    log_reqid, log_inst[0] != '\0' ? "@" : "", log_inst);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	append_escaped(line, sizeof(line), &n, msg);
	if (with_errno) {
		snprintf(msg, sizeof(msg), ": %s", strerror(saved));
		append_escaped(line, sizeof(line), &n, msg);
	}
	line[n++] = '\n';
	/* A short or failed write to stderr cannot be reported anywhere. */
	(void)!write(STDERR_FILENO, line, (size_t)n);
	errno = saved;
}

#define LOGFN(name, lvl, err)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	 ap;					\
	va_start(ap, fmt);				\
	vlog(lvl, err, fmt, ap);			\
	va_end(ap);					\
}

LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_errorx, LOG_LVL_ERROR, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
