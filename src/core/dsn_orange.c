/*
 * dsn_orange.c
 *	  Orange / Wanadoo (France) notices written in French: "Votre message
 *	  n'a pas pu être remis" or "n'a pas pu être délivré", the recipients,
 *	  and the reason, from an orange.fr or wanadoo.fr mailer daemon.
 */
#include "dsn_int.h"

bool
rb_dsn_orange(rb_dsn_ctx *ctx)
{
	bool		sender = ctx->from_daemon &&
		(rb_contains(ctx->from, "orange.fr") || rb_contains(ctx->from, "wanadoo.fr") ||
		 rb_contains(ctx->from, "orange.com"));
	bool		french = rb_contains(ctx->text, "n'a pas pu être remis") ||
		rb_contains(ctx->text, "n'a pas pu être délivré") ||
		rb_contains(ctx->text, "n'a pas pu etre remis") ||
		rb_contains(ctx->text, "non remis") ||
		rb_contains(ctx->text, "destinataire inconnu");

	if (!(sender || (french && ctx->from_daemon)))
		return false;
	return rb_scan_recipient_blocks(ctx, ctx->text, true) > 0;
}
