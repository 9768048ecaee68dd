/*
 * arena.h -- per-request bump allocator.  Everything a request allocates
 * comes from its arena and is released at once by arena_reset() after the
 * response is sent, so handlers never call free().
 */
#ifndef ARENA_H
#define ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A new, empty arena.  Aborts on OOM.  Free with arena_free(). */
struct arena	*arena_new(void);
/* Releases every allocation but keeps the first block for reuse. */
void		 arena_reset(struct arena *);
/* Frees the arena itself; arena_free(NULL) is a no-op. */
void		 arena_free(struct arena *);

/* Zeroed memory owned by the arena; aborts on OOM, never returns NULL. */
void		*arena_alloc(struct arena *, size_t);
/* Copies owned by the arena.  arena_strdup(a, NULL) returns NULL. */
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

/*
 * A growable byte buffer in the arena, for building responses.  The
 * contents are always NUL-terminated; len excludes the NUL.
 */
struct abuf {
	struct arena	*arena;
	char		*data;
	size_t		 len;
	size_t		 cap;
};

void	abuf_init(struct abuf *, struct arena *, size_t);
void	abuf_add(struct abuf *, const void *, size_t);
void	abuf_adds(struct abuf *, const char *);
void	abuf_printf(struct abuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
