/*
 * poll.h
 *	  Letting the caller stop a long parse: the core counts its work and,
 *	  every RB_POLL_EVERY units, asks a function of the caller whether to go
 *	  on.
 *
 * The core never jumps out of its own loops: once the caller says stop,
 * rb_polled_stop() stays true, every scanner returns as if the input had
 * ended, and the entry point (rb_dsn_parse) returns an error code.  The
 * caller then frees what it owns and raises its own error.  A caller whose
 * stop function threw (longjmp) would leave the core's memory to whoever
 * owns the arena, and ICU converters half-way through a conversion, so the
 * function must only answer.
 *
 * A unit is about one byte looked at.  The state is per process, like the
 * ICU converter cache: one parse at a time per thread of control, which is
 * how a PostgreSQL backend and the test programs run.
 */
#ifndef REBOUND_CORE_POLL_H
#define REBOUND_CORE_POLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True: stop now.  Must return, never jump out. */
typedef bool (*rb_stop_fn) (void *arg);

/* At 1 GB/s of scanning, a poll about every 64 microseconds. */
#define RB_POLL_EVERY ((int64_t) 1 << 16)

typedef struct rb_poll_state
{
	int64_t		budget;			/* units left before the next call */
	bool		stopped;		/* the caller said stop: sticky */
	rb_stop_fn	fn;
	void	   *arg;
	uint64_t	calls;			/* how often fn was asked (for tests) */
	uint64_t	work;			/* units counted since rb_poll_begin */
} rb_poll_state;

extern rb_poll_state rb_poll_current;

/*
 * Installs fn (NULL: never stop) for the work that follows, and clears a
 * previous stop.  rb_poll_end() removes it and clears the stop, so that a
 * stop never outlives the work it ended.
 */
extern void rb_poll_begin(rb_stop_fn fn, void *arg);
extern void rb_poll_end(void);

extern bool rb_poll_ask(void);

/* Counts units of work; true when the caller said stop. */
static inline bool
rb_poll(size_t units)
{
	rb_poll_current.work += units;
	rb_poll_current.budget -= (int64_t) (units > RB_POLL_EVERY ? RB_POLL_EVERY : units);
	if (rb_poll_current.budget <= 0)
		return rb_poll_ask();
	return rb_poll_current.stopped;
}

/*
 * Inside one long byte loop over a span its caller has counted already:
 * asks the stop function every RB_POLL_EVERY bytes (i is the offset), so
 * that a pass over 50 MB does not keep a stop waiting.
 */
static inline bool
rb_poll_inside(size_t i)
{
	if (i == 0 || (i & ((size_t) RB_POLL_EVERY - 1)) != 0)
		return false;
	return rb_poll_ask();
}

static inline bool
rb_polled_stop(void)
{
	return rb_poll_current.stopped;
}

#endif							/* REBOUND_CORE_POLL_H */
