/*
 * dsn_gmail.c
 *	  Gmail's plain-text notices (before Google moved to RFC 3464):
 *	  "Delivery to the following recipient failed permanently:", the
 *	  address alone, then "Technical details of permanent failure:" with
 *	  the other server's reply.
 */
#include "dsn_int.h"

bool
rb_dsn_gmail(rb_dsn_ctx *ctx)
{
	rb_span		tech;
	int			n;

	if (!(rb_contains(ctx->text, "delivery to the following recipient") ||
		  rb_contains(ctx->text, "technical details of permanent failure") ||
		  rb_contains(ctx->text, "technical details of temporary failure")))
		return false;
	n = rb_scan_recipient_blocks(ctx, ctx->text, true);
	tech = rb_after(ctx->text, "technical details of");
	if (tech.len)
		tech = rb_squeeze(ctx, tech);
	for (size_t i = 0; i < ctx->out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &ctx->out->rcpt[i];

		/* one report, one set of technical details: lend them to all */
		if (tech.len)
		{
			r->diagnostic = tech;
			r->reply_code = 0;
			r->status = 0;
			r->remote_mta = RB_SPAN_EMPTY;
		}
		if (rb_contains(ctx->text, "has been delayed") ||
			rb_contains(ctx->text, "temporary failure"))
			r->action = (rb_span) {"delayed", 7};
		{
			/* the reply is after "returned was:"; the host before it */
			rb_span		said = rb_after(r->diagnostic, "returned was:");

			if (said.len > 13 && r->reply_code == 0)
			{
				said.ptr += 13;
				said.len -= 13;
				r->reply_code = rb_find_reply_code(said);
				r->status = rb_find_status(said);
			}
		}
		rb_complete_recipient(r);
	}
	return n > 0;
}
