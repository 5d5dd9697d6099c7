/*
 * dsn_generic.c
 *	  Any other bounce: when the message says it is one (a mailer-daemon
 *	  sender, a bounce subject, an empty Return-Path, X-Failed-Recipients),
 *	  read the common "recipient, then reason" layout; failing that, the
 *	  addresses after the words that announce them ("the following
 *	  recipients", in ten languages), the recipient of the returned message,
 *	  and the paragraph that carries an SMTP reply or follows "because:",
 *	  "Reason:" and their translations (rb_telling_paragraph).
 */
#include "dsn_int.h"

#include <string.h>
#include <strings.h>

/*
 * An address the text names that is not the bounce's own sender or
 * receiver ("There was an error delivering your mail to <a@b>.").
 */
static bool
address_in_text(rb_dsn_ctx *ctx, rb_span *addr)
{
	rb_span		rest = ctx->text,
				from = RB_SPAN_EMPTY,
				first = RB_SPAN_EMPTY,
				to = RB_SPAN_EMPTY;
	int			seen = 0;

	rb_find_address(ctx->from, &from);
	if (ctx->orig_headers.len)
		rb_header_get(ctx->orig_headers, "to", &to);

	/*
	 * Prose names other addresses too (a help desk, a web form's sender):
	 * the one the returned message was sent to is the likely failure;
	 * failing that, the first.  A few dozen are looked at, no more.
	 */
	while (seen++ < 64 && rb_next_address(&rest, addr))
	{
		bool		same_from = from.len == addr->len &&
			strncasecmp(from.ptr, addr->ptr, from.len) == 0;

		if (same_from || rb_own_address(ctx, *addr))
			continue;
		if (to.len == 0)
			return true;
		if (rb_memcasemem(to.ptr, to.len, addr->ptr, addr->len) != NULL)
			return true;
		if (first.len == 0)
			first = *addr;
	}
	*addr = first;
	return first.len > 0;
}

/*
 * The words that announce the list of failed addresses in an unknown
 * layout, in English, French, German, Spanish, Italian, Portuguese, Dutch,
 * Japanese, Chinese and Russian (the sentences of the MTAs' localized
 * templates as those languages say them; written, not copied).
 */
static const char *const list_anchors[] = {
	"following recipient", "following address", "following destination",
	"following user", "recipients were affected", "could not be delivered to:",
	"destinataires suivants", "destinataire suivant", "adresses suivantes",
	"folgende empfänger", "folgenden empfänger", "folgende adresse", "folgenden adresse",
	"siguientes destinatarios", "siguiente destinatario", "siguientes direcciones",
	"seguenti destinatari", "seguente destinatario", "seguenti indirizzi",
	"seguintes destinatários", "seguinte destinatário", "seguintes endereços",
	"volgende ontvanger", "volgende adres",
	"以下の宛先", "以下のアドレス", "次の宛先", "以下收件人", "以下收件者", "下列收件人",
	"следующим получателям", "следующих получателей", "следующему получателю",
	"следующие адреса",
};

/*
 * Rows for the addresses that follow such words, up to the first blank
 * line after one was found.  Returns how many were added.
 */
static int
anchored_addresses(rb_dsn_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(list_anchors) / sizeof(list_anchors[0]); i++)
	{
		rb_span		rest = rb_after(ctx->text, list_anchors[i]),
					line,
					addr;
		int			n = 0;
		rb_span		reason = RB_SPAN_EMPTY;

		if (rest.len == 0)
			continue;
		while (rb_next_line(&rest, &line))
		{
			rb_span		in = line;

			if (rb_blank(line))
			{
				if (n > 0)
					break;
				continue;
			}
			while (rb_next_address(&in, &addr))
			{
				rb_dsn_recipient *r;

				if (rb_own_address(ctx, addr) || rb_find_recipient(ctx, addr))
					continue;
				if ((r = rb_add_recipient(ctx, addr)) == NULL)
					return n;
				if (reason.len == 0)
					reason = rb_telling_paragraph(ctx, ctx->text);
				r->diagnostic = reason;
				rb_complete_recipient(r);
				n++;
			}
		}
		if (n > 0)
			return n;
	}
	return 0;
}

bool
rb_dsn_generic(rb_dsn_ctx *ctx)
{
	rb_span		addr;
	rb_dsn_recipient *r;

	if (!rb_looks_like_bounce(ctx))
		return false;
	if (rb_scan_recipient_blocks(ctx, ctx->text, true) > 0)
		return true;
	if (anchored_addresses(ctx) > 0)
		return true;
	if (rb_find_address(ctx->failed_recipients, &addr))
		;
	else if (address_in_text(ctx, &addr))
		;
	else if (!rb_original_recipient(ctx, &addr))
		return false;
	if ((r = rb_add_recipient(ctx, addr)) == NULL)
		return false;
	r->diagnostic = rb_telling_paragraph(ctx, ctx->text);
	rb_complete_recipient(r);
	return true;
}
