/*
 * fake_io.h -- a fake transport for the unit tests that run requests: a
 * table of CGI parameters, a body buffer read in chunks, and an output
 * buffer that collects the response.  No sockets, no libfcgi.  Include it
 * after the module under test (http.c, or anything that brings http.h).
 */
#ifndef FAKE_IO_H
#define FAKE_IO_H

#include <stdlib.h>
#include <string.h>

#define MAXP	16

struct fake {
	const char	*params[MAXP][2];
	size_t		 nparams;
	const char	*last_param;	/* the last name looked up */
	const char	*body;
	size_t		 body_len, off;
	size_t		 chunk;		/* largest read; 0: any */
	int		 read_error;	/* read returns -1 at the end */
	size_t		 reads;
	char		*out;
	size_t		 out_len;
};

static struct arena	*A;
static struct cfg	 CFG;

static const char *
fake_param(void *ctx, const char *name)
{
	struct fake	*f = ctx;
	size_t		 i;

	f->last_param = name;
	for (i = 0; i < f->nparams; i++)
		if (strcmp(f->params[i][0], name) == 0)
			return f->params[i][1];
	return NULL;
}

static long
fake_read(void *ctx, char *buf, size_t n)
{
	struct fake	*f = ctx;
	size_t		 left = f->body_len - f->off;

	f->reads++;
	if (left == 0)
		return f->read_error ? -1 : 0;
	if (n > left)
		n = left;
	if (f->chunk != 0 && n > f->chunk)
		n = f->chunk;
	memcpy(buf, f->body + f->off, n);
	f->off += n;
	return (long)n;
}

static int
fake_write(void *ctx, const char *buf, size_t n)
{
	struct fake	*f = ctx;

	f->out = arena_alloc(A, f->out_len + n + 1);
	if (f->out_len > 0)
		abort();	/* one response, one write */
	memcpy(f->out, buf, n);
	f->out_len = n;
	return 0;
}

static void
fake_set(struct fake *f, const char *name, const char *value)
{
	if (f->nparams == MAXP)
		abort();
	f->params[f->nparams][0] = name;
	f->params[f->nparams][1] = value;
	f->nparams++;
}

/* A request whose REQUEST_URI is uri (not set when NULL). */
static int
init_req(struct req *r, struct fake *f, const char *uri, struct apierr *e)
{
	struct req_io	 io;

	if (uri != NULL)
		fake_set(f, "REQUEST_URI", uri);
	io.ctx = f;
	io.param = fake_param;
	io.read = fake_read;
	io.write = fake_write;
	return http_req_init(r, A, &CFG, &io, e);
}

/* The response header block of f, up to and without the blank line. */
static const char *
out_head(const struct fake *f)
{
	const char	*end;

	if (f->out == NULL || (end = strstr(f->out, "\r\n\r\n")) == NULL)
		return "";
	return arena_strndup(A, f->out, (size_t)(end - f->out) + 2);
}

static const char *
out_body(const struct fake *f)
{
	const char	*end;

	if (f->out == NULL || (end = strstr(f->out, "\r\n\r\n")) == NULL)
		return NULL;
	return end + 4;
}

static int __attribute__((unused))
has_line(const struct fake *f, const char *line)
{
	return strstr(out_head(f), arena_printf(A, "\r\n%s\r\n", line)) !=
	    NULL || strncmp(out_head(f), arena_printf(A, "%s\r\n", line),
	    strlen(line) + 2) == 0;
}

#endif
