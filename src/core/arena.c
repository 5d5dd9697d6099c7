/*
 * arena.c
 *	  Bounded bump allocator.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN		16
#define ARENA_BLOCK_MIN	(32 * 1024)
#define ALIGN_UP(n)		(((n) + (ARENA_ALIGN - 1)) & ~((size_t) ARENA_ALIGN - 1))
#define BLOCK_HEADER	ALIGN_UP(sizeof(rb_arena_block))

static void *
default_alloc(size_t size, void *cb)
{
	(void) cb;
	return malloc(size);
}

static void
default_free(void *ptr, void *cb)
{
	(void) cb;
	free(ptr);
}

void
rb_arena_init(rb_arena *a, size_t limit, rb_alloc_fn alloc_fn,
			  rb_free_fn free_fn, void *cb)
{
	memset(a, 0, sizeof(*a));
	a->limit = limit;
	if (alloc_fn == NULL)
	{
		a->alloc_fn = default_alloc;
		a->free_fn = default_free;
	}
	else
	{
		a->alloc_fn = alloc_fn;
		a->free_fn = free_fn;
	}
	a->cb = cb;
}

void *
rb_arena_alloc(rb_arena *a, size_t size)
{
	rb_arena_block *b = a->head;
	size_t		need = ALIGN_UP(size ? size : 1);
	size_t		bsize;

	if (need < size)
		goto refuse;			/* overflow */
	if (b != NULL && b->size - b->used >= need)
	{
		void	   *p = (char *) b + BLOCK_HEADER + b->used;

		b->used += need;
		return p;
	}

	/* A new block: at least the minimum, grow with the total. */
	bsize = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;
	if (a->total / 2 > bsize && need <= a->total / 2)
		bsize = a->total / 2;
	if (a->total > a->limit || bsize + BLOCK_HEADER > a->limit - a->total)
	{
		/* the last chance: exactly what is asked */
		bsize = need;
		if (a->total > a->limit || bsize + BLOCK_HEADER > a->limit - a->total)
			goto refuse;
	}
	b = a->alloc_fn(bsize + BLOCK_HEADER, a->cb);
	if (b == NULL)
	{
		a->out_of_memory = true;
		goto refuse;
	}
	a->total += bsize + BLOCK_HEADER;
	b->size = bsize;
	b->used = need;
	/* keep a partly used head first if it has more room than the new one */
	if (a->head != NULL && a->head->size - a->head->used > bsize - need)
	{
		b->next = a->head->next;
		a->head->next = b;
	}
	else
	{
		b->next = a->head;
		a->head = b;
	}
	return (char *) b + BLOCK_HEADER;

refuse:
	a->exhausted = true;
	return NULL;
}

char *
rb_arena_strndup(rb_arena *a, const char *p, size_t len)
{
	char	   *s;

	if (len == SIZE_MAX)
		return NULL;
	s = rb_arena_alloc(a, len + 1);
	if (s == NULL)
		return NULL;
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void
rb_arena_release(rb_arena *a)
{
	rb_arena_block *b = a->head;

	while (b != NULL)
	{
		rb_arena_block *next = b->next;

		if (a->free_fn)
			a->free_fn(b, a->cb);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
