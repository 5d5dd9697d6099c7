/*
 * dsn.c
 *	  Reading a bounce mail: find its parts, try the report formats in turn,
 *	  then complete each recipient from whatever else the message says.
 */
#include "dsn_int.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/*
 * Text formats, tried in this order when the message carries no RFC 3464
 * report.  Specific signatures first; the generic reader last.
 */
static const rb_dsn_module text_modules[] = {
	{"amazonses", rb_dsn_amazonses, false},
	{"sendgrid", rb_dsn_sendgrid, false},
	{"mailjet", rb_dsn_mailjet, false},
	{"gmail", rb_dsn_gmail, true},
	{"exchange", rb_dsn_exchange, true},
	{"qmail", rb_dsn_qmail, true},
	{"yahoo", rb_dsn_yahoo, true},
	{"einsundeins", rb_dsn_einsundeins, true},
	{"exim", rb_dsn_exim, true},
	{"postfix", rb_dsn_postfix, true},
	{"sendmail", rb_dsn_sendmail, true},
	{"orange", rb_dsn_orange, true},
	{"notes", rb_dsn_notes, true},
	{"interscan", rb_dsn_interscan, true},
	{"ezweb", rb_dsn_ezweb, true},
	{"fml", rb_dsn_fml, true},
	{"mailmarshal", rb_dsn_mailmarshal, true},
	{"generic", rb_dsn_generic, true},
};

size_t
rb_dsn_arena_limit(size_t len)
{
	/*
	 * Each decoding step (transfer encoding, charset) makes at most 3 bytes
	 * of every input byte, a nested message is decoded once per level, and
	 * the rows refer into those buffers: 64 times the input and a fixed
	 * allowance for the tables is more than any message needs.
	 */
	if (len > (SIZE_MAX - (4u << 20)) / 64)
		return SIZE_MAX;
	return len * 64 + (4u << 20);
}

static bool
under_message(const rb_message *m, int idx)
{
	for (int p = m->parts[idx].parent; p >= 0; p = m->parts[p].parent)
		if (m->parts[p].ctype == RB_CT_MESSAGE)
			return true;
	return false;
}

/* HTML to text, roughly: tags dropped, block ends as line breaks. */
static rb_span
html_to_text(rb_arena *a, rb_span html)
{
	char	   *out = rb_arena_alloc(a, html.len + 1);
	size_t		n = 0;

	if (out == NULL)
		return RB_SPAN_EMPTY;
	for (size_t i = 0; i < html.len; i++)
	{
		char		c = html.ptr[i];

		if (rb_poll_inside(i))
			break;
		if (c == '<')
		{
			const char *gt = rb_memchr(html.ptr + i, '>', html.len - i);
			rb_span		tag = {html.ptr + i + 1, 0};

			if (gt == NULL)
				break;
			tag.len = gt - tag.ptr;
			if (rb_span_istarts(tag, "br") || rb_span_istarts(tag, "/p") ||
				rb_span_istarts(tag, "/div") || rb_span_istarts(tag, "/tr") ||
				rb_span_istarts(tag, "p") || rb_span_istarts(tag, "/h") ||
				rb_span_istarts(tag, "li"))
				out[n++] = '\n';
			else if (rb_span_istarts(tag, "/td"))
				out[n++] = ' ';
			i = gt - html.ptr;
			continue;
		}
		if (c == '&')
		{
			static const struct
			{
				const char *ent;
				char		ch;
			}			ents[] = {
				{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&nbsp;", ' '},
				{"&quot;", '"'}, {"&#39;", '\''},
			};
			size_t		k;

			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
				if (rb_span_istarts((rb_span) {html.ptr + i, html.len - i}, ents[k].ent))
					break;
			if (k < sizeof(ents) / sizeof(ents[0]))
			{
				out[n++] = ents[k].ch;
				i += strlen(ents[k].ent) - 1;
				continue;
			}
		}
		out[n++] = c;
	}
	return (rb_span) {out, n};
}

#define MAX_TEXT_PARTS 4

/*
 * The human-readable report: the text parts outside any returned message,
 * joined; HTML only when there is no plain text.
 */
static bool
collect_text(rb_dsn_ctx *ctx)
{
	const rb_message *m = &ctx->msg;
	rb_span		pieces[MAX_TEXT_PARTS];
	int			n = 0;
	size_t		total = 0;
	char	   *buf;

	for (int pass = 0; pass < 2 && n == 0; pass++)
	{
		for (int i = 0; i < m->nparts && n < MAX_TEXT_PARTS; i++)
		{
			const rb_part *p = &m->parts[i];
			rb_span		t;

			if (pass == 0 ? !(p->ctype == RB_CT_TEXT_PLAIN || p->ctype == RB_CT_JSON)
				: p->ctype != RB_CT_TEXT_HTML)
				continue;
			if (under_message(m, i))
				continue;
			/* an untyped body of a multipart is its preamble */
			if (i == 0 && m->nparts > 1)
				continue;
			if (!rb_mime_decode_text(ctx->a, p, ctx->opt->raw_is_utf8, &t))
				return false;
			if (pass == 1)
				t = html_to_text(ctx->a, t);
			pieces[n++] = t;
			total += t.len + 2;
		}
	}
	if (n == 1)
	{
		ctx->text = pieces[0];
		return true;
	}
	buf = rb_arena_alloc(ctx->a, total + 1);
	if (buf == NULL)
		return false;
	total = 0;
	for (int i = 0; i < n; i++)
	{
		rb_memcpy(buf + total, pieces[i].ptr, pieces[i].len);
		total += pieces[i].len;
		memcpy(buf + total, "\n\n", 2);
		total += 2;
	}
	ctx->text = (rb_span) {buf, total};
	return true;
}

static void
find_original_headers(rb_dsn_ctx *ctx)
{
	const rb_message *m = &ctx->msg;

	for (int i = 1; i < m->nparts; i++)
	{
		const rb_part *p = &m->parts[i];

		if (p->ctype == RB_CT_MESSAGE && i + 1 < m->nparts && m->parts[i + 1].parent == i)
		{
			ctx->orig_headers = m->parts[i + 1].headers;
			return;
		}
		if (p->ctype == RB_CT_HEADERS)
		{
			rb_span		t,
						body;

			if (rb_mime_decode_text(ctx->a, p, ctx->opt->raw_is_utf8, &t))
				rb_split_entity(t, &ctx->orig_headers, &body);
			return;
		}
	}
}

static bool
daemon_sender(rb_span from)
{
	return rb_contains(from, "mailer-daemon") || rb_contains(from, "mailer_daemon") ||
		rb_contains(from, "mail-daemon") || rb_contains(from, "postmaster@") ||
		rb_contains(from, "mail delivery") || rb_contains(from, "mailerdaemon") ||
		rb_contains(from, "mail administrator") || rb_contains(from, "mail.delivery") ||
		rb_contains(from, "post_master@");
}

/*
 * No words at all ("", "255" from a local mailer): the text may say more.
 * Letters of other scripts are words too (a Japanese reason of Notes).
 */
static bool
weak_diagnostic(rb_span d)
{
	for (size_t i = 0; i < d.len; i++)
		if (((d.ptr[i] | 32) >= 'a' && (d.ptr[i] | 32) <= 'z') ||
			(unsigned char) d.ptr[i] >= 0xc0)
			return false;
	return true;
}

/*
 * What was made of a span that many rows may share (a diagnostic, a
 * remote host), so that the work is done once per span and not once per
 * row: a mail naming 40,000 recipients with one 1 MB paragraph took 7 s.
 * Direct-mapped on the span's address; a miss only costs the work again.
 */
typedef struct shared_memo
{
	const char *ptr;
	size_t		len;
	size_t		row;			/* complete_rows: the row that was completed */
	rb_span		clean;			/* finish_strings: the span made clean */
} shared_memo;

#define SHARED_MEMO 16

static shared_memo *
memo_slot(shared_memo *memo, rb_span s)
{
	return &memo[(((uintptr_t) s.ptr >> 4) ^ s.len) % SHARED_MEMO];
}

/*
 * What a report leaves out, the rest of the message may say: the
 * diagnostic in the text part next to the recipient's address, the
 * recipient in the returned message's To.
 */
static void
complete_rows(rb_dsn_ctx *ctx)
{
	shared_memo memo[SHARED_MEMO] = {{0}};
	rb_dsn_result *out = ctx->out;
	bool		need_text = false;
	bool		have_fallback = false;
	rb_span		fallback = RB_SPAN_EMPTY;
	rb_span		paragraph = RB_SPAN_EMPTY;
	bool		have_paragraph = false;
	rb_span		generated = RB_SPAN_EMPTY;
	bool		have_generated = false;

	for (size_t i = 0; i < out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &out->rcpt[i];

		/*
		 * No address (a bare local part) or no mailbox at all (Exim's "pipe
		 * to |/usr/bin/prog", a file): the address the sender used, which
		 * the report names beside it, else the rest of the message.
		 */
		if (!rb_plain_address(r->recipient))
		{
			/* looked for once: a report of many such rows stays linear */
			if (!have_generated)
			{
				rb_span		g = rb_after(ctx->text, "generated by ");

				if (g.len && rb_find_address((rb_span) {g.ptr + 13, g.len < 13 + 330 ? g.len - 13 : 330}, &g) &&
					rb_plain_address(g))
					generated = rb_clean_address(g);
				have_generated = true;
			}
			if (r->original_recipient.len)
				r->recipient = r->original_recipient;
			else if (generated.len)
				r->recipient = generated;
			else
			{
				if (!have_fallback)
				{
					if (!rb_find_address(ctx->failed_recipients, &fallback) &&
						!rb_original_recipient(ctx, &fallback))
						fallback = RB_SPAN_EMPTY;
					have_fallback = true;
				}
				if (fallback.len)
					r->recipient = fallback;
			}
		}
		if (weak_diagnostic(r->diagnostic))
			need_text = true;
	}

	if (ctx->text.len > 0 && (need_text || strcmp(out->format, "rfc3464") == 0))
	{
		/* read the text's own rows aside and lend their diagnostics */
		rb_dsn_result aside = {0};
		rb_dsn_result *saved = ctx->out;

		ctx->out = &aside;
		rb_scan_recipient_blocks(ctx, ctx->text, true);
		ctx->out = saved;
		for (size_t i = 0; i < out->nrcpt; i++)
		{
			rb_dsn_recipient *r = &out->rcpt[i];
			rb_dsn_recipient *t = rb_result_find(&aside, r->recipient);

			if (t == NULL && aside.nrcpt == 1 && out->nrcpt == 1 && r->diagnostic.len == 0)
				t = &aside.rcpt[0];

			/*
			 * The text names the recipient and says more than the report
			 * ("... (in reply to end of DATA command)"): take it.
			 */
			if (t != NULL &&
				(weak_diagnostic(r->diagnostic) ||
				 (t->diagnostic.len > r->diagnostic.len &&
				  rb_memcasemem(t->diagnostic.ptr, t->diagnostic.len,
								r->diagnostic.ptr, r->diagnostic.len) != NULL)))
			{
				r->diagnostic = t->diagnostic;
				if (r->remote_mta.len == 0)
					r->remote_mta = t->remote_mta;
			}
			if (t != NULL && r->original_recipient.len == 0)
				r->original_recipient = t->original_recipient;

			/*
			 * Nothing next to the address: the paragraph that says why.  A
			 * small report only: the paragraph is the whole mail's, and a
			 * report of thousands must not read it thousands of times.
			 */
			if (weak_diagnostic(r->diagnostic) && out->nrcpt <= 64)
			{
				if (!have_paragraph)
				{
					paragraph = rb_telling_paragraph(ctx, ctx->text);
					have_paragraph = true;
				}
				if (r->diagnostic.len == 0 ||
					rb_memcasemem(paragraph.ptr, paragraph.len,
								  r->diagnostic.ptr, r->diagnostic.len) != NULL)
					r->diagnostic = paragraph;
			}
		}
	}

	for (size_t i = 0; i < out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &out->rcpt[i];
		shared_memo *m = memo_slot(memo, r->diagnostic);

		if (rb_poll(1))
			return;

		/*
		 * Rows that share a diagnostic share what is found in it: a text
		 * notice can give its one paragraph to thousands of recipients.
		 */
		if (m->ptr == r->diagnostic.ptr && m->len == r->diagnostic.len &&
			m->row < i && r->diagnostic.len > 0)
		{
			const rb_dsn_recipient *p = &out->rcpt[m->row];

			if (r->reply_code == 0)
				r->reply_code = p->reply_code;
			if (r->status == 0)
				r->status = p->status;
			if (r->remote_mta.len == 0)
				r->remote_mta = p->remote_mta;
			if (r->command == NULL)
				r->command = p->command;
			continue;
		}
		rb_complete_recipient(r);
		m->ptr = r->diagnostic.ptr;
		m->len = r->diagnostic.len;
		m->row = i;
	}

	/*
	 * A report of one recipient whose diagnostic does not say the stage:
	 * the text may (a transcript, "in reply to end of DATA command").
	 */
	if (out->nrcpt == 1 && out->rcpt[0].command == NULL)
		out->rcpt[0].command = rb_find_command(ctx->text);
}

static void
clean_string(rb_dsn_ctx *ctx, rb_span *s)
{
	const char *esc;

	if (s->len == 0)
	{
		*s = (rb_span) {"", 0};
		return;
	}

	/*
	 * ISO-2022-JP names itself with its escape sequences: a field written
	 * in it without a declared charset (Lotus Domino's Diagnostic-Code)
	 * can still be read.
	 */
	rb_poll(s->len);
	esc = rb_memchr(s->ptr, '\x1b', s->len);
	if (esc && esc + 2 < s->ptr + s->len && (esc[1] == '$' || esc[1] == '('))
	{
		rb_span		conv;

		if (rb_charset_to_utf8(ctx->a, (rb_span) {"iso-2022-jp", 11}, s->ptr, s->len, &conv))
			*s = conv;
	}
	if (!rb_utf8_valid(s->ptr, s->len) || rb_memchr(s->ptr, '\0', s->len) != NULL)
	{
		rb_span		clean;

		*s = rb_utf8_sanitize(ctx->a, s->ptr, s->len, &clean) ? clean : (rb_span) {"", 0};
	}
}

/*
 * Some values come straight from header fields, which may carry any
 * bytes: every string handed out is valid UTF-8 without NULs.
 */
static void
clean_shared(rb_dsn_ctx *ctx, shared_memo *memo, rb_span *s)
{
	shared_memo *m;

	/* short strings: cleaning them again costs less than remembering */
	if (s->len < 64)
	{
		clean_string(ctx, s);
		return;
	}
	m = memo_slot(memo, *s);
	if (m->ptr == s->ptr && m->len == s->len)
	{
		*s = m->clean;
		return;
	}
	m->ptr = s->ptr;
	m->len = s->len;
	clean_string(ctx, s);
	m->clean = *s;
}

static void
finish_strings(rb_dsn_ctx *ctx)
{
	shared_memo memo[SHARED_MEMO] = {{0}};

	for (size_t i = 0; i < ctx->out->nrcpt; i++)
	{
		rb_dsn_recipient *r = &ctx->out->rcpt[i];

		if (rb_poll(1))
			return;
		clean_shared(ctx, memo, &r->recipient);
		clean_shared(ctx, memo, &r->original_recipient);
		clean_shared(ctx, memo, &r->action);
		clean_shared(ctx, memo, &r->diagnostic);
		clean_shared(ctx, memo, &r->remote_mta);
		clean_shared(ctx, memo, &r->last_attempt);
	}
}

/* The fields of the message's own header the readers use, in one pass. */
static void
read_top_fields(rb_dsn_ctx *ctx)
{
	rb_header_iter it;
	rb_span		name,
				v;

	rb_header_iter_init(&it, ctx->headers);
	while (rb_header_next(&it, &name, &v))
	{
		switch (name.len)
		{
			case 2:
				if (ctx->sender.len == 0 && rb_span_ieq(name, "to"))
					rb_find_address(v, &ctx->sender);
				break;
			case 4:
				if (ctx->from.len == 0 && rb_span_ieq(name, "from"))
					ctx->from = v;
				break;
			case 7:
				if (ctx->subject.len == 0 && rb_span_ieq(name, "subject"))
					ctx->subject = rb_decode_words(ctx->a, v);
				break;
			case 8:
				if (!ctx->bounce_received && rb_span_ieq(name, "received"))
					ctx->bounce_received = rb_span_istarts(v, "(qmail") &&
						rb_contains(v, "invoked for bounce");
				break;
			case 10:
				if (rb_span_ieq(name, "precedence"))
					ctx->precedence = v;
				break;
			case 11:
				if (rb_span_ieq(name, "return-path"))
					ctx->return_path = v;
				else if (rb_span_ieq(name, "x-autoreply"))
					ctx->autoreply_header = true;
				else if (rb_span_ieq(name, "in-reply-to"))
					ctx->is_reply = true;
				break;
			case 13:
				if (rb_span_ieq(name, "x-autorespond"))
					ctx->autoreply_header = true;
				break;
			case 14:
				if (rb_span_ieq(name, "auto-submitted"))
					ctx->auto_submitted = v;
				break;
			case 15:
				if (rb_span_ieq(name, "x-autoresponder"))
					ctx->autoreply_header = true;
				break;
			case 19:
				if (rb_span_ieq(name, "x-failed-recipients"))
					ctx->failed_recipients = v;
				break;
		}
	}
}

/* ---------------------------------------------------------------------------
 * Rows to trust (issue 10): a row only for an address whose delivery failed.
 */

/*
 * Addresses that speak for a list, a mail system or a robot: a prose
 * report names them as its sender, its postmaster, the list's owner, never
 * as the failed recipient.  Local parts, as RFC 2142 (postmaster,
 * mailer-daemon), RFC 2369 / Mailman and Majordomo (-owner, -request,
 * -bounces, owner-) and common practice name them.
 */
static bool
role_address(rb_span a)
{
	static const char *const exact[] = {
		"postmaster", "mailer-daemon", "mailer_daemon", "mailerdaemon",
		"mail-daemon", "maildaemon", "majordomo", "listserv", "mailman",
		"mdaemon", "no-reply", "noreply", "do-not-reply", "donotreply",
		"bounce", "bounces", "double-bounce", "root",
	};
	static const char *const suffixes[] = {
		"-owner", "-request", "-bounces", "-bounce", "-admin", "-errors",
	};
	const char *at = rb_memchr(a.ptr, '@', a.len);
	rb_span		local;

	if (at == NULL)
		return false;
	local = (rb_span) {a.ptr, (size_t) (at - a.ptr)};
	/* a VERP-encoded return path: "bounces+neko=example.org@..." */
	{
		const char *plus = rb_memchr(local.ptr, '+', local.len);

		if (plus != NULL)
			local.len = plus - local.ptr;
	}
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (rb_span_ieq(local, exact[i]))
			return true;
	if (rb_span_istarts(local, "owner-"))
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
	{
		size_t		n = strlen(suffixes[i]);

		if (local.len > n &&
			strncasecmp(local.ptr + local.len - n, suffixes[i], n) == 0)
			return true;
	}
	return false;
}

static bool
same_address(rb_span a, rb_span b)
{
	a = rb_clean_address(a);
	b = rb_clean_address(b);
	return a.len == b.len && a.len > 0 && strncasecmp(a.ptr, b.ptr, a.len) == 0;
}

/* Is addr one of the addresses of a header value (a list)? */
static bool
in_address_list(rb_span list, rb_span addr)
{
	rb_span		rest = list,
				a;
	int			n = 0;

	/* a header is short; a hostile one is read no further than this */
	while (n++ < 256 && rb_next_address(&rest, &a))
		if (same_address(a, addr))
			return true;
	return false;
}

/* Is addr named by one of these header fields of a header block? */
static bool
in_header_fields(rb_span headers, const char *const *names, rb_span addr)
{
	rb_header_iter it;
	rb_span		name,
				v;
	int			n = 0;

	if (headers.len == 0)
		return false;
	rb_header_iter_init(&it, headers);
	while (n++ < 512 && rb_header_next(&it, &name, &v))
		for (int i = 0; names[i]; i++)
			if (rb_span_ieq(name, names[i]) && in_address_list(v, addr))
				return true;
	return false;
}

/*
 * A row a prose report gives is kept when its address may have failed: it
 * is not the bounce's own (its receiver, its From, its Return-Path), not
 * the returned message's sender, not a robot or list-owner address, unless
 * the returned message was addressed to it (a message to oneself, to a
 * postmaster) or the message's X-Failed-Recipients names it.  A row whose
 * original recipient is trustworthy is kept for that address.
 */
static bool
trusted_row(rb_dsn_ctx *ctx, const rb_dsn_recipient *r)
{
	static const char *const addressed[] = {"to", "cc", "bcc", "delivered-to", "x-original-to", NULL};
	static const char *const senders[] = {"from", "sender", "return-path", "reply-to", NULL};
	rb_span		a = r->recipient;
	bool		role;

	if (!rb_plain_address(a))
		return r->original_recipient.len > 0 || a.len > 0;
	if (r->original_recipient.len && !same_address(r->original_recipient, a) &&
		!role_address(r->original_recipient) &&
		!same_address(r->original_recipient, ctx->sender))
		return true;

	/*
	 * The bounce's From and Return-Path and the returned message's senders,
	 * read once: checking every row against whole headers would make a
	 * report of many rows quadratic.
	 */
	if (ctx->nsenders < 0)
	{
		rb_header_iter it;
		rb_span		name,
					v;
		int			fields = 0;

		ctx->nsenders = 0;
		/* the bounce's own From and Return-Path are no failed recipients either */
		for (int k = 0; k < 2; k++)
		{
			rb_span		rest = k == 0 ? ctx->from : ctx->return_path,
						s;

			while (ctx->nsenders < RB_DSN_MAX_SENDERS / 2 && rb_next_address(&rest, &s))
				ctx->senders[ctx->nsenders++] = s;
		}
		rb_header_iter_init(&it, ctx->orig_headers);
		while (fields++ < 512 && rb_header_next(&it, &name, &v))
			for (int i = 0; senders[i]; i++)
				if (rb_span_ieq(name, senders[i]))
				{
					rb_span		rest = v,
								s;

					while (ctx->nsenders < RB_DSN_MAX_SENDERS && rb_next_address(&rest, &s))
						ctx->senders[ctx->nsenders++] = s;
				}
	}
	role = role_address(a);
	if (!role && !same_address(a, ctx->sender))
	{
		bool		sender = false;

		for (int i = 0; i < ctx->nsenders && !sender; i++)
			sender = same_address(ctx->senders[i], a);
		if (!sender)
			return true;
	}

	/*
	 * A suspect: kept when the message's own fields name it as a recipient.
	 * Each check reads a header; past a few dozen suspects (no real report
	 * has them) the rest are dropped unread, so that the work stays linear.
	 */
	if (++ctx->suspects > 64)
		return false;
	if (ctx->failed_recipients.len && in_address_list(ctx->failed_recipients, a))
		return true;
	if (role)
		return in_header_fields(ctx->orig_headers, addressed, a);

	/*
	 * The sender named with a reason, and no returned message to say whom
	 * it was sent to: a message to oneself, as the report says (qmail).
	 */
	if (ctx->orig_headers.len == 0)
		return r->diagnostic.len > 0;
	return in_header_fields(ctx->orig_headers, addressed, a);
}

/* Remove the rows that fail keep(); the order of the others stays. */
static void
filter_rows(rb_dsn_ctx *ctx, bool (*keep) (rb_dsn_ctx *, const rb_dsn_recipient *))
{
	rb_dsn_result *out = ctx->out;
	size_t		n = 0;

	for (size_t i = 0; i < out->nrcpt; i++)
	{
		if (rb_poll(1))
			return;
		if (keep(ctx, &out->rcpt[i]))
		{
			if (n != i)
				out->rcpt[n] = out->rcpt[i];
			n++;
		}
	}
	if (n == out->nrcpt)
		return;
	out->nrcpt = n;
	/* the address index refers to old positions: build it again */
	rb_reindex(ctx->a, out);
}

static bool
not_delayed(rb_dsn_ctx *ctx, const rb_dsn_recipient *r)
{
	if (rb_span_istarts(r->action, "delayed"))
	{
		ctx->delayed++;
		return false;
	}
	return true;
}

/*
 * A delay warning written in prose: the words an MTA uses to say that it
 * keeps trying (Sendmail's "THIS IS A WARNING MESSAGE ONLY", Postfix's
 * "THIS IS A WARNING ONLY", Exim's "has not yet been delivered ... No
 * action is required on your part", Gmail's "has been delayed ... will be
 * retried"), unless it also says it gave up on some recipient.
 */
static bool
prose_delay_warning(rb_dsn_ctx *ctx)
{
	static const char *const keeps_trying[] = {
		"warning message only", "this is a warning only", "you do not need to resend",
		"no action is required on your part", "has not yet been delivered",
		"has been delayed", "will be retried for", "still being retried",
		"will continue to try", "will keep trying", "will retry delivery",
		"is still trying to deliver",
		/* French, German, Spanish, Italian, Portuguese, Dutch */
		"n'a pas encore pu", "nouvel essai", "noch nicht zugestellt", "wird weiter versucht",
		"seguirá intentando", "continuerà a tentare", "continuará tentando",
		"nog niet afgeleverd",
	};
	static const char *const gave_up[] = {
		"failed permanently", "permanent error", "permanent fatal", "given up",
		"gave up", "could not be delivered", "permanently failed",
	};
	bool		trying = false;

	for (size_t i = 0; i < sizeof(keeps_trying) / sizeof(keeps_trying[0]) && !trying; i++)
		trying = rb_contains(ctx->text, keeps_trying[i]);
	if (!trying)
		return false;
	for (size_t i = 0; i < sizeof(gave_up) / sizeof(gave_up[0]); i++)
		if (rb_contains(ctx->text, gave_up[i]))
			return false;
	return true;
}

/*
 * A challenge-response request: a filter holding the message until the
 * sender proves to be a person (Boxbe, SpamArrest, TMDA, Mailblocks,
 * ChoiceMail, Spam Fighter...).  Nothing failed; the sender is asked to
 * click or reply.  Known by its vendor header or by a request to confirm
 * or verify together with the way to do it.
 */
static bool
challenge_response(rb_dsn_ctx *ctx)
{
	static const char *const asks[] = {
		"confirm that you are", "verify that you are", "prove that you are",
		"confirm your message", "verify your message", "confirm this message",
		"awaiting your confirmation", "pending your verification",
		"held pending", "has been held", "is being held until",
		"sender verification", "challenge-response", "challenge/response",
		"add you to my list of approved senders", "approved senders",
		"before your message can be delivered",
		"to have your message delivered", "to deliver your message, please",
		/* French, German, Spanish, Italian */
		"confirmer que vous", "bestätigen sie, dass", "confirme que usted",
		"confermare che",
	};
	static const char *const how[] = {
		"click", "reply to this", "simply reply", "the link below", "following link",
		"cliquez", "klicken", "haga clic", "clicca",
	};
	bool		asked = false;

	if (rb_contains(ctx->headers, "\nx-boxbe-") || rb_contains(ctx->headers, "\nx-spamarrest") ||
		rb_contains(ctx->headers, "\nx-tmda") || rb_contains(ctx->headers, "\nx-challenge"))
		return true;
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]) && !asked; i++)
		asked = rb_contains(ctx->text, asks[i]) || rb_contains(ctx->subject, asks[i]);
	if (!asked)
		return false;
	for (size_t i = 0; i < sizeof(how) / sizeof(how[0]); i++)
		if (rb_contains(ctx->text, how[i]))
			return true;
	return false;
}

static rb_dsn_error
parse(rb_arena *a, const char *msg, size_t len,
	  const rb_dsn_options *opt, rb_dsn_result *out)
{
	static const rb_dsn_options defaults = {false};
	rb_dsn_ctx	ctx;
	rb_span		body,
				rest;

	memset(out, 0, sizeof(*out));
	memset(&ctx, 0, sizeof(ctx));
	ctx.nsenders = -1;
	ctx.a = a;
	ctx.opt = opt ? opt : &defaults;
	ctx.out = out;
	ctx.headers = ctx.subject = ctx.from = ctx.text = ctx.orig_headers =
		ctx.sender = ctx.failed_recipients = ctx.return_path =
		ctx.auto_submitted = ctx.precedence = RB_SPAN_EMPTY;

	/*
	 * Blank lines before the header (a mail cut from a log or a paste) and
	 * an mbox "From " line (rb_split_entity skips it) are no reason to
	 * refuse a mail, nor is the UTF-8 byte order mark an editor writes at
	 * the start of a saved .eml.
	 */
	if (len >= 3 && memcmp(msg, "\xEF\xBB\xBF", 3) == 0)
	{
		msg += 3;
		len -= 3;
	}
	while (len > 0 && (*msg == '\n' || *msg == '\r' || *msg == ' ' || *msg == '\t'))
	{
		msg++;
		len--;
	}
	rb_split_entity((rb_span) {msg, len}, &ctx.headers, &body);
	if (ctx.headers.len == 0)
		return RB_DSN_NOT_A_MESSAGE;
	if (!rb_mime_parse(a, msg, len, &ctx.msg))
		return rb_polled_stop() ? RB_DSN_OK : RB_DSN_TOO_COMPLEX;

	/*
	 * A stop is checked between the stages too: each returns early on its
	 * own, but the next would still start on what it left.
	 */
	if (rb_polled_stop())
		return RB_DSN_OK;

	read_top_fields(&ctx);
	ctx.from_daemon = daemon_sender(ctx.from);
	if (!collect_text(&ctx))
		return RB_DSN_TOO_COMPLEX;
	find_original_headers(&ctx);
	ctx.text = rb_cut_original(ctx.text, &rest);
	if (rb_polled_stop())
		return RB_DSN_OK;
	if (ctx.orig_headers.len == 0 && rest.len > 0)
	{
		rb_span		h,
					b;

		/* skip the blank lines and notes between the marker and the headers */
		while (rest.len > 0)
		{
			rb_span		probe = rest,
						line;

			if (!rb_next_line(&probe, &line) || !rb_blank(line))
				break;
			rest = probe;
		}
		rb_split_entity(rest, &h, &b);
		ctx.orig_headers = h;
	}

	/* complaints first: an ARF report is multipart/report too */
	if (rb_dsn_arf(&ctx))
	{
		out->kind = RB_DSN_FEEDBACK;
		out->format = "arf";
	}
	else if (rb_dsn_rfc3464(&ctx))
	{
		out->kind = RB_DSN_BOUNCE;
		out->format = "rfc3464";
	}
	else if (!ctx.from_daemon && rb_dsn_autoreply(&ctx))
	{
		/* an auto-reply says what it is: before any guess at prose */
		out->kind = RB_DSN_VACATION;
		out->format = "autoreply";
	}
	else if (!ctx.from_daemon && ctx.failed_recipients.len == 0 && challenge_response(&ctx))
	{
		out->kind = RB_DSN_CHALLENGE;
		out->format = "challenge";
	}
	else if (prose_delay_warning(&ctx))
	{
		out->kind = RB_DSN_DELAY;
		out->format = "delayed";
	}
	else
	{
		for (size_t i = 0; i < sizeof(text_modules) / sizeof(text_modules[0]); i++)
		{
			if (a->exhausted || rb_poll(1))
				break;
			if (text_modules[i].parse(&ctx) && out->nrcpt > 0)
			{
				if (text_modules[i].prose)
					filter_rows(&ctx, trusted_row);
				filter_rows(&ctx, not_delayed);
				if (out->nrcpt > 0 || ctx.delayed > 0)
				{
					if (out->kind == RB_DSN_NONE)
						out->kind = out->nrcpt > 0 ? RB_DSN_BOUNCE : RB_DSN_DELAY;
					out->format = text_modules[i].name;
					break;
				}
			}
			out->nrcpt = 0;
			out->nslots = 0;
			out->slots = NULL;
			out->kind = RB_DSN_NONE;
		}
	}
	/* a report whose every recipient was delayed is a delay warning */
	if (out->kind == RB_DSN_BOUNCE && out->nrcpt == 0 && ctx.delayed > 0)
		out->kind = RB_DSN_DELAY;
	if (rb_polled_stop())
		return RB_DSN_OK;
	if (out->kind == RB_DSN_BOUNCE)
		complete_rows(&ctx);
	if (rb_polled_stop())
		return RB_DSN_OK;
	finish_strings(&ctx);
	out->orig_headers = ctx.orig_headers;
	out->sender = ctx.sender;
	if (a->exhausted)
		return RB_DSN_TOO_COMPLEX;
	return RB_DSN_OK;
}

rb_dsn_error
rb_dsn_parse(rb_arena *a, const char *msg, size_t len,
			 const rb_dsn_options *opt, rb_dsn_result *out)
{
	rb_dsn_error err;
	bool		stopped;

	rb_poll_begin(opt ? opt->stop : NULL, opt ? opt->stop_arg : NULL);
	err = parse(a, msg, len, opt, out);
	stopped = rb_polled_stop();
	rb_poll_end();

	/* the rows of an interrupted read are whatever the scanners had seen */
	if (stopped)
	{
		out->nrcpt = 0;
		return RB_DSN_INTERRUPTED;
	}
	return err;
}
