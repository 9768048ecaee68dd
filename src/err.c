/*
 * err.c -- API error codes and their statuses, from InfluxDB's
 * kit/transport/http/error_handler.go.  Note conflict is 422, not 409.
 */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "banned.h"

static const char *const codes[APIERR__MAX] = {
	"ok",
	"internal error",
	"not implemented",
	"not found",
	"conflict",
	"invalid",
	"unprocessable entity",
	"empty value",
	"unavailable",
	"forbidden",
	"too many requests",
	"unauthorized",
	"method not allowed",
	"request too large",
	"unsupported media type",
};

static const int statuses[APIERR__MAX] = {
	200, 500, 501, 404, 422, 400, 422, 400, 503, 403, 429, 401, 405, 413,
	415,
};

int
apierr_set(struct apierr *e, enum apierr_code code, const char *fmt, ...)
{
	va_list	 ap;

	e->code = code;
	e->retry_after = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
apierr_string(enum apierr_code c)
{
	return c < APIERR__MAX ? codes[c] : codes[APIERR_INTERNAL];
}

int
apierr_status(enum apierr_code c)
{
	return c < APIERR__MAX ? statuses[c] : 500;
}

int
apierr_unauthorized(struct apierr *e)
{
	return apierr_set(e, APIERR_UNAUTHORIZED, "unauthorized access");
}

int
apierr_internal(struct apierr *e)
{
	return apierr_set(e, APIERR_INTERNAL, "internal error");
}
