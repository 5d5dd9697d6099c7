/*
 * dsn_einsundeins.c
 *	  1&1 (Eins und Eins, United Internet's mail for 1und1.de, ionos and
 *	  kundenserver.de) notices in their own layout: Exim's introduction
 *	  ("This message was created automatically by mail delivery
 *	  software"), the failed address alone on its line, then a line "For
 *	  the following reason:" and the reason in the paragraph after it ("Mail
 *	  size limit exceeded. For explanation visit ..."); the returned
 *	  message follows "--- The header of the original message is
 *	  following. ---".  The Exim reader would take the marker line for the
 *	  reason and lose the paragraph.  Markers as Sisimai's
 *	  Lhost/EinsUndEins.pm reads them; the corpus's 1&1 sample
 *	  (lhost-einsundeins-03) is in the Exim form and read by dsn_exim.c, so
 *	  the unit test of this form is written from that layout.
 */
#include "dsn_int.h"

static const char marker[] = "for the following reason:";

/* Give the reason that ends at stop to the rows from first on. */
static void
give_reason(rb_dsn_ctx *ctx, size_t first, const char *start, const char *stop)
{
	rb_span		reason;

	if (start == NULL || stop <= start)
		return;
	reason = rb_squeeze(ctx, (rb_span) {start, (size_t) (stop - start)});
	for (size_t i = first; i < ctx->out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &ctx->out->rcpt[i];

		if (r->diagnostic.len == 0)
			r->diagnostic = reason;
		rb_complete_recipient(r);
	}
}

bool
rb_dsn_einsundeins(rb_dsn_ctx *ctx)
{
	rb_span		rest,
				line,
				addr,
				tail;
	const char *start = NULL;
	size_t		first = 0;
	int			n = 0;

	if (!rb_contains(ctx->text, "created automatically by mail delivery software") ||
		!rb_contains(ctx->text, marker))
		return false;
	rest = ctx->text;
	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);

		if (rb_is_address_line(line, &addr, &tail) && rb_blank(tail))
		{
			rb_dsn_recipient *r;

			/* a new address closes the reason of the ones before it */
			if (start != NULL)
			{
				give_reason(ctx, first, start, line.ptr);
				start = NULL;
				first = ctx->out->nrcpt;
			}
			if (rb_find_recipient(ctx, addr) != NULL)
				continue;
			if ((r = rb_add_recipient(ctx, addr)) == NULL)
				break;
			n++;
		}
		else if (rb_span_istarts(t, marker) && n > 0)
			start = t.ptr + sizeof(marker) - 1;
	}
	give_reason(ctx, first, start, ctx->text.ptr + ctx->text.len);
	return n > 0;
}
