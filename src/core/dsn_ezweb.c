/*
 * dsn_ezweb.c
 *	  au (KDDI) ezweb.ne.jp notices of its own ("Mail System Error -
 *	  Returned Mail" from Postmaster@ezweb.ne.jp): Japanese paragraphs, the
 *	  reason in English ("The user(s) account is disabled."), then the
 *	  address alone in angle brackets; the reason comes before the address,
 *	  as in Notes.  Its text part is labelled ISO-2022-JP but written in
 *	  EUC-JP (mime.c reads it so).  Layout as in Sisimai's published samples
 *	  lhost-ezweb-03 and -05 (../shared/corpus); au's RFC 3464 reports and
 *	  its transcripts ("Each of the following recipients was rejected")
 *	  are read by the other readers.
 */
#include "dsn_int.h"

bool
rb_dsn_ezweb(rb_dsn_ctx *ctx)
{
	if (!(rb_contains(ctx->from, "@ezweb.ne.jp") || rb_contains(ctx->from, "@au.com")))
		return false;
	/* the transcript layout names the address before the reply */
	if (rb_contains(ctx->text, "rejected by a remote mail server"))
		return false;
	return rb_scan_reason_first(ctx, rb_cut_original(ctx->text, NULL), NULL) > 0;
}
