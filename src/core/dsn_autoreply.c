/*
 * dsn_autoreply.c
 *	  Automatic replies (RFC 3834 and the vendors' own marks): out-of-office
 *	  and vacation notices.  Not a bounce; one row for the person who is
 *	  away, so that the caller can see it was recognized.
 */
#include "dsn_int.h"

#include <string.h>

static bool
auto_reply_marked(rb_dsn_ctx *ctx)
{
	static const char *const subjects[] = {
		"auto:", "auto reply", "autoreply", "auto-reply", "automatic reply",
		"autorespon", "auto response", "out of office", "out of the office",
		"vacation", "away from", "réponse automatique", "reponse automatique",
		"absence", "abwesenheit", "automatische antwort", "risposta automatica",
		"respuesta automática", "自動応答", "不在",
	};
	if (rb_span_istarts(ctx->auto_submitted, "auto-replied") || ctx->autoreply_header ||
		rb_span_istarts(ctx->precedence, "auto_reply"))
		return true;
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (rb_contains(ctx->subject, subjects[i]))
			return true;
	return false;
}

bool
rb_dsn_autoreply(rb_dsn_ctx *ctx)
{
	rb_dsn_recipient *r;
	rb_span		addr,
				rest,
				line;
	const char *start = NULL,
			   *stop = NULL;

	if (ctx->from_daemon || !auto_reply_marked(ctx))
		return false;
	if (!rb_find_address(ctx->from, &addr))
		return false;
	if ((r = rb_add_recipient(ctx, addr)) == NULL)
		return false;
	/* the first paragraph of the reply, or its subject */
	rest = rb_span_trim(ctx->text);
	while (rb_next_line(&rest, &line) && !rb_blank(line))
	{
		if (start == NULL)
			start = line.ptr;
		stop = line.ptr + line.len;
	}
	r->diagnostic = start ? rb_squeeze(ctx, (rb_span) {start, (size_t) (stop - start)})
		: rb_squeeze(ctx, ctx->subject);
	return true;
}
