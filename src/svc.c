/*
 * svc.c -- database failure classes to API errors, and the status rule,
 * in one place.
 */
#include <string.h>

#include "svc.h"
#include "log.h"
#include "banned.h"

int
svc_dberr(struct db *db, enum dbres rc, struct apierr *e)
{
	switch (rc) {
	case DB_UNAVAILABLE:
		return apierr_set(e, APIERR_UNAVAILABLE,
		    "database unavailable, try again shortly");
	case DB_CHECK:
		return apierr_set(e, APIERR_INVALID,
		    "the value is not allowed");
	case DB_CONFLICT:
		return apierr_set(e, APIERR_CONFLICT, "already exists");
	case DB_NOROW:
		return apierr_set(e, APIERR_NOT_FOUND, "not found");
	case DB_REFUSED:
		/* The schema's own words (sql/migrations), never request data. */
		return apierr_set(e, APIERR_UNPROCESSABLE, "%s", db_raised(db));
	default:
		log_warnx("database error: %s", db_raised(db));
		return apierr_internal(e);
	}
}

int
svc_check_status(const char *s, struct apierr *e)
{
	if (s != NULL && strcmp(s, "active") != 0 &&
	    strcmp(s, "inactive") != 0)
		return apierr_set(e, APIERR_INVALID,
		    "invalid status: must be active or inactive");
	return 0;
}
