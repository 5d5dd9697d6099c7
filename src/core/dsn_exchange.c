/*
 * dsn_exchange.c
 *	  Microsoft Exchange and Outlook non-delivery reports without a
 *	  delivery-status part.  Exchange 2003: "did not reach the following
 *	  recipient(s):" then "address on date" and indented reasons.  Exchange
 *	  2007 and later: "Delivery has failed to these recipients or groups:"
 *	  and, under "Diagnostic information for administrators:", each address
 *	  followed by "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" or
 *	  "Remote Server returned '...'".
 */
#include "dsn_int.h"

bool
rb_dsn_exchange(rb_dsn_ctx *ctx)
{
	rb_span		section;

	if (!(rb_contains(ctx->text, "did not reach the following recipient") ||
		  rb_contains(ctx->text, "delivery has failed to these recipients") ||
		  rb_contains(ctx->text, "diagnostic information for administrators") ||
		  rb_contains(ctx->text, "did not reach some or all of the intended recipients") ||
		  rb_contains(ctx->text, "could not be delivered to the following recipients")))
		return false;
	/* the administrators' section carries the codes: read it first */
	section = rb_after(ctx->text, "diagnostic information for administrators");
	if (section.len)
		rb_scan_recipient_blocks(ctx, section, true);
	rb_scan_recipient_blocks(ctx, ctx->text, false);
	return ctx->out->nrcpt > 0;
}
