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
				line;

	if (rest.len == 0)
		return false;
	/* the marker line itself */
	rb_next_line(&rest, &line);
	return rb_scan_reason_first(ctx, rest, "returned message") > 0;
}
