/*
 * err.c -- API error codes, their statuses and the statuses' reason
 * phrases, as errors.def declares them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "banned.h"

static const struct {
	const char	*code;
	int		 status;
} errors[APIERR__MAX] = {
#define APIERR(name, code, status) [APIERR_##name] = { code, status },
#include "errors.def"
};

static const struct {
	int		 status;
	const char	*reason;
} statuses[HTTP_STATUS__MAX] = {
#define HTTP_STATUS(code, reason) [HTTP_STATUS_##code] = { code, reason },
#include "errors.def"
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
	return errors[c < APIERR__MAX ? c : APIERR_INTERNAL].code;
}

int
apierr_status(enum apierr_code c)
{
	return c < APIERR__MAX ? errors[c].status : 500;
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

const char *
apierr_reason(int status)
{
	int	 row = apierr_status_row(status);

	return row < HTTP_STATUS__MAX ? statuses[row].reason : "Unknown";
}

int
apierr_status_row(int status)
{
	int	 i;

	for (i = 0; i < HTTP_STATUS__MAX; i++)
		if (statuses[i].status == status)
			return i;
	return HTTP_STATUS__MAX;
}

int
apierr_row_status(int row)
{
	return row >= 0 && row < HTTP_STATUS__MAX ? statuses[row].status : 0;
}
