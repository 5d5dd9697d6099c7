/*
 * dsn_sendmail.c
 *	  Sendmail's text notices (V5 and V8 without a delivery-status part):
 *	  "----- The following addresses had permanent fatal errors -----", the
 *	  addresses, then "----- Transcript of session follows -----" with
 *	  ">>> RCPT To:<address>" and "<<< 550 ..." lines and
 *	  "... while talking to host:".
 */
#include "dsn_int.h"

#include <string.h>

/* The transcript line that answers about addr, or else the first error. */
static void
from_transcript(rb_dsn_ctx *ctx, rb_span transcript, rb_dsn_recipient *r)
{
	rb_span		rest = transcript,
				line,
				first = RB_SPAN_EMPTY,
				mine = RB_SPAN_EMPTY;
	bool		asked = false;	/* the last command named this recipient */

	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);
		bool		named = r->recipient.len &&
			rb_memcasemem(t.ptr, t.len, r->recipient.ptr, r->recipient.len) != NULL;

		if (rb_span_istarts(t, ">>>"))
		{
			asked = named;
			continue;
		}
		if (rb_span_istarts(t, "<<<"))
		{
			t.ptr += 3;
			t.len -= 3;
			t = rb_span_trim(t);
		}
		if (rb_find_reply_code(t) == 0 || !(t.len > 0 && (t.ptr[0] == '4' || t.ptr[0] == '5')))
			continue;
		if (first.len == 0)
			first = t;
		if ((named || asked) && mine.len == 0)
			mine = t;
	}
	if (mine.len == 0)
		mine = first;
	if (mine.len)
		r->diagnostic = rb_squeeze(ctx, mine);
}

/* V5: "554 <user@example.jp>... 550 Host unknown" names the recipient. */
static int
coded_lines(rb_dsn_ctx *ctx, rb_span transcript)
{
	rb_span		rest = transcript,
				line,
				addr,
				tail;
	int			n = 0;

	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);
		rb_dsn_recipient *r;

		if (t.len < 8 || !(t.ptr[0] == '4' || t.ptr[0] == '5') || t.ptr[3] != ' ' ||
			rb_find_reply_code(t) == 0)
			continue;
		t.ptr += 4;
		t.len -= 4;
		if (!rb_is_address_line(t, &addr, &tail) || !rb_span_istarts(rb_span_trim(tail), "..."))
			continue;
		if (rb_find_recipient(ctx, addr) || (r = rb_add_recipient(ctx, addr)) == NULL)
			continue;
		r->diagnostic = rb_squeeze(ctx, (rb_span) {line.ptr, line.len});
		n++;
	}
	return n;
}

bool
rb_dsn_sendmail(rb_dsn_ctx *ctx)
{
	rb_span		list,
				transcript,
				host = RB_SPAN_EMPTY;
	int			n;

	if (!(rb_contains(ctx->text, "transcript of session follows") ||
		  rb_contains(ctx->text, "had permanent fatal errors") ||
		  rb_contains(ctx->text, "the original message was received at")))
		return false;
	list = rb_after(ctx->text, "fatal errors");
	if (list.len == 0)
		list = rb_after(ctx->text, "-----");
	transcript = rb_after(ctx->text, "transcript of session follows");
	if (list.len)
	{
		/* the list ends where the transcript starts */
		if (transcript.len && transcript.ptr > list.ptr)
			list.len = transcript.ptr - list.ptr;
		{
			rb_span		rest = list,
						line;

			rb_next_line(&rest, &line);	/* the "-----" line itself */
			list = rest;
		}
	}
	n = rb_scan_recipient_blocks(ctx, list.len ? list : ctx->text, false);
	if (n == 0 && transcript.len)
		n = rb_scan_recipient_blocks(ctx, transcript, false);
	if (n == 0 && transcript.len)
		n = coded_lines(ctx, transcript);
	if (n == 0 && transcript.len)
	{
		/* V5 names nobody: the recipient is the returned message's */
		rb_span		addr;

		if (rb_original_recipient(ctx, &addr) && rb_add_recipient(ctx, addr) != NULL)
			n = 1;
	}
	if (transcript.len)
	{
		rb_span		t = rb_after(transcript, "while talking to ");

		if (t.len)
			rb_find_remote_host(t, &host);
	}
	for (size_t i = 0; i < ctx->out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &ctx->out->rcpt[i];

		/* one pass over the transcript per recipient: small reports only */
		if (transcript.len && rb_find_reply_code(r->diagnostic) == 0 &&
			ctx->out->nrcpt <= 64)
			from_transcript(ctx, transcript, r);
		if (r->remote_mta.len == 0)
			r->remote_mta = host;
		rb_complete_recipient(r);
	}
	return n > 0;
}
