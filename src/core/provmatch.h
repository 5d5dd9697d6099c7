/*
 * provmatch.h
 *	  Provider matching: longest host-name suffix on label boundaries and
 *	  longest IP prefix, compiled once into tries.
 *
 * Plain C99, no PostgreSQL.  Names handed to the matcher must already be in
 * rebound's normal form (lower-case ASCII, no trailing dot: see domain.h);
 * addresses are raw network-order bytes.  Values are small non-negative
 * integers chosen by the caller (an index into its list of providers);
 * -1 means "no match".
 */
#ifndef REBOUND_CORE_PROVMATCH_H
#define REBOUND_CORE_PROVMATCH_H

#include <stddef.h>

typedef struct rb_provmatch rb_provmatch;

typedef enum rb_provmatch_error
{
	RB_PM_OK = 0,
	RB_PM_NOMEM,				/* malloc failed */
	RB_PM_BAD_PATTERN,			/* empty, or a character no host name has */
	RB_PM_BAD_PREFIX,			/* family not 4/6, or bits out of range */
	RB_PM_CONFLICT				/* the same pattern with another value */
} rb_provmatch_error;

/* NULL when out of memory. */
extern rb_provmatch *rb_provmatch_create(void);
extern void rb_provmatch_free(rb_provmatch *m);

/*
 * Add a host-name suffix (matches the name itself and every name under it)
 * or, with exact set, a whole name (matches that name only).
 */
extern rb_provmatch_error rb_provmatch_add_name(rb_provmatch *m,
												const char *name, size_t len,
												int exact, int value);

/* Add an IP prefix: family 4 or 6, addr 4 or 16 bytes, bits 0..32/128. */
extern rb_provmatch_error rb_provmatch_add_prefix(rb_provmatch *m, int family,
												  const unsigned char *addr,
												  int bits, int value);

/*
 * Add a routed network (a prefix announced by an autonomous system a rule
 * names): consulted only for addresses no explicit prefix contains.
 */
extern rb_provmatch_error rb_provmatch_add_network(rb_provmatch *m, int family,
												   const unsigned char *addr,
												   int bits, int value);

/*
 * Longest suffix rule that matches name on a label boundary; with exact
 * set, the whole-name rule of name instead.  -1 when none.
 */
extern int	rb_provmatch_name(const rb_provmatch *m, const char *name,
							  size_t len, int exact);

/*
 * Longest explicit prefix containing addr (family 4 or 6); when none, the
 * longest network containing it.  -1 when neither.
 */
extern int	rb_provmatch_addr(const rb_provmatch *m, int family,
							  const unsigned char *addr);

/* Number of trie nodes, for memory accounting. */
extern size_t rb_provmatch_nodes(const rb_provmatch *m);

extern const char *rb_provmatch_strerror(rb_provmatch_error err);

#endif							/* REBOUND_CORE_PROVMATCH_H */
