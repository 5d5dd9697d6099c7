/*
 * dsn_notes.c
 *	  Lotus Notes / IBM Domino plain-text failure notices ("Undeliverable
 *	  message" from POSTMASTER): under "------- Failure Reasons --------"
 *	  each reason comes first, then the address it applies to; the
 *	  returned message follows "------- Returned Message --------".  The
 *	  common reader would take the reason for the previous address, so the
 *	  order is read here.  Layout as in Sisimai's published samples
 *	  lhost-notes-01..03 (../shared/corpus); Domino's RFC 3464 reports need
 *	  nothing special.
 */
#include "dsn_int.h"

bool
rb_dsn_notes(rb_dsn_ctx *ctx)
{
	rb_span		rest = rb_after(ctx->text, "failure reasons"),
				line,
				addr,
				tail;
	const char *start = NULL,
			   *stop = NULL;
	int			n = 0;

	if (rest.len == 0)
		return false;
	/* the marker line itself */
	rb_next_line(&rest, &line);
	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);

		if (t.len >= 7 && t.ptr[0] == '-' && rb_contains(t, "returned message"))
			break;
		if (rb_blank(line))
			continue;
		if (rb_is_address_line(line, &addr, &tail) && rb_blank(tail))
		{
			rb_dsn_recipient *r = rb_find_recipient(ctx, addr);

			if (r == NULL && (r = rb_add_recipient(ctx, addr)) == NULL)
				return n > 0;
			if (start != NULL && r->diagnostic.len == 0)
				r->diagnostic = rb_squeeze(ctx, (rb_span) {start, (size_t) (stop - start)});
			rb_complete_recipient(r);
			n++;
			start = stop = NULL;
			continue;
		}
		if (start == NULL)
			start = line.ptr;
		stop = line.ptr + line.len;
	}
	return n > 0;
}
