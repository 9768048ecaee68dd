/*
 * router.h -- the route table and dispatch.  The path is matched first,
 * then the method: an unknown path is 404 JSON, a known path with another
 * method 405 JSON with an Allow header.  Generic checks (body limit,
 * authentication) run before any handler.
 */
#ifndef ROUTER_H
#define ROUTER_H

struct req;

/* Routes r and sends exactly one response. */
void	router_dispatch(struct req *r);

#endif
