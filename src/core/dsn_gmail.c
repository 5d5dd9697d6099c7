/*
 * dsn_gmail.c
 *	  Gmail's plain-text notices (before Google moved to RFC 3464):
 *	  "Delivery to the following recipient failed permanently:", the
 *	  address alone, then "Technical details of permanent failure:" with
 *	  the other server's reply.
 */
#include "dsn_int.h"

#include <string.h>

bool
rb_dsn_gmail(rb_dsn_ctx *ctx)
{
	rb_span		tech;
	rb_dsn_recipient details;
	bool		delayed;
	int			n;

	if (!(rb_contains(ctx->text, "delivery to the following recipient") ||
		  rb_contains(ctx->text, "technical details of permanent failure") ||
		  rb_contains(ctx->text, "technical details of temporary failure")))
		return false;
	n = rb_scan_recipient_blocks(ctx, ctx->text, true);
	tech = rb_after(ctx->text, "technical details of");
	/* "failed permanently" after temporary failures: Gmail gave up */
	delayed = (rb_contains(ctx->text, "has been delayed") ||
			   rb_contains(ctx->text, "temporary failure")) &&
		!rb_contains(ctx->text, "failed permanently");
	if (delayed)
		for (size_t i = 0; i < ctx->out->nrcpt; i++)
			ctx->out->rcpt[i].action = (rb_span) {"delayed", 7};
	if (tech.len == 0 || n == 0)
		return n > 0;

	/* one report, one set of technical details: read them once, lend to all */
	memset(&details, 0, sizeof(details));
	details.diagnostic = rb_squeeze(ctx, tech);
	details.remote_mta = RB_SPAN_EMPTY;
	{
		/* the other server's reply follows "returned was:" */
		rb_span		said = rb_after(details.diagnostic, "returned was:");

		if (said.len > 13)
		{
			said.ptr += 13;
			said.len -= 13;
			details.reply_code = rb_find_reply_code(said);
			details.status = rb_find_status(said);
		}
	}
	rb_complete_recipient(&details);
	for (size_t i = 0; i < ctx->out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &ctx->out->rcpt[i];

		r->diagnostic = details.diagnostic;
		r->reply_code = details.reply_code;
		r->status = details.status;
		r->remote_mta = details.remote_mta;
		r->command = details.command;
	}
	return n > 0;
}
