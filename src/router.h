/*
 * router.h -- the route table and dispatch.  The path is matched first,
 * then the method: an unknown path is 404 JSON, a known path with another
 * method 405 JSON with an Allow header.  Generic checks (body limit,
 * authentication) run before any handler.
 */
#ifndef ROUTER_H
#define ROUTER_H

struct req;

#include <stddef.h>

/*
 * Routes r and sends exactly one response.  r->route becomes the index of
 * the pattern the path matched (even when the method did not), the
 * label of the request in the metrics.
 */
void	router_dispatch(struct req *r);
/* The distinct patterns, in table order: their count, *out the array. */
size_t	router_patterns(const char *const **out);

#endif
