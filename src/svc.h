/*
 * svc.h -- what every service shares: turning a database failure into the
 * API error the client sees.
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

#endif
