/*
 * svc.h -- what every service shares: turning a database failure into the
 * API error the client sees, and the active/inactive status rule.
 */
#ifndef SVC_H
#define SVC_H

#include "db.h"
#include "err.h"

/*
 * Maps a failed dbres to e: UNAVAILABLE -> 503, CHECK -> 400, anything
 * unexpected -> 500 (details are already in the log).  Returns -1.
 */
int	svc_dberr(struct db *, enum dbres, struct apierr *e);

/* 400 `invalid status: must be active or inactive` unless s is NULL or one
 * of those (users and tokens share the rule).  0 or -1. */
int	svc_check_status(const char *s, struct apierr *e);

#endif
