/*
 * err.h -- the one error currency of the API layer.  Each code has the
 * InfluxDB code string and HTTP status, and each status its reason phrase,
 * in one list (errors.def); http.c is the only place that renders one.
 */
#ifndef ERR_H
#define ERR_H

enum apierr_code {
#define APIERR(name, code, status) APIERR_##name,
#include "errors.def"
	APIERR__MAX
};

/* The statuses usersd sends, by their row in errors.def. */
enum http_status_row {
#define HTTP_STATUS(code, reason) HTTP_STATUS_##code,
#include "errors.def"
	HTTP_STATUS__MAX
};

struct apierr {
	enum apierr_code code;
	/* Seconds for Retry-After on TOO_MANY_REQUESTS; 0: none. */
	int		 retry_after;
	char		 msg[256];
};

/* Sets code and message and returns -1, so callers can `return apierr_set()`. */
int		 apierr_set(struct apierr *, enum apierr_code, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* The InfluxDB code string ("not found") and HTTP status (404). */
const char	*apierr_string(enum apierr_code);
int		 apierr_status(enum apierr_code);
/* The reason phrase of an HTTP status ("Not Found"); "Unknown" for another. */
const char	*apierr_reason(int status);
/* The errors.def row of a status, HTTP_STATUS__MAX for another; and back. */
int		 apierr_status_row(int status);
int		 apierr_row_status(int row);
/* Shortcuts for the two messages every route can produce. */
int		 apierr_unauthorized(struct apierr *);
int		 apierr_internal(struct apierr *);

#endif
