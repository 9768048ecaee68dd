/*
 * arena.c -- per-request bump allocator: a list of blocks, the first of which
 * survives arena_reset() so a worker's steady state does no malloc at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "banned.h"

#define ARENA_BLOCK	(64 * 1024)
#define ARENA_ALIGN	16

/*
 * Under AddressSanitizer, the unused part of each block is poisoned and
 * allocations are kept apart by a red zone, so an overrun of one arena
 * string is reported like one of malloc's (the asan tier, tests/fuzz).
 */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN	1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE		16
#else
#define ASAN_POISON_MEMORY_REGION(p, n)		((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n)	((void)(p), (void)(n))
#define REDZONE		0
#endif

struct block {
	struct block	*next;
	size_t		 size;
	size_t		 used;
	unsigned char	 mem[];
};

struct arena {
	struct block	*head;	/* current block, newest first */
	struct block	*first;	/* kept across resets */
};

static struct block *
block_new(size_t size)
{
	struct block	*b;

	if ((b = malloc(sizeof(*b) + size)) == NULL)
		fatal("arena: out of memory");
	b->next = NULL;
	b->size = size;
	b->used = 0;
	ASAN_POISON_MEMORY_REGION(b->mem, size);
	return b;
}

struct arena *
arena_new(void)
{
	struct arena	*a;

	if ((a = malloc(sizeof(*a))) == NULL)
		fatal("arena: out of memory");
	a->first = a->head = block_new(ARENA_BLOCK);
	return a;
}

void
arena_reset(struct arena *a)
{
	struct block	*b, *next;

	for (b = a->head; b != a->first; b = next) {
		next = b->next;
		free(b);
	}
	a->head = a->first;
	a->first->used = 0;
	a->first->next = NULL;
	ASAN_POISON_MEMORY_REGION(a->first->mem, a->first->size);
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct block	*b = a->head;
	size_t		 off;
	void		*p;

	if (n > SIZE_MAX - ARENA_ALIGN - ARENA_BLOCK)
		fatalx("arena: allocation of %zu bytes is too large", n);
	off = b->used == 0 ? 0 : (b->used + REDZONE + ARENA_ALIGN - 1) &
	    ~(size_t)(ARENA_ALIGN - 1);
	if (off + n > b->size) {
		b = block_new(n > ARENA_BLOCK ? n : ARENA_BLOCK);
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	p = b->mem + off;
	b->used = off + n;
	ASAN_UNPOISON_MEMORY_REGION(p, n);
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if (s == NULL)
		return NULL;
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;
	char	*p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("arena: bad format");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void
abuf_init(struct abuf *b, struct arena *a, size_t cap)
{
	b->arena = a;
	b->cap = cap < 64 ? 64 : cap;
	b->data = arena_alloc(a, b->cap);
	b->len = 0;
}

static void
abuf_grow(struct abuf *b, size_t need)
{
	char	*p;
	size_t	 cap = b->cap;

	if (b->len + need + 1 <= cap)
		return;
	while (b->len + need + 1 > cap)
		cap *= 2;
	p = arena_alloc(b->arena, cap);
	memcpy(p, b->data, b->len);
	b->data = p;
	b->cap = cap;
}

void
abuf_add(struct abuf *b, const void *p, size_t n)
{
	abuf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
abuf_adds(struct abuf *b, const char *s)
{
	abuf_add(b, s, strlen(s));
}

void
abuf_printf(struct abuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("abuf: bad format");
	abuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
