/*
 * dsn_sendgrid.c
 *	  SendGrid: its own bounce notice ("This is an automatically generated
 *	  message from SendGrid." then "user:00000:<address> : reason") and
 *	  its event webhook posted as JSON ("event": "bounce" or "dropped").
 */
#include "dsn_json.h"

#include <string.h>

bool
rb_dsn_sendgrid(rb_dsn_ctx *ctx)
{
	static const char *const events[] = {"bounce", "dropped", "deferred", "blocked", NULL};
	static const rb_json_names names = {
		.address = "email",
		.status = "status",
		.diagnostic = "reason",
		.diagnostic2 = "response",
		.event_key = "event",
		.events = events,
	};
	rb_span		rest,
				line,
				v;
	int			n = 0;

	if (rb_json_string(ctx->text, "sg_event_id", &v) ||
		rb_json_string(ctx->text, "sg_message_id", &v))
		return rb_json_recipients(ctx, ctx->text, &names) > 0;
	if (!rb_contains(ctx->text, "generated message from sendgrid"))
		return false;
	rest = ctx->text;
	while (rb_next_line(&rest, &line))
	{
		/* "kijitora:00000:<kijitora@example.org> : Connection timed out" */
		const char *sep = rb_memcasemem(line.ptr, line.len, "> :", 3);
		rb_span		addr;
		rb_dsn_recipient *r;

		if (sep == NULL || !rb_find_address((rb_span) {line.ptr, (size_t) (sep + 1 - line.ptr)}, &addr))
			continue;
		if ((r = rb_add_recipient(ctx, addr)) == NULL)
			break;
		r->diagnostic = rb_span_trim((rb_span) {sep + 3, (size_t) (line.ptr + line.len - sep - 3)});
		rb_complete_recipient(r);
		n++;
	}
	return n > 0;
}
