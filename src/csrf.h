/*
 * csrf.h -- what a page on another site may make a signed-in browser do:
 * nothing that writes.  SameSite=Strict does not cover same-site origins
 * (every NAME.example.com of a multi-instance host is same-site), so the
 * origin of each cookie-authenticated write is checked as well.
 */
#ifndef CSRF_H
#define CSRF_H

#include "err.h"

struct req;

/*
 * For a request that the session cookie authenticates: an unsafe method
 * (POST, PUT, PATCH, DELETE) whose Origin (or, without one, Sec-Fetch-Site:
 * cross-site) names another origin than the request's own and is not in
 * allowed_origins is 403; one that carries a body other than
 * application/json is 415.  Safe methods pass.  Returns 0 or -1 with e.
 */
int	 csrf_check(struct req *, struct apierr *e);

#endif
