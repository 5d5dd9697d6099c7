/*
 * dsn_mailmarshal.c
 *	  MailMarshal SMTP (Trustwave, formerly Marshal) notices, subject
 *	  'Undeliverable Mail: "<subject>"': the reason comes first, under
 *	  "Could not be delivered because of", then "The following recipients
 *	  were affected:" and the addresses, one an indented line; an
 *	  "Additional Information" block names the MTAs.  The generic reader
 *	  would give each address the paragraph after it (that block), so the
 *	  order is read here.  Markers as Sisimai's Lhost/MailMarshalSMTP.pm
 *	  reads them; the corpus has no sample of this family, so the unit test
 *	  is written from that layout.
 */
#include "dsn_int.h"

bool
rb_dsn_mailmarshal(rb_dsn_ctx *ctx)
{
	static const char because[] = "could not be delivered because of";
	static const char affected[] = "the following recipients were affected:";
	rb_span		reason = rb_after(ctx->text, because),
				list,
				line,
				addr,
				tail;
	int			n = 0;

	if (!rb_span_istarts(rb_span_trim(ctx->subject), "undeliverable mail:") ||
		reason.len == 0)
		return false;
	reason.ptr += sizeof(because) - 1;
	reason.len -= sizeof(because) - 1;
	list = rb_after(reason, affected);
	if (list.len == 0)
		return false;
	reason.len = list.ptr - reason.ptr;
	reason = rb_squeeze(ctx, reason);
	list.ptr += sizeof(affected) - 1;
	list.len -= sizeof(affected) - 1;

	/* the addresses, up to the first line that is not one */
	while (rb_next_line(&list, &line))
	{
		rb_dsn_recipient *r;

		if (rb_blank(line))
		{
			if (n > 0)
				break;
			continue;
		}
		if (!rb_is_address_line(line, &addr, &tail) || !rb_blank(tail))
			break;
		if (rb_find_recipient(ctx, addr) != NULL)
			continue;
		if ((r = rb_add_recipient(ctx, addr)) == NULL)
			break;
		r->diagnostic = reason;
		rb_complete_recipient(r);
		n++;
	}
	return n > 0;
}
