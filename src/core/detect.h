/*
 * detect.h
 *	  What incident detection needs from the text of a bounce and from
 *	  statistics: which layer of a domain's infrastructure a failure
 *	  implicates, and how improbable a count is under a Poisson baseline.
 */
#ifndef REBOUND_CORE_DETECT_H
#define REBOUND_CORE_DETECT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The part of the receiving side a delivery failure points at.  A DNS
 * failure implicates whoever answers for the domain's names (its DNS
 * hosts); a connection failure implicates whoever runs its mail servers.
 */
typedef enum rb_failure_kind
{
	RB_FAILURE_NONE = 0,		/* the text names neither */
	RB_FAILURE_DNS,				/* a name lookup failed */
	RB_FAILURE_CONNECTION		/* the mail server could not be reached */
} rb_failure_kind;

/* The kind of failure a diagnostic text (any bytes, len bytes) describes. */
extern rb_failure_kind rb_failure_kind_of(const char *text, size_t len);

/* "dns", "connection", or NULL for RB_FAILURE_NONE. */
extern const char *rb_failure_kind_name(rb_failure_kind kind);

/*
 * log10 of P(X >= n) for X ~ Poisson(lambda), lambda > 0 and finite.
 * Always <= 0, accurate in the far tail where the probability itself
 * underflows a double (n = 10000, lambda = 1 gives about -35660).
 */
extern double rb_poisson_tail_log10(uint64_t n, double lambda);

#endif							/* REBOUND_CORE_DETECT_H */
