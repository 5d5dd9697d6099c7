/*
 * dsn_rfc3464.c
 *	  message/delivery-status (RFC 3464) and message/global-delivery-status
 *	  (RFC 6533): one per-message block, then one block per recipient.
 *
 * In the wild the blocks are not always separated by blank lines, fields
 * are folded anywhere, and Action takes values the RFC does not list
 * ("expired"); a new Final-Recipient always starts a new recipient, and
 * any action other than delivered/relayed/expanded is a failure.
 */
#include "dsn_int.h"

#include <string.h>

typedef struct fields
{
	rb_span		final;
	rb_span		original;
	rb_span		action;
	rb_span		status;
	rb_span		diagnostic;
	rb_span		remote;
	rb_span		last_attempt;
	bool		any;
} fields;

/* "rfc822; user@example.com" -> "user@example.com" */
static rb_span
after_type(rb_span v)
{
	const char *semi;

	v = rb_span_trim(v);
	semi = rb_memchr(v.ptr, ';', v.len);

	if (semi != NULL)
	{
		/* only when what precedes is one word (the address type) */
		bool		word = true;

		for (const char *p = v.ptr; p < semi; p++)
			if (*p == ' ' || *p == '\t' || *p == '<' || *p == '@')
				word = false;
		if (word)
		{
			v.len -= semi + 1 - v.ptr;
			v.ptr = semi + 1;
		}
	}
	return rb_span_trim(v);
}

static void
put_utf8(char *out, size_t *n, unsigned cp)
{
	if (cp < 0x80)
		out[(*n)++] = (char) cp;
	else if (cp < 0x800)
	{
		out[(*n)++] = (char) (0xc0 | (cp >> 6));
		out[(*n)++] = (char) (0x80 | (cp & 0x3f));
	}
	else if (cp < 0x10000)
	{
		out[(*n)++] = (char) (0xe0 | (cp >> 12));
		out[(*n)++] = (char) (0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char) (0x80 | (cp & 0x3f));
	}
	else
	{
		out[(*n)++] = (char) (0xf0 | (cp >> 18));
		out[(*n)++] = (char) (0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char) (0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char) (0x80 | (cp & 0x3f));
	}
}

/* RFC 6533 utf-8-addr-xtext: "\x{HHHH}" stands for a code point. */
static rb_span
decode_xtext(rb_dsn_ctx *ctx, rb_span a)
{
	char	   *out;
	size_t		n = 0;

	if (rb_memchr(a.ptr, '\\', a.len) == NULL)
		return a;
	out = rb_arena_alloc(ctx->a, a.len + 1);
	if (out == NULL)
		return a;
	for (size_t i = 0; i < a.len; i++)
	{
		if (a.ptr[i] == '\\' && i + 3 < a.len && a.ptr[i + 1] == 'x' && a.ptr[i + 2] == '{')
		{
			unsigned	cp = 0;
			size_t		j = i + 3;
			int			digits = 0;

			while (j < a.len && digits < 6)
			{
				int			c = a.ptr[j] | 32;

				if (a.ptr[j] >= '0' && a.ptr[j] <= '9')
					cp = cp * 16 + (a.ptr[j] - '0');
				else if (c >= 'a' && c <= 'f')
					cp = cp * 16 + (c - 'a' + 10);
				else
					break;
				j++;
				digits++;
			}
			/* "\x{HH}" is at least 6 bytes; its UTF-8 at most 4 */
			if (j < a.len && a.ptr[j] == '}' && digits > 0 && cp <= 0x10FFFF &&
				!(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0)
			{
				put_utf8(out, &n, cp);
				i = j;
				continue;
			}
		}
		out[n++] = a.ptr[i];
	}
	return (rb_span) {out, n};
}

static bool
skipped_action(rb_span action)
{
	return rb_span_istarts(action, "delivered") || rb_span_istarts(action, "relayed") ||
		rb_span_istarts(action, "expanded");
}

static void
emit(rb_dsn_ctx *ctx, fields *f, int *seen)
{
	rb_span		addr = f->final.len ? after_type(f->final) : after_type(f->original);
	rb_span		action = rb_span_trim(f->action);
	rb_status	st = 0;
	rb_dsn_recipient *r;

	if (!f->any || (f->final.len == 0 && f->original.len == 0))
	{
		memset(f, 0, sizeof(*f));
		return;
	}
	(*seen)++;

	/*
	 * A delay warning is no failure (issue 10): the message is still
	 * queued, and a row would suppress an address that may yet receive it.
	 * The report still counts as read, so that no text reader takes the
	 * recipient named in its prose for a failed one.
	 */
	if (rb_span_istarts(action, "delayed"))
	{
		ctx->delayed++;
		memset(f, 0, sizeof(*f));
		return;
	}
	if (f->status.len)
	{
		rb_span		s = rb_span_trim(f->status);
		size_t		k = 0;

		/* "5.1.1 (user unknown)": the code is the first word */
		while (k < s.len && s.ptr[k] != ' ' && s.ptr[k] != '\t' && s.ptr[k] != '(')
			k++;
		if (rb_status_parse(s.ptr, k, &st) != RB_STATUS_OK)
			st = rb_find_status(s);
	}
	/* a success status outweighs an action the RFC does not know */
	if (skipped_action(action) ||
		(RB_STATUS_CLASS(st) == 2 && !rb_span_istarts(action, "failed") &&
		 !rb_span_istarts(action, "delayed")))
	{
		memset(f, 0, sizeof(*f));
		return;
	}
	r = rb_add_recipient(ctx, decode_xtext(ctx, addr));
	if (r == NULL)
		return;
	if (f->original.len && r->recipient.len == 0)
		r->recipient = after_type(f->original);

	/*
	 * Original-Recipient is the address the sender wrote; Final-Recipient
	 * the one delivery last tried (after aliases and forwarding).  Both are
	 * kept: the ledger wants the first, the diagnostic speaks of the second.
	 * A value that is no address ("rfc822;unknown") says nothing.
	 */
	if (f->original.len)
	{
		rb_span		o = decode_xtext(ctx, after_type(f->original));

		if (rb_plain_address(o))
			r->original_recipient = rb_clean_address(o);
	}
	{
		/* the action's first word, lower case */
		size_t		k = 0;
		char	   *low;

		while (k < action.len && action.ptr[k] != ' ' && action.ptr[k] != '(' && action.ptr[k] != ';')
			k++;
		low = rb_arena_alloc(ctx->a, k + 1);
		if (low != NULL)
		{
			for (size_t i = 0; i < k; i++)
				low[i] = (char) ((action.ptr[i] >= 'A' && action.ptr[i] <= 'Z') ?
								 action.ptr[i] + 32 : action.ptr[i]);
			r->action = (rb_span) {low, k};
		}
	}
	if (f->diagnostic.len)
		r->diagnostic = rb_join_reply(ctx, after_type(rb_unfold(ctx->a, f->diagnostic)));
	else
	{
		/* "Status: 4.4.7 (unable to deliver this message after 1 day)" */
		const char *open = rb_memchr(f->status.ptr, '(', f->status.len);
		const char *close = open ? rb_memchr(open, ')', f->status.ptr + f->status.len - open) : NULL;

		if (close && close - open > 4)
			r->diagnostic = rb_squeeze(ctx, (rb_span) {open + 1, (size_t) (close - open - 1)});
	}
	if (f->remote.len)
	{
		rb_span		h = after_type(f->remote);
		size_t		k = 0;

		while (k < h.len && h.ptr[k] != ' ' && h.ptr[k] != '\t' && h.ptr[k] != '\r' && h.ptr[k] != '\n')
			k++;
		h.len = k;
		while (h.len > 0 && (h.ptr[h.len - 1] == '.' || h.ptr[h.len - 1] == ']'))
			h.len--;
		while (h.len > 0 && h.ptr[0] == '[')
		{
			h.ptr++;
			h.len--;
		}
		r->remote_mta = h;
	}
	r->last_attempt = rb_span_trim(f->last_attempt);

	/*
	 * A generic status ("5.0.0", or none) says less than the code in the
	 * diagnostic ("550 5.1.1 ... user unknown") of the same class.
	 */
	{
		rb_status	d = rb_find_status(r->diagnostic);

		if (st == 0 || (RB_STATUS_SUBJECT(st) == 0 && RB_STATUS_DETAIL(st) == 0 &&
						d != 0 && RB_STATUS_CLASS(d) == RB_STATUS_CLASS(st)))
			st = d ? d : st;
	}
	r->status = st;
	memset(f, 0, sizeof(*f));
}

static void
read_report(rb_dsn_ctx *ctx, rb_span report, int *seen)
{
	rb_span		rest = report,
				line;
	fields		f;
	rb_span    *last = NULL;	/* the field a continuation line extends */

	memset(&f, 0, sizeof(f));
	while (rb_next_line(&rest, &line))
	{
		rb_span		name,
					value;
		const char *colon;

		if (rb_blank(line))
		{
			emit(ctx, &f, seen);
			last = NULL;
			continue;
		}
		if ((line.ptr[0] == ' ' || line.ptr[0] == '\t') && last != NULL)
		{
			/* folded: extend the value to the end of this line */
			last->len = line.ptr + line.len - last->ptr;
			continue;
		}
		colon = rb_memchr(line.ptr, ':', line.len);
		if (colon == NULL)
			continue;
		name = rb_span_trim((rb_span) {line.ptr, (size_t) (colon - line.ptr)});
		value = rb_span_trim((rb_span) {colon + 1, (size_t) (line.ptr + line.len - colon - 1)});
		/* an empty value stays in the buffer: a folded line may extend it */
		if (value.len == 0)
			value = (rb_span) {colon + 1, 0};
		last = NULL;
		if (rb_span_ieq(name, "final-recipient"))
		{
			if (f.final.len)
				emit(ctx, &f, seen);
			last = &f.final;
		}
		else if (rb_span_ieq(name, "original-recipient"))
		{
			if (f.original.len && f.final.len)
				emit(ctx, &f, seen);
			last = &f.original;
		}
		else if (rb_span_ieq(name, "action"))
			last = &f.action;
		else if (rb_span_ieq(name, "status"))
			last = &f.status;
		else if (rb_span_ieq(name, "diagnostic-code"))
			last = &f.diagnostic;
		else if (rb_span_ieq(name, "remote-mta"))
			last = &f.remote;
		else if (rb_span_ieq(name, "last-attempt-date"))
			last = &f.last_attempt;
		if (last != NULL)
		{
			*last = value;
			f.any = true;
		}
	}
	emit(ctx, &f, seen);
}

bool
rb_dsn_rfc3464(rb_dsn_ctx *ctx)
{
	int			seen = 0;
	bool		found = false;

	for (int i = 0; i < ctx->msg.nparts; i++)
	{
		const rb_part *p = &ctx->msg.parts[i];
		rb_span		report;

		if (p->ctype != RB_CT_DELIVERY_STATUS && p->ctype != RB_CT_GLOBAL_DELIVERY_STATUS)
			continue;
		/* a report returned inside the returned message is not ours */
		if (found && p->depth > 1)
			break;
		found = true;
		if (!rb_mime_decode_text(ctx->a, p, true, &report))
			return false;
		read_report(ctx, report, &seen);
	}

	/*
	 * Some MTAs (PMDF, Sun Messaging Server, gateways that flatten MIME)
	 * write the report's fields into the text itself.
	 */
	if (!found && ctx->text.len > 0)
	{
		rb_span		start = rb_after(ctx->text, "final-recipient:");

		if (start.len > 0 && (start.ptr == ctx->text.ptr || start.ptr[-1] == '\n'))
		{
			found = true;
			read_report(ctx, ctx->text, &seen);
		}
	}
	return found && seen > 0;
}
