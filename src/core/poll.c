/*
 * poll.c
 *	  The caller's stop function, asked every RB_POLL_EVERY units of work.
 */
#include "poll.h"

rb_poll_state rb_poll_current = {RB_POLL_EVERY, false, NULL, NULL, 0, 0};

void
rb_poll_begin(rb_stop_fn fn, void *arg)
{
	rb_poll_current.fn = fn;
	rb_poll_current.arg = arg;
	rb_poll_current.stopped = false;
	rb_poll_current.budget = RB_POLL_EVERY;
	rb_poll_current.calls = 0;
	rb_poll_current.work = 0;
}

void
rb_poll_end(void)
{
	rb_poll_current.fn = NULL;
	rb_poll_current.arg = NULL;
	rb_poll_current.budget = RB_POLL_EVERY;
	/* a stop ends with the work it stopped */
	rb_poll_current.stopped = false;
}

bool
rb_poll_ask(void)
{
	rb_poll_current.budget = RB_POLL_EVERY;
	if (!rb_poll_current.stopped && rb_poll_current.fn != NULL)
	{
		rb_poll_current.calls++;
		rb_poll_current.stopped = rb_poll_current.fn(rb_poll_current.arg);
	}
	return rb_poll_current.stopped;
}
