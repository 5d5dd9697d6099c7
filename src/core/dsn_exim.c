/*
 * dsn_exim.c
 *	  Exim: "This message was created automatically by mail delivery
 *	  software." then the failed addresses indented by two spaces, each
 *	  followed by the more indented SMTP error; X-Failed-Recipients lists
 *	  them too.  A "Warning: message ... delayed" notice is a delay.
 */
#include "dsn_int.h"

bool
rb_dsn_exim(rb_dsn_ctx *ctx)
{
	rb_span		addr,
				list;
	bool		delayed;
	int			n;

	if (!(ctx->failed_recipients.len ||
		  rb_contains(ctx->text, "created automatically by mail delivery software") ||
		  rb_contains(ctx->text, "could not be delivered to one or more of its")))
		return false;
	delayed = rb_span_istarts(ctx->subject, "warning: message") ||
		rb_contains(ctx->text, "has not yet been delivered") ||
		rb_contains(ctx->text, "message has been frozen");
	/* the list follows "The following address(es) failed:" */
	list = rb_after(ctx->text, "failed:");
	if (list.len == 0)
		list = rb_after(ctx->text, "following address");
	if (list.len == 0)
		list = ctx->text;
	n = rb_scan_recipient_blocks(ctx, list, false);
	if (n == 0 && ctx->failed_recipients.len)
	{
		/* the addresses are only in the header: the text is the reason */
		rb_span		rest = ctx->failed_recipients;
		rb_span		reason = rb_telling_paragraph(ctx, list);
		rb_dsn_recipient first = {0};

		first.diagnostic = reason;
		first.remote_mta = RB_SPAN_EMPTY;
		rb_complete_recipient(&first);

		while (rb_next_address(&rest, &addr))
		{
			rb_dsn_recipient *r = rb_add_recipient(ctx, addr);

			if (r == NULL)
				break;
			r->diagnostic = reason;
			r->reply_code = first.reply_code;
			r->status = first.status;
			r->remote_mta = first.remote_mta;
			r->command = first.command;
			n++;
		}
	}
	if (delayed)
		for (size_t i = 0; i < ctx->out->nrcpt; i++)
			ctx->out->rcpt[i].action = (rb_span) {"delayed", 7};
	return n > 0;
}
