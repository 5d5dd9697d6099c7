/*
 * provider.h
 *	  The compiled provider rules, for the other glue files.
 */
#ifndef REBOUND_PROVIDER_H
#define REBOUND_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

/* Index of the provider matching a normalized name, or -1. */
extern int	rb_host_provider_index(const char *name, size_t len, bool exact);

/*
 * The provider of a host name as a bounce gives it (any case, U-labels,
 * a root dot), or NULL when it belongs to none or is no host name at all.
 */
extern const char *rb_host_provider_of(const char *name, size_t len);

/* Name of a provider index, NULL for -1. */
extern const char *rb_provider_name(int index);

#endif							/* REBOUND_PROVIDER_H */
