/*
 * tap.h
 *	  A minimal Test Anything Protocol producer for the core unit tests, so
 *	  that prove(1) runs them like the pgTAP suites.
 */
#ifndef REBOUND_TAP_H
#define REBOUND_TAP_H

#include <stdio.h>
#include <string.h>

static int	tap_count;
static int	tap_failed;

static void
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, what);
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
}

#define ok(cond, what) tap_ok((cond) ? 1 : 0, __FILE__, __LINE__, (what))

#define is_str(got, want, what) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		int			same_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0; \
		tap_ok(same_, __FILE__, __LINE__, (what)); \
		if (!same_) \
			printf("#   got: '%s'\n#   expected: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

#define is_int(got, want, what) \
	do { \
		long long g_ = (long long) (got), w_ = (long long) (want); \
		tap_ok(g_ == w_, __FILE__, __LINE__, (what)); \
		if (g_ != w_) \
			printf("#   got: %lld\n#   expected: %lld\n", g_, w_); \
	} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif							/* REBOUND_TAP_H */
