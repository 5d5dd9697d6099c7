/*
 * dsn_yahoo.c
 *	  Yahoo! Mail's own failure notices: "Sorry, we were unable to deliver
 *	  your message to the following address." then "<address>:" and
 *	  "Remote host said: ...", the qmail layout it descends from.
 */
#include "dsn_int.h"

bool
rb_dsn_yahoo(rb_dsn_ctx *ctx)
{
	if (!(rb_contains(ctx->text, "unable to deliver your message to the following address") ||
		  (ctx->from_daemon && rb_contains(ctx->from, "yahoo"))))
		return false;
	return rb_scan_recipient_blocks(ctx, ctx->text, false) > 0;
}
