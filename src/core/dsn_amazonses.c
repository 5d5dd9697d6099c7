/*
 * dsn_amazonses.c
 *	  Amazon SES bounce notifications delivered by mail through SNS: a JSON
 *	  document with "notificationType": "Bounce" and "bouncedRecipients".
 *	  (SES's ordinary bounce mails are RFC 3464 and need nothing special.)
 */
#include "dsn_json.h"

bool
rb_dsn_amazonses(rb_dsn_ctx *ctx)
{
	static const char *const bounce[] = {"Bounce", NULL};
	static const rb_json_names names = {
		.address = "emailAddress",
		.action = "action",
		.status = "status",
		.diagnostic = "diagnosticCode",
		.remote = "reportingMTA",
		.event_key = "notificationType",
		.events = bounce,
	};
	static const char *const complaint[] = {"Complaint", NULL};
	static const rb_json_names complaints = {
		.address = "emailAddress",
		.diagnostic = "complaintFeedbackType",
		.event_key = "notificationType",
		.events = complaint,
	};
	rb_span		v;
	rb_span		body = ctx->text;

	/* SNS wraps the notification in a JSON string: unescape it first */
	if (rb_contains(body, "\\\"notificationType\\\""))
	{
		char	   *buf = rb_arena_alloc(ctx->a, body.len + 1);
		size_t		n = 0;

		if (buf == NULL)
			return false;
		for (size_t i = 0; i < body.len; i++)
		{
			if (body.ptr[i] == '\\' && i + 1 < body.len &&
				(body.ptr[i + 1] == '"' || body.ptr[i + 1] == '\\'))
				i++;
			buf[n++] = body.ptr[i];
		}
		body = (rb_span) {buf, n};
	}
	if (!rb_json_string(body, "notificationType", &v))
		return false;
	if (rb_span_ieq(v, "Complaint"))
	{
		if (rb_json_recipients(ctx, body, &complaints) == 0)
			return false;
		ctx->out->kind = RB_DSN_FEEDBACK;
		return true;
	}
	if (!rb_span_ieq(v, "Bounce"))
		return false;
	return rb_json_recipients(ctx, body, &names) > 0;
}
