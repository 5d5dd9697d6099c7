/*
 * dsn_generic.c
 *	  Any other bounce: when the message says it is one (a mailer-daemon
 *	  sender, a bounce subject, an empty Return-Path, X-Failed-Recipients),
 *	  read the common "recipient, then reason" layout; failing that, the
 *	  recipient of the returned message and the paragraph that carries an
 *	  SMTP reply.
 */
#include "dsn_int.h"

#include <string.h>
#include <strings.h>

/*
 * An address the text names that is not the bounce's own sender or
 * receiver ("There was an error delivering your mail to <a@b>.").
 */
static bool
address_in_text(rb_dsn_ctx *ctx, rb_span *addr)
{
	rb_span		rest = ctx->text,
				from = RB_SPAN_EMPTY;

	rb_find_address(ctx->from, &from);
	while (rb_next_address(&rest, addr))
	{
		bool		same_from = from.len == addr->len &&
			strncasecmp(from.ptr, addr->ptr, from.len) == 0;

		if (!same_from && !rb_own_address(ctx, *addr))
			return true;
	}
	return false;
}

bool
rb_dsn_generic(rb_dsn_ctx *ctx)
{
	rb_span		addr;
	rb_dsn_recipient *r;

	if (!rb_looks_like_bounce(ctx))
		return false;
	if (rb_scan_recipient_blocks(ctx, ctx->text, true) > 0)
		return true;
	if (rb_find_address(ctx->failed_recipients, &addr))
		;
	else if (address_in_text(ctx, &addr))
		;
	else if (!rb_original_recipient(ctx, &addr))
		return false;
	if ((r = rb_add_recipient(ctx, addr)) == NULL)
		return false;
	r->diagnostic = rb_telling_paragraph(ctx, ctx->text);
	rb_complete_recipient(r);
	return true;
}
