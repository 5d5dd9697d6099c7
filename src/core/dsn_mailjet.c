/*
 * dsn_mailjet.c
 *	  Mailjet event notifications forwarded as JSON: "event": "bounce" or
 *	  "blocked", "email", the "error" Mailjet classified and the remote
 *	  server's "smtp_reply" (or a free "comment").
 */
#include "dsn_json.h"

bool
rb_dsn_mailjet(rb_dsn_ctx *ctx)
{
	static const char *const events[] = {"bounce", "blocked", NULL};
	static const rb_json_names names = {
		.address = "email",
		.diagnostic = "smtp_reply",
		.diagnostic2 = "comment",
		.event_key = "event",
		.events = events,
	};
	rb_span		v;

	/* Mailjet's events carry its own ids and the error it classified */
	if (!(rb_json_string(ctx->text, "mj_message_id", &v) ||
		  rb_json_string(ctx->text, "mj_campaign_id", &v) ||
		  rb_json_string(ctx->text, "error_related_to", &v)))
		return false;
	return rb_json_recipients(ctx, ctx->text, &names) > 0;
}
