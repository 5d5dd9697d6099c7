/*
 * dsn_qmail.c
 *	  qmail and its descendants (netqmail, notqmail, s/qmail): "Hi. This is
 *	  the qmail-send program at ..." then "<address>:" and what the remote
 *	  host said, with the status in "(#5.1.1)".
 */
#include "dsn_int.h"

bool
rb_dsn_qmail(rb_dsn_ctx *ctx)
{
	if (!(rb_contains(ctx->text, "qmail-send program") ||
		  rb_contains(ctx->text, "this is the qmail") ||
		  ctx->bounce_received))
		return false;
	return rb_scan_recipient_blocks(ctx, ctx->text, false) > 0;
}
