/*
 * dsn_fml.c
 *	  fml (the Japanese mailing list manager, https://www.fml.org/) refusing
 *	  a post: a notice from the list's "-admin" address, with an
 *	  "X-MLServer: fml ..." field and a Message-ID holding ".FML", whose
 *	  text names the list refused in angle brackets ("You are not a member
 *	  of this mailing list <list@host>.", "NOT MEMBER article from ...").
 *	  The failed delivery is the post to that list, so the row is the
 *	  list's address and the sentence that names it, not the poster (the
 *	  notice's To).  Markers as Sisimai's Lhost/FML.pm reads them; layout as
 *	  in its published sample lhost-fml-02 (../shared/corpus).  Only a
 *	  line with one of fml's refusal sentences gives a row: the list's
 *	  other mails (a guide, a welcome) are no failure.
 */
#include "dsn_int.h"

/* the sentences fml writes when it refuses a post or warns of a loop */
static const char *const refusals[] = {
	"not a member of this mailing list",
	"not member article from",
	"reject mail from",
	"reject spammers:",
	"header may cause mail loop",
	"has detected a loop condition",
	"duplicated message-id",
	"loop back warning",
	"security alert",
	NULL
};

bool
rb_dsn_fml(rb_dsn_ctx *ctx)
{
	rb_span		mlserver,
				msgid,
				rest,
				line,
				addr;
	int			n = 0;

	if (!rb_header_get(ctx->headers, "x-mlserver", &mlserver) ||
		!rb_contains(mlserver, "fml"))
		return false;
	if (!rb_contains(ctx->from, "-admin@") &&
		!(rb_header_get(ctx->headers, "message-id", &msgid) && rb_contains(msgid, ".fml")))
		return false;

	/* the first sentence that refuses and names an address in brackets */
	rest = ctx->text;
	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);
		bool		refusal = false;

		for (int i = 0; refusals[i] && !refusal; i++)
			refusal = rb_contains(t, refusals[i]);
		if (!refusal || rb_memchr(t.ptr, '<', t.len) == NULL || !rb_find_address(t, &addr))
			continue;
		if (rb_find_recipient(ctx, addr) == NULL)
		{
			rb_dsn_recipient *r = rb_add_recipient(ctx, addr);

			if (r == NULL)
				break;
			r->diagnostic = t;
			rb_complete_recipient(r);
			n++;
		}
	}
	return n > 0;
}
