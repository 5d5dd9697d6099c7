/*
 * dsn_arf.c
 *	  Complaint reports: the Abuse Reporting Format (RFC 5965), a
 *	  multipart/report whose machine-readable part is
 *	  message/feedback-report.  One row per complained-about recipient.
 */
#include "dsn_int.h"

#include <string.h>

bool
rb_dsn_arf(rb_dsn_ctx *ctx)
{
	const rb_message *m = &ctx->msg;
	int			fb = -1;
	rb_span		report = RB_SPAN_EMPTY,
				v,
				addr,
				remote = RB_SPAN_EMPTY,
				diag;
	rb_header_iter it;
	rb_span		name;
	int			added = 0;

	for (int i = 0; i < m->nparts; i++)
		if (m->parts[i].ctype == RB_CT_FEEDBACK_REPORT)
		{
			fb = i;
			break;
		}
	if (fb < 0)
	{
		/*
		 * Microsoft's JMRP complaints are no ARF: the returned message
		 * carries the complaining recipient in X-HmXmrOriginalRecipient.
		 */
		if (ctx->orig_headers.len &&
			rb_header_get(ctx->orig_headers, "x-hmxmroriginalrecipient", &v) &&
			rb_find_address(v, &addr))
		{
			rb_dsn_recipient *r = rb_add_recipient(ctx, addr);

			if (r == NULL)
				return false;
			r->diagnostic = rb_squeeze(ctx, ctx->subject);
			if (rb_header_get(ctx->orig_headers, "x-reporter-ip", &v))
				r->remote_mta = rb_span_trim(v);
			return true;
		}
		if (!(m->parts[0].ctype == RB_CT_MULTIPART &&
			  rb_span_ieq(m->parts[0].report_type, "feedback-report")))
			return false;
	}
	else if (!rb_mime_decode_text(ctx->a, &m->parts[fb], true, &report))
		return false;

	if (rb_header_get(report, "source-ip", &v))
		remote = rb_span_trim(v);
	diag = RB_SPAN_EMPTY;
	{
		/* the first paragraph of the human-readable part says what it is */
		rb_span		rest = rb_span_trim(ctx->text),
					line;
		const char *start = rest.ptr,
				   *stop = rest.ptr;

		while (rb_next_line(&rest, &line) && !rb_blank(line))
			stop = line.ptr + line.len;
		diag = rb_squeeze(ctx, (rb_span) {start, (size_t) (stop - start)});
	}
	if (diag.len == 0 && rb_header_get(report, "feedback-type", &v))
		diag = rb_span_trim(v);

	rb_header_iter_init(&it, report);
	while (rb_header_next(&it, &name, &v))
	{
		rb_dsn_recipient *r;

		if (!rb_span_ieq(name, "original-rcpt-to") || !rb_find_address(v, &addr))
			continue;
		if ((r = rb_add_recipient(ctx, addr)) == NULL)
			return false;
		r->diagnostic = diag;
		r->remote_mta = remote;
		added++;
	}
	if (added == 0)
	{
		rb_dsn_recipient *r;

		if (!rb_original_recipient(ctx, &addr))
			addr = RB_SPAN_EMPTY;
		if ((r = rb_add_recipient(ctx, addr)) == NULL)
			return false;
		r->diagnostic = diag;
		r->remote_mta = remote;
	}
	return true;
}
