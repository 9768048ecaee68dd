/*
 * err.h -- the one error currency of the API layer.  Each code has the
 * InfluxDB code string and HTTP status in parallel tables (err.c); http.c is
 * the only place that renders one.
 */
#ifndef ERR_H
#define ERR_H

enum apierr_code {
	APIERR_OK = 0,
	APIERR_INTERNAL,
	APIERR_NOT_IMPLEMENTED,
	APIERR_NOT_FOUND,
	APIERR_CONFLICT,
	APIERR_INVALID,
	APIERR_UNPROCESSABLE,
	APIERR_EMPTY_VALUE,
	APIERR_UNAVAILABLE,
	APIERR_FORBIDDEN,
	APIERR_TOO_MANY_REQUESTS,
	APIERR_UNAUTHORIZED,
	APIERR_METHOD_NOT_ALLOWED,
	APIERR_TOO_LARGE,
	APIERR_UNSUPPORTED_MEDIA,
	APIERR__MAX
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
/* Shortcuts for the two messages every route can produce. */
int		 apierr_unauthorized(struct apierr *);
int		 apierr_internal(struct apierr *);

#endif
