/*
 * dsn_postfix.c
 *	  Postfix notices sent without a delivery-status part (old versions,
 *	  or a relay that flattened the MIME): "This is the mail system at host
 *	  X." then "<address>: host Y[ip] said: ... (in reply to RCPT TO
 *	  command)".
 */
#include "dsn_int.h"

bool
rb_dsn_postfix(rb_dsn_ctx *ctx)
{
	if (!(rb_contains(ctx->text, "this is the mail system at host") ||
		  rb_contains(ctx->text, "this is the postfix program") ||
		  rb_contains(ctx->text, "(in reply to rcpt to command)") ||
		  rb_contains(ctx->text, "(in reply to end of data command)")))
		return false;
	return rb_scan_recipient_blocks(ctx, ctx->text, false) > 0;
}
