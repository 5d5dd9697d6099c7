/*
 * dsn_interscan.c
 *	  Trend Micro InterScan Messaging Security Suite (MSS) notices: a block
 *	  framed by asterisks, "Message from InterScan Messaging Security Suite",
 *	  then one sentence per failed address, "Unable to deliver message to
 *	  <a> (and other recipients in the same domain). ..."; the SMTP dialogue
 *	  may follow as "Sent <<< RCPT TO:<a>" and "Received >>> 550 ...".
 *	  Layout as in Sisimai's published sample lhost-interscanmss-02
 *	  (../shared/corpus).  The common reader would give the whole frame as
 *	  the reason.
 */
#include "dsn_int.h"

bool
rb_dsn_interscan(rb_dsn_ctx *ctx)
{
	static const char unable[] = "unable to deliver message to ";
	rb_span		rest,
				line,
				addr;
	rb_dsn_recipient *last = NULL;
	int			n = 0;

	if (!rb_contains(ctx->text, "interscan") && !rb_contains(ctx->from, "interscan"))
		return false;
	rest = ctx->text;
	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);
		rb_span		at = rb_after(t, unable);

		if (at.len > 0 && rb_find_address(at, &addr))
		{
			rb_dsn_recipient *r = rb_find_recipient(ctx, addr);

			if (r == NULL && (r = rb_add_recipient(ctx, addr)) == NULL)
				return n > 0;
			if (r->diagnostic.len == 0)
				r->diagnostic = rb_squeeze(ctx, at);
			last = r;
			n++;
		}
		else if (rb_span_istarts(t, "sent <<<") && rb_contains(t, "rcpt to:") &&
				 rb_find_address(t, &addr))
		{
			last = rb_find_recipient(ctx, addr);
			if (last == NULL && (last = rb_add_recipient(ctx, addr)) == NULL)
				return n > 0;
			last->command = "RCPT";
			n++;
		}
		else if (rb_span_istarts(t, "received >>>") && last != NULL)
		{
			/* the server's reply says more than the sentence */
			last->diagnostic = rb_squeeze(ctx, (rb_span) {t.ptr + 12, t.len - 12});
		}
	}
	for (size_t i = 0; i < ctx->out->nrcpt; i++)
		rb_complete_recipient(&ctx->out->rcpt[i]);
	return n > 0;
}
