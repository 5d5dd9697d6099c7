/*
 * arena.h
 *	  A bump allocator with a hard ceiling, for parsers that read untrusted
 *	  input: everything a parse allocates comes from one arena and goes away
 *	  with it, and no input can make it grow past its limit.
 *
 * The blocks come from a caller-supplied function (malloc by default; the
 * PostgreSQL glue passes palloc, so that an error thrown half-way through a
 * parse frees everything with the memory context).
 */
#ifndef REBOUND_CORE_ARENA_H
#define REBOUND_CORE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef void *(*rb_alloc_fn) (size_t size, void *cb);
typedef void (*rb_free_fn) (void *ptr, void *cb);

typedef struct rb_arena_block
{
	struct rb_arena_block *next;
	size_t		size;
	size_t		used;
	/* data follows, max-aligned */
} rb_arena_block;

typedef struct rb_arena
{
	rb_alloc_fn alloc_fn;
	rb_free_fn	free_fn;		/* NULL: blocks are freed by their owner */
	void	   *cb;
	rb_arena_block *head;
	size_t		total;			/* bytes obtained from alloc_fn */
	size_t		limit;			/* never obtain more than this */
	bool		exhausted;		/* an allocation was refused */
	bool		out_of_memory;	/* ... because alloc_fn returned NULL */
} rb_arena;

/* alloc_fn NULL means malloc/free. */
extern void rb_arena_init(rb_arena *a, size_t limit, rb_alloc_fn alloc_fn,
						  rb_free_fn free_fn, void *cb);

/* Max-aligned memory, or NULL (and a->exhausted) past the limit. */
extern void *rb_arena_alloc(rb_arena *a, size_t size);

/* A copy of p[0..len) with a NUL after it, or NULL. */
extern char *rb_arena_strndup(rb_arena *a, const char *p, size_t len);

/* Frees every block (when free_fn is set). */
extern void rb_arena_release(rb_arena *a);

#endif							/* REBOUND_CORE_ARENA_H */
