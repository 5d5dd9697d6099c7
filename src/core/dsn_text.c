/*
 * dsn_text.c
 *	  The toolkit the report modules share: lines, addresses, reply and
 *	  status codes, remote hosts, and the common "recipient, then what
 *	  happened to it" layout of plain-text bounces.
 */
#include "dsn_int.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static inline int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static inline bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---------------------------------------------------------------------------
 * Lines and text
 */

bool
rb_next_line(rb_span *rest, rb_span *line)
{
	const char *nl;

	/* every line loop of the readers goes through here: a stop ends it */
	if (rest->len == 0 || rb_polled_stop())
		return false;
	nl = rb_memchr(rest->ptr, '\n', rest->len);
	line->ptr = rest->ptr;
	if (nl == NULL)
	{
		line->len = rest->len;
		rest->ptr += rest->len;
		rest->len = 0;
	}
	else
	{
		line->len = nl - rest->ptr;
		rest->len -= line->len + 1;
		rest->ptr = nl + 1;
	}
	rb_poll(line->len + 1);
	if (line->len > 0 && line->ptr[line->len - 1] == '\r')
		line->len--;
	return true;
}

bool
rb_blank(rb_span line)
{
	for (size_t i = 0; i < line.len; i++)
		if (!is_space((unsigned char) line.ptr[i]))
			return false;
	return true;
}

bool
rb_contains(rb_span text, const char *lit)
{
	return rb_memcasemem(text.ptr, text.len, lit, strlen(lit)) != NULL;
}

rb_span
rb_after(rb_span text, const char *lit)
{
	const char *p = rb_memcasemem(text.ptr, text.len, lit, strlen(lit));

	if (p == NULL)
		return RB_SPAN_EMPTY;
	return (rb_span) {p, (size_t) (text.ptr + text.len - p)};
}

/* Lines that introduce the returned message, in the words MTAs use. */
static bool
original_marker(rb_span line)
{
	static const char *const words[] = {
		"original message", "copy of the message", "copy of your message",
		"returned message", "unsent message", "message follows",
		"undelivered message", "original headers", "header of the original",
		"headers of the original", "message header follows", "rfc822",
		"original mail", "headers follow", "returned mail", "message text follows",
		"forwarded message",
	};
	static const char *const sentences[] = {
		"below is a copy of the original message",
		"below this line is a copy of the message",
		"original message follows",
		"original message headers",
		"the original message headers",
		"original message header",
		"the header of the original message",
		"here is a copy of the first part of the message",
		"message headers follow",
		"original message headers follow",
		"the headers of the original message follow",
	};
	rb_span		t;

	/* most lines start with none of the characters a marker starts with */
	{
		size_t		k = 0;
		int			c;

		while (k < line.len && (line.ptr[k] == ' ' || line.ptr[k] == '\t'))
			k++;
		if (k >= line.len)
			return false;
		c = line.ptr[k] | 32;
		if (!(c == '-' || c == '=' || c == '*' || c == '_' || c == 'b' || c == 'o' ||
			  c == 't' || c == 'h' || c == 'm'))
			return false;
	}
	t = rb_span_trim(line);
	if (t.len < 6)
		return false;
	if ((t.ptr[0] == '-' && t.ptr[1] == '-') || (t.ptr[0] == '=' && t.ptr[1] == '=') ||
		(t.ptr[0] == '*' && t.ptr[1] == '*') || (t.ptr[0] == '_' && t.ptr[1] == '_'))
	{
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (rb_contains(t, words[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++)
		if (rb_span_istarts(t, sentences[i]))
			return true;
	return false;
}

rb_span
rb_cut_original(rb_span text, rb_span *rest)
{
	rb_span		scan = text,
				line;

	while (rb_next_line(&scan, &line))
	{
		if (original_marker(line))
		{
			if (rest)
				*rest = scan;
			return (rb_span) {text.ptr, (size_t) (line.ptr - text.ptr)};
		}
	}
	if (rest)
		*rest = RB_SPAN_EMPTY;
	return text;
}

rb_span
rb_squeeze(rb_dsn_ctx *ctx, rb_span text)
{
	char	   *out;
	size_t		n = 0;
	bool		gap = false;

	text = rb_span_trim(text);
	if (rb_poll(text.len))
		return text;
	for (size_t i = 0; i < text.len; i++)
		if (text.ptr[i] == '\n' || text.ptr[i] == '\r' || text.ptr[i] == '\t' ||
			(text.ptr[i] == ' ' && i + 1 < text.len && text.ptr[i + 1] == ' '))
			goto copy;
	return text;

copy:
	out = rb_arena_alloc(ctx->a, text.len + 1);
	if (out == NULL)
		return text;
	for (size_t i = 0; i < text.len; i++)
	{
		char		c = text.ptr[i];

		if (rb_poll_inside(i))
			break;
		if (is_space((unsigned char) c))
		{
			gap = true;
			continue;
		}
		if (gap && n > 0)
			out[n++] = ' ';
		gap = false;
		out[n++] = c;
	}
	return (rb_span) {out, n};
}

rb_span
rb_join_reply(rb_dsn_ctx *ctx, rb_span text)
{
	rb_span		s = rb_squeeze(ctx, text);
	char		prefix[16];
	size_t		plen = 0;
	char	   *out;
	size_t		n = 0;

	/* "550-5.7.1 " or "550 5.7.1 " or "550-" */
	if (s.len < 8 || !(s.ptr[0] == '4' || s.ptr[0] == '5') ||
		!(s.ptr[3] == '-' || s.ptr[3] == ' '))
		return s;
	for (int i = 1; i < 3; i++)
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return s;
	memcpy(prefix, s.ptr, 3);
	plen = 3;
	{
		/* the enhanced code, if the first line has one */
		size_t		k = 4;

		while (k < s.len && k < 4 + 11 && s.ptr[k] != ' ')
			k++;
		if (k > 4 && rb_find_status((rb_span) {s.ptr + 4, k - 4}) != 0 && k - 4 < sizeof(prefix) - 5)
		{
			memcpy(prefix + 4, s.ptr + 4, k - 4);
			plen = k;
		}
	}
	out = rb_arena_alloc(ctx->a, s.len + 1);
	if (out == NULL)
		return s;
	for (size_t i = 0; i < s.len;)
	{
		if (rb_poll_inside(i))
			break;
		/* " 550-5.7.1 " or " 550 5.7.1 " after the first line: drop it */
		if (i > 0 && s.ptr[i - 1] == ' ' && i + plen < s.len &&
			memcmp(s.ptr + i, prefix, 3) == 0 && (s.ptr[i + 3] == '-' || s.ptr[i + 3] == ' ') &&
			(plen == 3 || memcmp(s.ptr + i + 4, prefix + 4, plen - 4) == 0) &&
			(s.ptr[i + plen] == ' ' || (plen == 3 && s.ptr[i + 3] == '-')))
		{
			i += plen + 1;
			continue;
		}
		out[n++] = s.ptr[i++];
	}
	return (rb_span) {out, n};
}

/*
 * The words with which reports in unknown layouts introduce the reason, in
 * the languages bounces are written in: the reason is what follows them,
 * to the end of their paragraph, or the next paragraph when they end a
 * line.  English from the templates of Sendmail ("because:"), MailMarshal
 * ("because of"), Exim ("The error that the other server returned was:"),
 * Notes ("Failure Reasons"); the other languages are the same sentences as
 * the localized templates of Exchange, Postfix's bounce(5) translations and
 * the providers' notices phrase them (written from knowledge of the
 * languages, no sample copied).  Ordered from the most telling.
 */
static const char *const reason_anchors[] = {
	/* English */
	"because:", "because of:", "reason:", "reason for failure:", "failure reason:",
	"the error was:", "error message:", "returned was:", "the reason of the problem:",
	"for the following reason:", "diagnostic:", "error:",
	/* French */
	"raison :", "raison:", "motif :", "motif:", "pour la raison suivante",
	"erreur :", "erreur:", "cause :", "cause:",
	/* German */
	"grund:", "ursache:", "aus folgendem grund", "fehlermeldung:", "fehler:",
	/* Spanish, Portuguese, Italian (shared words first) */
	"motivo:", "razón:", "razão:", "causa:", "debido a:", "por el siguiente motivo",
	"pelo seguinte motivo", "per il seguente motivo", "errore:", "erro:",
	/* Dutch */
	"reden:", "oorzaak:", "foutmelding:", "fout:",
	/* Japanese, Chinese */
	"理由:", "理由：", "原因:", "原因：", "エラー内容", "错误信息", "錯誤訊息", "退信原因",
	/* Russian */
	"причина:", "ошибка:",
};

/*
 * The reason an unknown layout gives after one of the anchors, squeezed;
 * empty when no anchor is found or nothing follows it.
 */
static rb_span
anchored_reason(rb_dsn_ctx *ctx, rb_span text)
{
	for (size_t i = 0; i < sizeof(reason_anchors) / sizeof(reason_anchors[0]); i++)
	{
		rb_span		after = rb_after(text, reason_anchors[i]);
		rb_span		rest,
					line;
		const char *start = NULL,
				   *stop = NULL;

		if (after.len == 0)
			continue;
		rest = (rb_span) {after.ptr + strlen(reason_anchors[i]),
		after.len - strlen(reason_anchors[i])};
		/* the rest of the anchor's line, then its paragraph (or the next) */
		while (rb_next_line(&rest, &line))
		{
			if (rb_blank(line))
			{
				if (start != NULL)
					break;
				continue;
			}
			if (start == NULL)
				start = line.ptr;
			stop = line.ptr + line.len;
		}
		if (start != NULL)
			return rb_join_reply(ctx, (rb_span) {start, (size_t) (stop - start)});
	}
	return RB_SPAN_EMPTY;
}

rb_span
rb_telling_paragraph(rb_dsn_ctx *ctx, rb_span text)
{
	rb_span		rest = text,
				line;
	const char *start = NULL;

	while (rb_next_line(&rest, &line))
	{
		if (rb_blank(line))
		{
			start = NULL;
			continue;
		}
		if (start == NULL)
			start = line.ptr;
		if (rb_find_reply_code(line) || rb_find_status(line))
		{
			const char *stop = line.ptr + line.len;

			while (rb_next_line(&rest, &line) && !rb_blank(line))
				stop = line.ptr + line.len;
			return rb_join_reply(ctx, (rb_span) {start, (size_t) (stop - start)});
		}
	}
	/* no code anywhere: the words that introduce a reason, in any language */
	{
		rb_span		r = anchored_reason(ctx, text);

		if (r.len > 0)
			return r;
	}
	return rb_squeeze(ctx, text);
}

/* ---------------------------------------------------------------------------
 * Addresses
 */

static inline bool
local_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		c >= 0x80 || (c != 0 && strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL);
}

static inline bool
domain_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		c >= 0x80 || c == '.' || c == '-';
}

/*
 * No address is longer than this on either side of its '@': every search
 * around an '@' or a '<' looks no further, so that no text makes the
 * look-ups quadratic.
 */
#define ADDRESS_REACH 320

/* The address around the '@' at at, within [lo, hi). */
static bool
address_at(const char *lo, const char *hi, const char *at, bool need_dot,
		   rb_span *addr)
{
	const char *s = at,
			   *e = at + 1;
	bool		dot = false;

	/* RFC 5321: a local part is at most 64 octets, a domain 255 */
	if (at - lo > ADDRESS_REACH)
		lo = at - ADDRESS_REACH;
	if (hi - at > ADDRESS_REACH)
		hi = at + ADDRESS_REACH;
	while (s > lo && local_char((unsigned char) s[-1]))
		s--;
	/* "'addr'" or "=addr" prefixes are not part of it */
	while (s < at && (*s == '.' || *s == '\'' || *s == '=' || *s == '/'))
		s++;
	if (e < hi && *e == '[')
	{
		while (e < hi && *e != ']')
			e++;
		if (e >= hi)
			return false;
		e++;
		dot = true;
	}
	else
		while (e < hi && domain_char((unsigned char) *e))
		{
			if (*e == '.')
				dot = true;
			e++;
		}
	while (e > at + 1 && (e[-1] == '.' || e[-1] == '-'))
		e--;
	if (s == at || e == at + 1 || (need_dot && !dot))
		return false;
	addr->ptr = s;
	addr->len = e - s;
	return true;
}

bool
rb_next_address(rb_span *rest, rb_span *addr)
{
	const char *p = rest->ptr,
			   *end = rest->ptr + rest->len;

	while (p < end)
	{
		const char *at = rb_memchr(p, '@', end - p);
		const char *lt,
				   *gt;
		bool		found;

		if (at == NULL || rb_poll(at - p + 1))
			break;
		/* "<local@domain>": the brackets say where it ends */
		lt = at;
		while (lt > p && at - lt < ADDRESS_REACH && *lt != '<' && *lt != '>' &&
			   *lt != '\n')
			lt--;
		gt = (*lt == '<') ? rb_memchr(at, '>', (end - at) < ADDRESS_REACH ? end - at : ADDRESS_REACH) : NULL;
		if (gt != NULL)
			found = address_at(lt + 1, gt, at, false, addr);
		else
			found = address_at(p, end, at, true, addr);
		if (found)
		{
			const char *after = addr->ptr + addr->len;

			rest->len = end - after;
			rest->ptr = after;
			return true;
		}
		p = at + 1;
	}
	rest->ptr = end;
	rest->len = 0;
	return false;
}

bool
rb_find_address(rb_span s, rb_span *addr)
{
	const char *p = s.ptr,
			   *end = s.ptr + s.len;

	/* "<local@domain>" first: the brackets say where it ends */
	for (const char *lt = rb_memchr(p, '<', s.len); lt != NULL;
		 lt = rb_memchr(lt + 1, '<', end - lt - 1))
	{
		size_t		reach = (size_t) (end - lt) < 2 * ADDRESS_REACH ?
			(size_t) (end - lt) : 2 * ADDRESS_REACH;
		const char *gt = rb_memchr(lt, '>', reach);
		const char *at;

		if (rb_poll(reach))
			return false;
		if (gt == NULL)
			continue;
		at = rb_memchr(lt, '@', gt - lt);
		if (at && address_at(lt + 1, gt, at, false, addr))
			return true;
	}
	{
		rb_span		rest = s;

		return rb_next_address(&rest, addr);
	}
}

bool
rb_is_address_line(rb_span line, rb_span *addr, rb_span *rest)
{
	rb_span		t = rb_span_trim(line);
	const char *p = t.ptr,
			   *end = t.ptr + t.len,
			   *at;
	bool		angle = false;

	if (t.len < 3)
		return false;
	if (*p == '<')
	{
		angle = true;
		p++;
	}
	else if (*p == '"' || *p == '\'')
		p++;
	at = p;
	while (at < end && local_char((unsigned char) *at))
		at++;
	if (at == p || at >= end || *at != '@')
		return false;
	if (!address_at(p, end, at, !angle, addr) || addr->ptr != p)
		return false;
	p = addr->ptr + addr->len;
	if (angle)
	{
		if (p >= end || *p != '>')
			return false;
		p++;
	}
	else if (p < end && (*p == '"' || *p == '\'' || *p == '>'))
		p++;
	if (p < end && !(*p == ':' || *p == ' ' || *p == '\t' || *p == '.' ||
					 *p == ',' || *p == ';' || *p == '('))
		return false;
	rest->ptr = p;
	rest->len = end - p;
	return true;
}

/* ---------------------------------------------------------------------------
 * Codes and hosts
 */

int
rb_find_reply_code(rb_span s)
{
	const char *p = s.ptr,
			   *end = s.ptr + s.len;

	if (s.len < 3 || rb_poll(s.len))
		return 0;
	for (; p + 3 <= end; p++)
	{
		if (rb_poll_inside(p - s.ptr))
			return 0;
		if (!((*p == '4' || *p == '5') && is_digit((unsigned char) p[1]) &&
			  p[1] <= '5' && is_digit((unsigned char) p[2])))
			continue;
		if (p > s.ptr && (is_digit((unsigned char) p[-1]) || p[-1] == '.' ||
						  p[-1] == ':' || p[-1] == '-' || p[-1] == '#' ||
						  p[-1] == '/' || p[-1] == '=' || p[-1] == '_' ||
						  ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z')))
			continue;
		if (p + 3 < end && !(p[3] == ' ' || p[3] == '-' || p[3] == '\t' ||
							 p[3] == '\r' || p[3] == '\n' || p[3] == ',' ||
							 p[3] == ']' || p[3] == ')' || p[3] == '"' || p[3] == ';'))
			continue;
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}

rb_status
rb_find_status(rb_span s)
{
	const char *p = s.ptr,
			   *end = s.ptr + s.len;
	rb_status	success = 0;

	if (s.len < 5 || rb_poll(s.len))
		return 0;
	for (; p + 5 <= end; p++)
	{
		const char *q;
		int			sub = 0,
					det = 0,
					n;

		if (rb_poll_inside(p - s.ptr))
			return 0;
		if (!((*p == '2' || *p == '4' || *p == '5') && p[1] == '.'))
			continue;
		if (p > s.ptr && (is_digit((unsigned char) p[-1]) || p[-1] == '.'))
			continue;
		q = p + 2;
		for (n = 0; q < end && is_digit((unsigned char) *q) && n < 4; n++, q++)
			sub = sub * 10 + (*q - '0');
		if (n == 0 || n > 3 || q >= end || *q != '.')
			continue;
		q++;
		for (n = 0; q < end && is_digit((unsigned char) *q) && n < 4; n++, q++)
			det = det * 10 + (*q - '0');
		if (n == 0 || n > 3)
			continue;
		if (q < end && (is_digit((unsigned char) *q) ||
						(*q == '.' && q + 1 < end && is_digit((unsigned char) q[1]))))
			continue;			/* an IP address or a version number */
		if (*p == '2')
		{
			if (!success)
				success = RB_STATUS_MAKE(2, sub, det);
			continue;
		}
		return RB_STATUS_MAKE(*p - '0', sub, det);
	}
	return success;
}

static bool
host_token(const char *p, const char *end, rb_span *host)
{
	const char *s,
			   *e;
	bool		dot = false;
	int			colons = 0;

	while (p < end && (*p == ' ' || *p == '[' || *p == '(' || *p == '<' || *p == '"'))
		p++;
	s = e = p;
	while (e < end && (domain_char((unsigned char) *e) || *e == ':' || *e == '_') &&
		   (unsigned char) *e < 0x80)
	{
		if (*e == '.')
			dot = true;
		else if (*e == ':')
			colons++;
		e++;
	}
	if (colons >= 2)
		dot = true;				/* an IPv6 address */
	else
	{
		/* a name has a letter; else it must be a dotted quad, not "550-5.7.1" */
		bool		letter = false;
		int			dots = 0;

		for (const char *c = s; c < e; c++)
		{
			if ((*c | 32) >= 'a' && (*c | 32) <= 'z')
				letter = true;
			else if (*c == '.')
				dots++;
			else if (!(*c >= '0' && *c <= '9'))
			{
				if (!letter && *c != '-')
					return false;
			}
		}
		if (!letter && dots != 3)
			return false;
	}
	while (e > s && (e[-1] == '.' || e[-1] == ':'))
		e--;
	if (e - s < 3 || !dot)
		return false;
	host->ptr = s;
	host->len = e - s;
	return true;
}

const char *
rb_find_command(rb_span s)
{
	/*
	 * How MTAs say at which stage a reply came: Postfix "in reply to end of
	 * DATA command", Exim "after RCPT TO:", DragonFly "did not like our
	 * final DATA", qmail "most progress was RCPT TO response".  Each anchor
	 * is looked for once; the words after it name the command.
	 */
	static const struct
	{
		const char *anchor;
		const char *const words[5];
		const char *const commands[5];
	}			anchors[] = {
		{"in reply to ", {"rcpt", "end of data", "data", "mail", "helo"},
		{"RCPT", "DATA", "DATA", "MAIL", "HELO"}},
		{"after ", {"rcpt to", "end of data", "data", "mail from", "i sent the message"},
		{"RCPT", "DATA", "DATA", "MAIL", "DATA"}},
		{"like our ", {"rcpt", "final data", "data", "mail", "helo"},
		{"RCPT", "DATA", "DATA", "MAIL", "HELO"}},
		{"rcpt to response", {""}, {"RCPT"}},
		{"does not like recipient", {""}, {"RCPT"}},
	};
	const char *lt;

	if (s.len < 8)
		return NULL;
	for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
	{
		size_t		alen = strlen(anchors[i].anchor);
		rb_span		rest = s;
		const char *at;

		while ((at = rb_memcasemem(rest.ptr, rest.len, anchors[i].anchor, alen)) != NULL)
		{
			rb_span		next = {at + alen, (size_t) (s.ptr + s.len - at - alen)};

			for (int k = 0; k < 5 && anchors[i].words[k]; k++)
				if (rb_span_istarts(next, anchors[i].words[k]))
					return anchors[i].commands[k];
			rest = next;
		}
	}

	/* a transcript: the last ">>> COMMAND" before the first "<<< 4xx/5xx" */
	for (rb_span rest = s; (lt = rb_memcasemem(rest.ptr, rest.len, "<<< ", 4)) != NULL;)
	{
		rest.len -= lt + 4 - rest.ptr;
		rest.ptr = lt + 4;
		if (rest.len > 0 && (rest.ptr[0] == '4' || rest.ptr[0] == '5'))
		{
			rb_span		before = {s.ptr, (size_t) (lt - s.ptr)};
			const char *cmd = NULL;
			const char *gt;

			while ((gt = rb_memcasemem(before.ptr, before.len, ">>> ", 4)) != NULL)
			{
				rb_span		c = {gt + 4, (size_t) (before.ptr + before.len - gt - 4)};

				if (rb_span_istarts(c, "rcpt"))
					cmd = "RCPT";
				else if (rb_span_istarts(c, "data") || rb_span_istarts(c, "."))
					cmd = "DATA";
				else if (rb_span_istarts(c, "mail"))
					cmd = "MAIL";
				else if (rb_span_istarts(c, "helo") || rb_span_istarts(c, "ehlo"))
					cmd = "HELO";
				before.len -= gt + 4 - before.ptr;
				before.ptr = gt + 4;
			}
			return cmd;
		}
	}
	return NULL;
}

bool
rb_find_remote_host(rb_span s, rb_span *host)
{
	static const char *const before[] = {
		"remote host ", "host ", "connected to ", "while talking to ",
		"remote server ", "remote-mta: dns;", "by mx ", "mail server ",
	};
	const char *end = s.ptr + s.len;
	const char *p;

	/* "mx.example.jp [192.0.2.1] did not like our RCPT TO:" */
	if (host_token(s.ptr, end, host))
	{
		rb_span		after = {host->ptr + host->len, (size_t) (end - host->ptr - host->len)};

		if (rb_span_istarts(after, " [") || rb_span_istarts(after, "[") ||
			rb_span_istarts(after, " does not like") || rb_span_istarts(after, " did not like"))
			return true;
	}
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
	{
		rb_span		rest = s;

		while ((p = rb_memcasemem(rest.ptr, rest.len, before[i], strlen(before[i]))) != NULL)
		{
			const char *q = p + strlen(before[i]);

			rest.len -= q - rest.ptr;
			rest.ptr = q;
			/* "Client host [192.0.2.1] blocked": that is us, not them */
			if (p - s.ptr >= 7 && strncasecmp(p - 7, "client ", 7) == 0)
				continue;
			if (host_token(q, end, host))
				return true;
		}
	}
	/* Gmail: "... rejected by the server ... by mx.example.jp. [192.0.2.1]" */
	for (rb_span rest = s;
		 (p = rb_memcasemem(rest.ptr, rest.len, " by ", 4)) != NULL;)
	{
		rest.len -= p + 4 - rest.ptr;
		rest.ptr = p + 4;
		if (host_token(p + 4, end, host))
		{
			const char *e = host->ptr + host->len;

			while (e < end && (*e == '.' || *e == ' '))
				e++;
			if (e < end && *e == '[')
				return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------------
 * Results
 */

rb_span
rb_clean_address(rb_span a)
{
	a = rb_span_trim(a);
	while (a.len > 0 && (a.ptr[0] == '<' || a.ptr[0] == '"' || a.ptr[0] == '\''))
	{
		a.ptr++;
		a.len--;
	}
	while (a.len > 0 && (a.ptr[a.len - 1] == '>' || a.ptr[a.len - 1] == '"' ||
						 a.ptr[a.len - 1] == '\'' || a.ptr[a.len - 1] == '.' ||
						 a.ptr[a.len - 1] == ':' || a.ptr[a.len - 1] == ','))
		a.len--;
	return rb_span_trim(a);
}

/*
 * FNV-1a, keyed per process and mixed.  The table's index is the hash's low
 * bits, and those of plain FNV depend on the low bits of the input alone:
 * a mail of addresses chosen offline to share them would make every
 * insertion walk all the others.  A key the sender cannot know (the
 * process's stack address, which ASLR places, and the time it started)
 * and a final mix of all 32 bits take that away.
 */
bool
rb_plain_address(rb_span s)
{
	rb_span		a = rb_clean_address(s);
	const char *at;

	if (a.len < 3 || a.ptr[0] == '|' || a.ptr[0] == '/')
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (is_space((unsigned char) a.ptr[i]) || a.ptr[i] == '<' || a.ptr[i] == '>')
			return false;
	at = rb_memchr(a.ptr, '@', a.len);
	return at != NULL && at > a.ptr && at < a.ptr + a.len - 1 &&
		rb_memchr(at + 1, '@', a.ptr + a.len - at - 1) == NULL;
}

static uint32_t
address_hash(rb_span a)
{
	static uint32_t key;
	uint32_t	h;

	if (key == 0)
		key = ((uint32_t) (uintptr_t) &h ^ (uint32_t) time(NULL) * 2654435761u) | 1;
	h = 2166136261u ^ key;
	for (size_t i = 0; i < a.len; i++)
		h = (h ^ (uint32_t) lc((unsigned char) a.ptr[i])) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static bool
same_address(rb_span a, rb_span b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.ptr, b.ptr, a.len) == 0);
}

/* Put row i in the hash; grows it past half full.  False: no memory. */
bool
rb_index_row(rb_arena *arena, rb_dsn_result *res, size_t i)
{
	size_t		mask;
	uint32_t	h;

	if (i >= UINT32_MAX - 1)
		return false;
	if (res->nslots == 0 || (res->nrcpt + 1) * 2 > res->nslots)
	{
		size_t		n = res->nslots ? res->nslots * 2 : 64;
		uint32_t   *slots = rb_arena_alloc(arena, n * sizeof(uint32_t));

		if (slots == NULL)
			return false;
		memset(slots, 0, n * sizeof(uint32_t));
		res->slots = slots;
		res->nslots = n;
		/* rehash every row but i (it is added below) */
		for (size_t k = 0; k < res->nrcpt; k++)
			if (k != i && !rb_index_row(arena, res, k))
				return false;
	}
	mask = res->nslots - 1;
	h = address_hash(res->rcpt[i].recipient);
	for (size_t p = h & mask;; p = (p + 1) & mask)
	{
		uint32_t	s = res->slots[p];

		/* empty, or a row since taken back (see rb_scan_recipient_blocks) */
		if (s == 0 || s - 1 >= res->nrcpt || s - 1 == i)
		{
			res->slots[p] = (uint32_t) (i + 1);
			return true;
		}

		/*
		 * An address seen before keeps its first row, the one a look-up
		 * finds first anyway.  Indexing it again would make a chain of
		 * its rows that every later one walks: a report naming the same
		 * address 50,000 times took 50,000² steps.  A row taken back is
		 * always later than its first, so the first stays valid.
		 */
		if (same_address(res->rcpt[s - 1].recipient, res->rcpt[i].recipient))
			return true;
	}
}

bool
rb_reindex(rb_arena *arena, rb_dsn_result *res)
{
	size_t		n = 64;
	uint32_t   *slots;

	while (n < (res->nrcpt + 1) * 2)
		n *= 2;
	slots = rb_arena_alloc(arena, n * sizeof(uint32_t));
	if (slots == NULL)
		return false;
	memset(slots, 0, n * sizeof(uint32_t));
	res->slots = slots;
	res->nslots = n;
	for (size_t i = 0; i < res->nrcpt; i++)
		if (!rb_index_row(arena, res, i))
			return false;
	return true;
}

rb_dsn_recipient *
rb_result_find(rb_dsn_result *res, rb_span addr)
{
	rb_span		a = rb_clean_address(addr);
	size_t		mask;

	if (res->nslots == 0)
		return NULL;
	mask = res->nslots - 1;
	for (size_t p = address_hash(a) & mask;; p = (p + 1) & mask)
	{
		uint32_t	s = res->slots[p];

		if (s == 0)
			return NULL;
		if (s - 1 < res->nrcpt && same_address(res->rcpt[s - 1].recipient, a))
			return &res->rcpt[s - 1];
	}
}

rb_dsn_recipient *
rb_add_recipient(rb_dsn_ctx *ctx, rb_span addr)
{
	rb_dsn_result *out = ctx->out;
	rb_dsn_recipient *r;

	if (out->nrcpt == out->cap)
	{
		size_t		ncap = out->cap ? out->cap * 2 : 8;
		rb_dsn_recipient *n = rb_arena_alloc(ctx->a, ncap * sizeof(*n));

		if (n == NULL)
			return NULL;
		if (out->nrcpt)
			memcpy(n, out->rcpt, out->nrcpt * sizeof(*n));
		out->rcpt = n;
		out->cap = ncap;
	}
	r = &out->rcpt[out->nrcpt];
	memset(r, 0, sizeof(*r));
	r->recipient = rb_clean_address(addr);
	r->original_recipient = RB_SPAN_EMPTY;
	r->action = r->diagnostic = r->remote_mta = r->last_attempt = RB_SPAN_EMPTY;
	if (!rb_index_row(ctx->a, out, out->nrcpt))
		return NULL;
	out->nrcpt++;
	return r;
}

bool
rb_own_address(rb_dsn_ctx *ctx, rb_span addr)
{
	addr = rb_clean_address(addr);
	if (ctx->sender.len == addr.len && addr.len > 0 &&
		strncasecmp(ctx->sender.ptr, addr.ptr, addr.len) == 0)
		return true;
	return rb_span_istarts(addr, "mailer-daemon@") || rb_span_istarts(addr, "postmaster@");
}

rb_dsn_recipient *
rb_find_recipient(rb_dsn_ctx *ctx, rb_span addr)
{
	return rb_result_find(ctx->out, addr);
}

/*
 * Postfix names the address the sender used before the reason:
 * "<final@b> (expanded from <orig@a>): host ... said: ...".  That address
 * is the original recipient, and the words are no part of the reason.
 */
static void
take_expanded_from(rb_dsn_recipient *r)
{
	rb_span		d = rb_span_trim(r->diagnostic);
	const char *close;
	rb_span		addr;

	if (!rb_span_istarts(d, "(expanded from"))
		return;
	close = rb_memchr(d.ptr, ')', d.len < 400 ? d.len : 400);
	if (close == NULL)
		return;
	if (r->original_recipient.len == 0 &&
		rb_find_address((rb_span) {d.ptr, (size_t) (close - d.ptr)}, &addr) &&
		rb_plain_address(addr))
		r->original_recipient = rb_clean_address(addr);
	close++;
	while (close < d.ptr + d.len && (*close == ':' || is_space((unsigned char) *close)))
		close++;
	r->diagnostic = (rb_span) {close, (size_t) (d.ptr + d.len - close)};
}

void
rb_complete_recipient(rb_dsn_recipient *r)
{
	take_expanded_from(r);
	if (r->reply_code == 0)
		r->reply_code = rb_find_reply_code(r->diagnostic);
	if (r->status == 0)
		r->status = rb_find_status(r->diagnostic);
	if (r->remote_mta.len == 0)
		rb_find_remote_host(r->diagnostic, &r->remote_mta);
	if (r->command == NULL)
		r->command = rb_find_command(r->diagnostic);
}

/* ---------------------------------------------------------------------------
 * The common layout of text reports
 */

/* The rest of an address line that says something about the recipient. */
static rb_span
line_diagnostic(rb_span rest)
{
	rest = rb_span_trim(rest);
	while (rest.len > 0 && (rest.ptr[0] == ':' || rest.ptr[0] == '.' || rest.ptr[0] == ','))
	{
		rest.ptr++;
		rest.len--;
	}
	rest = rb_span_trim(rest);
	/* Exchange: "user@example.com on 29/04/2010 10:00" */
	if (rb_span_istarts(rest, "on ") && rest.len > 3 && rest.len < 60)
		return RB_SPAN_EMPTY;
	return rest;
}

int
rb_scan_recipient_blocks(rb_dsn_ctx *ctx, rb_span text, bool also_next_paragraph)
{
	rb_span		rest = text,
				line,
				addr,
				tail;
	rb_dsn_recipient *cur = NULL;
	const char *dstart = NULL,
			   *dend = NULL;
	bool		cur_own = false;
	int			found = 0;

	/*
	 * The bounce's own receiver named alone ("A message sent by <you>") is
	 * no recipient; named with a reason it is one (a message to oneself).
	 */
#define FINISH() \
	do { \
		if (cur && dstart && dend > dstart && cur->diagnostic.len == 0) \
			cur->diagnostic = rb_join_reply(ctx, (rb_span) {dstart, (size_t) (dend - dstart)}); \
		if (cur && cur_own && cur->diagnostic.len == 0 && \
			cur == &ctx->out->rcpt[ctx->out->nrcpt - 1]) \
		{ \
			ctx->out->nrcpt--; \
			found--; \
		} \
		else if (cur) \
			rb_complete_recipient(cur); \
		cur = NULL; dstart = dend = NULL; cur_own = false; \
	} while (0)

	while (rb_next_line(&rest, &line))
	{
		if (rb_blank(line))
		{
			/* an address alone may take the next paragraph as its reason */
			if (cur && !(dstart == NULL && also_next_paragraph && !cur_own))
				FINISH();
			continue;
		}
		if (rb_is_address_line(line, &addr, &tail) &&
			!(cur && dstart && cur->recipient.len == rb_clean_address(addr).len &&
			  strncasecmp(cur->recipient.ptr, addr.ptr, cur->recipient.len) == 0))
		{
			rb_span		d = line_diagnostic(tail);
			rb_dsn_recipient *r;

			FINISH();
			r = rb_find_recipient(ctx, addr);
			if (r == NULL)
			{
				r = rb_add_recipient(ctx, addr);
				if (r == NULL)
					return found;
				found++;
			}
			else if (r->diagnostic.len > 0)
			{
				cur = NULL;		/* named again further down: keep the first */
				continue;
			}
			cur = r;
			cur_own = rb_own_address(ctx, addr);
			if (d.len)
			{
				dstart = d.ptr;
				dend = d.ptr + d.len;
			}
			continue;
		}
		if (cur)
		{
			if (dstart == NULL)
				dstart = line.ptr;
			dend = line.ptr + line.len;
		}
	}
	FINISH();
#undef FINISH
	return found;
}

int
rb_scan_reason_first(rb_dsn_ctx *ctx, rb_span text, const char *stop_marker)
{
	rb_span		rest = text,
				line,
				addr,
				tail;
	const char *start = NULL,
			   *stop = NULL,
			   *prev_start = NULL,
			   *prev_stop = NULL;
	bool		gap = false;
	int			n = 0;

	while (rb_next_line(&rest, &line))
	{
		rb_span		t = rb_span_trim(line);

		if (stop_marker && t.len >= 7 && t.ptr[0] == '-' && rb_contains(t, stop_marker))
			break;
		if (rb_blank(line))
		{
			gap = true;
			continue;
		}
		if (rb_is_address_line(line, &addr, &tail) && rb_blank(tail))
		{
			rb_dsn_recipient *r = rb_find_recipient(ctx, addr);

			if (r == NULL && (r = rb_add_recipient(ctx, addr)) == NULL)
				return n;

			/*
			 * "The following recipients did not receive this message:"
			 * introduces the address: the reason is the paragraph before.
			 */
			if (start != NULL && stop[-1] == ':' && prev_start != NULL)
			{
				start = prev_start;
				stop = prev_stop;
			}
			if (start != NULL && r->diagnostic.len == 0)
				r->diagnostic = rb_squeeze(ctx, (rb_span) {start, (size_t) (stop - start)});
			rb_complete_recipient(r);
			n++;
			start = stop = prev_start = prev_stop = NULL;
			gap = false;
			continue;
		}
		/* the paragraph nearest the address is its reason */
		if (start != NULL && gap)
		{
			prev_start = start;
			prev_stop = stop;
		}
		if (start == NULL || gap)
			start = line.ptr;
		stop = line.ptr + line.len;
		gap = false;
	}
	return n;
}

bool
rb_json_string(rb_span text, const char *key, rb_span *value)
{
	size_t		klen = strlen(key);
	const char *p = text.ptr,
			   *end = text.ptr + text.len;

	/* no object, no key: most mails are no JSON */
	if (rb_memchr(text.ptr, '{', text.len) == NULL)
		return false;
	while (p < end)
	{
		const char *k = rb_memcasemem(p, end - p, key, klen);
		const char *q;

		if (k == NULL)
			return false;
		p = k + klen;
		if (k == text.ptr || k[-1] != '"' || p >= end || *p != '"')
			continue;
		q = p + 1;
		while (q < end && is_space((unsigned char) *q))
			q++;
		if (q >= end || *q != ':')
			continue;
		q++;
		while (q < end && is_space((unsigned char) *q))
			q++;
		if (q < end && *q == '"')
		{
			const char *s = ++q;

			while (q < end && *q != '"')
			{
				if (*q == '\\' && q + 1 < end)
					q++;
				q++;
			}
			value->ptr = s;
			value->len = q - s;
			return true;
		}
		/* a number or a literal */
		{
			const char *s = q;

			while (q < end && *q != ',' && *q != '}' && *q != ']' && !is_space((unsigned char) *q))
				q++;
			value->ptr = s;
			value->len = q - s;
			return value->len > 0;
		}
	}
	return false;
}

bool
rb_original_recipient(rb_dsn_ctx *ctx, rb_span *addr)
{
	rb_span		v;

	if (ctx->orig_headers.len == 0)
		return false;
	if (rb_header_get(ctx->orig_headers, "to", &v) && rb_find_address(v, addr))
		return true;
	return false;
}

bool
rb_looks_like_bounce(rb_dsn_ctx *ctx)
{
	static const char *const subjects[] = {
		"undeliver", "undelivered", "delivery fail", "failure notice",
		"returned mail", "delivery status", "mail delivery", "not delivered",
		"could not be delivered", "delivery problem", "nondeliverable",
		"non-deliverable", "non remis", "non distribu", "unzustellbar",
		"delivery notification", "failed delivery", "delivery error",
		"rejected", "bounce", "returned to sender", "mail system error",
		"delivery report", "error sending", "message not delivered",
		"warning: could not send", "delayed mail", "delivery delayed",
		"unable to deliver", "undeliverable", "non recapitabile",
		"no se puede entregar", "onbestelbaar", "nicht zugestellt",
		"エラー通知", "配送エラー", "未達",
	};
	static const char *const sentences[] = {
		"could not be delivered to", "was not delivered to",
		"delivery to the following recipient", "permanent fatal errors",
		"unable to deliver your message", "your message could not be delivered",
		"undeliverable", "delivery has failed",
	};
	if (ctx->from_daemon)
		return true;
	if (ctx->failed_recipients.len)
		return true;
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (rb_contains(ctx->subject, subjects[i]))
			return true;
	if (ctx->return_path.len == 2 && ctx->return_path.ptr[0] == '<' &&
		ctx->return_path.ptr[1] == '>')
		return true;
	/*
	 * And the sentences only a bounce writes, unless a person writes them
	 * in a reply ("your message could not be delivered to ...").
	 */
	if (ctx->is_reply)
		return false;
	for (size_t i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++)
		if (rb_contains(ctx->text, sentences[i]))
			return true;
	return false;
}
