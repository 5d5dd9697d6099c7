/*
 * logline.c
 *	  Postfix, Exim and PowerMTA log lines to recipient events.
 *
 * Each reader anchors on what only its format writes (Postfix's program
 * name and "status=", Exim's message id followed by a delivery flag,
 * PowerMTA's record type as the first CSV field) and takes every field as
 * a span of the line: a log of millions of lines is read without a single
 * allocation.  A line that no reader recognizes is RB_LOG_NONE.
 */
#include "core/logline.h"

#include <string.h>

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* The first occurrence of needle in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, const char *needle)
{
	size_t		n = strlen(needle);

	for (; p + n <= end; p++)
		if (*p == needle[0] && memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

static rb_span
span(const char *p, const char *end)
{
	rb_span		s = {p, end > p ? (size_t) (end - p) : 0};

	return s;
}

static bool
span_is(rb_span s, const char *word)
{
	size_t		n = strlen(word);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.ptr[i]) != word[i])
			return false;
	return true;
}

static rb_span
trim(rb_span s)
{
	while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t'))
		s.ptr++, s.len--;
	while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' ||
						 s.ptr[s.len - 1] == '\r'))
		s.len--;
	return s;
}

/*
 * "(in reply to RCPT TO command)" / "after RCPT TO:<x>": the SMTP command
 * a reply answered, which tells an unknown user refused at RCPT from one
 * refused after DATA.
 */
static rb_span
command_in(rb_span diag)
{
	const char *end;
	const char *p;
	const char *q;

	if (diag.len == 0)
		return diag;
	end = diag.ptr + diag.len;
	p = find(diag.ptr, end, "in reply to ");
	if (p)
	{
		p += strlen("in reply to ");
		q = find(p, end, " command");
		if (q)
			return span(p, q);
	}
	p = find(diag.ptr, end, "after ");
	if (p)
	{
		p += strlen("after ");
		for (q = p; q < end && *q != ':' && *q != '<'; q++)
			;
		if (q < end && q - p < 20)
			return trim(span(p, q));
	}
	return span(NULL, NULL);
}

/* ------------------------------------------------------------------------
 * Postfix
 * ------------------------------------------------------------------------ */

/* The syslog time at the start: RFC 3339, or "Mmm dd hh:mm:ss" (no year). */
static const char *
syslog_time(const char *p, const char *end, rb_log_record *out)
{
	if (end - p >= 19 && is_digit(p[0]) && p[4] == '-' && p[10] == 'T')
	{
		const char *q = memchr(p, ' ', (size_t) (end - p));

		if (q == NULL)
			return NULL;
		out->time = span(p, q);
		out->time_has_year = true;
		return q + 1;
	}
	if (end - p >= 16 && is_alpha(p[0]) && is_alpha(p[1]) && is_alpha(p[2]) && p[3] == ' ' &&
		p[9] == ':' && p[12] == ':' && p[15] == ' ')
	{
		out->time = span(p, p + 15);
		out->time_has_year = false;
		return p + 16;
	}
	return NULL;
}

static rb_log_event
postfix(const char *line, const char *end, rb_log_record *out)
{
	const char *p = syslog_time(line, end, out);
	const char *prog;
	const char *q;
	const char *f;

	if (p == NULL)
		return RB_LOG_NONE;
	/* "host postfix/smtp[123]: " (or postfix-out/smtp, a second instance) */
	prog = find(p, end, " postfix");
	if (prog == NULL)
		return RB_LOG_NONE;
	q = find(prog, end, ": ");
	if (q == NULL)
		return RB_LOG_NONE;
	p = q + 2;
	/* the queue id: letters and digits, then ':' */
	for (q = p; q < end && is_alnum(*q); q++)
		;
	if (q == p || q >= end || *q != ':' || q - p < 5)
		return RB_LOG_NONE;
	out->queue_id = span(p, q);
	p = q + 1;
	while (p < end && *p == ' ')
		p++;
	out->format = "postfix";

	if ((f = find(p, end, "status=")) != NULL)
	{
		const char *w = f + strlen("status=");
		const char *we = w;
		rb_span		status;

		while (we < end && is_alpha(*we))
			we++;
		status = span(w, we);
		if (span_is(status, "bounced"))
		{
			out->event = RB_LOG_BOUNCE;
			out->source_severity = RB_LOG_SEV_HARD;
		}
		else if (span_is(status, "expired"))
			out->event = RB_LOG_BOUNCE;	/* retried too long: no verdict on the address */
		else if (span_is(status, "deferred"))
		{
			out->event = RB_LOG_DEFERRAL;
			out->source_severity = RB_LOG_SEV_SOFT;
		}
		else if (span_is(status, "sent") || span_is(status, "delivered"))
			out->event = RB_LOG_DELIVERY;
		else
			out->event = RB_LOG_OTHER;
		/* the reason: "(...)" running to the end of the line */
		q = memchr(we, '(', (size_t) (end - we));
		if (q)
		{
			const char *close = end;

			while (close > q && close[-1] != ')')
				close--;
			out->diagnostic = close > q + 1 ? span(q + 1, close - 1) : span(q + 1, end);
		}
		if ((f = find(p, end, "to=<")) != NULL && f < w)
		{
			const char *a = f + 4;
			const char *ae = memchr(a, '>', (size_t) (end - a));

			if (ae)
				out->recipient = span(a, ae);
		}
		if ((f = find(p, end, "relay=")) != NULL && f < w)
		{
			const char *h = f + strlen("relay=");
			const char *he = h;

			while (he < end && *he != '[' && *he != ',' && *he != ' ')
				he++;
			if (!span_is(span(h, he), "none") && !span_is(span(h, he), "local"))
				out->remote_mta = span(h, he);
		}
		if ((f = find(p, end, "dsn=")) != NULL && f < w)
		{
			const char *d = f + 4;
			const char *de = d;

			while (de < end && (is_digit(*de) || *de == '.'))
				de++;
			out->status = span(d, de);
		}
	}
	else if ((f = find(p, end, " said: ")) != NULL && find(p, f, "host ") == p)
	{
		/* a reply about the whole message: "host mx[ip] said: 421 ..." */
		const char *h = p + strlen("host ");
		const char *he = h;
		const char *r = f + strlen(" said: ");

		while (he < f && *he != '[' && *he != ' ')
			he++;
		out->remote_mta = span(h, he);
		out->diagnostic = trim(span(p, end));
		out->event = r < end && *r == '5' ? RB_LOG_BOUNCE :
			r < end && *r == '4' ? RB_LOG_DEFERRAL : RB_LOG_OTHER;
	}
	else
		return RB_LOG_NONE;
	out->command = command_in(out->diagnostic);
	return out->event;
}

/* ------------------------------------------------------------------------
 * Exim main log
 * ------------------------------------------------------------------------ */

/* Exim's message id: 1eCiJK-0001Ab-Cd (6-6-2), or the longer 4.97 form. */
static bool
exim_id(rb_span t)
{
	int			dashes = 0;

	if (t.len < 16 || t.len > 24)
		return false;
	for (size_t i = 0; i < t.len; i++)
	{
		if (t.ptr[i] == '-')
			dashes++;
		else if (!is_alnum(t.ptr[i]))
			return false;
	}
	return dashes == 2 && t.ptr[6] == '-';
}

static rb_span
next_token(const char **pp, const char *end)
{
	const char *p = *pp;
	const char *q;

	while (p < end && *p == ' ')
		p++;
	for (q = p; q < end && *q != ' '; q++)
		;
	*pp = q;
	return span(p, q);
}

static rb_log_event
exim(const char *line, const char *end, rb_log_record *out)
{
	const char *p = line;
	const char *t0 = line;
	rb_span		tok;
	rb_span		flag;
	const char *f;

	/* "2017-11-09 07:30:06[.123][ +0100]" */
	if (end - p < 20 || !is_digit(p[0]) || p[4] != '-' || p[7] != '-' || p[10] != ' ' ||
		p[13] != ':' || p[16] != ':')
		return RB_LOG_NONE;
	p += 19;
	if (p < end && *p == '.')
		for (p++; p < end && is_digit(*p); p++)
			;
	if (end - p > 6 && p[0] == ' ' && (p[1] == '+' || p[1] == '-') && is_digit(p[2]))
		p += 6;
	out->time = span(t0, p);
	out->time_has_year = true;
	tok = next_token(&p, end);
	if (tok.len > 2 && tok.ptr[0] == '[')		/* log_selector +pid */
		tok = next_token(&p, end);
	if (!exim_id(tok))
		return RB_LOG_NONE;
	out->queue_id = tok;
	flag = next_token(&p, end);
	if (span_is(flag, "**"))
	{
		out->event = RB_LOG_BOUNCE;
		out->source_severity = RB_LOG_SEV_HARD;
	}
	else if (span_is(flag, "=="))
	{
		out->event = RB_LOG_DEFERRAL;
		out->source_severity = RB_LOG_SEV_SOFT;
	}
	else if (span_is(flag, "=>") || span_is(flag, "->") || span_is(flag, "*>"))
		out->event = RB_LOG_DELIVERY;
	else
		return RB_LOG_NONE;		/* arrivals, completions: no recipient event */
	out->format = "exim";
	out->recipient = next_token(&p, end);
	/* "** gone@nxdomain.example: Unrouteable address": no fields at all */
	if (out->recipient.len > 1 && out->recipient.ptr[out->recipient.len - 1] == ':')
	{
		out->recipient.len--;
		out->diagnostic = trim(span(p, end));
		out->command = command_in(out->diagnostic);
		return out->event;
	}
	/* "jean@client.fr <Jean@Client.FR>": the original address follows */
	{
		const char *save = p;
		rb_span		orig = next_token(&p, end);

		if (!(orig.len > 1 && orig.ptr[0] == '<'))
			p = save;
	}
	if ((f = find(p, end, " H=")) != NULL)
	{
		const char *h = f + 3;
		const char *he = h;

		while (he < end && *he != ' ' && *he != ':')
			he++;
		out->remote_mta = span(h, he);
	}
	/* the reason follows the first ": " after the fields */
	if ((f = find(p, end, ": ")) != NULL)
		out->diagnostic = trim(span(f + 2, end));
	out->command = command_in(out->diagnostic);
	return out->event;
}

/* ------------------------------------------------------------------------
 * PowerMTA accounting CSV
 * ------------------------------------------------------------------------ */

/* Split a CSV line into raw fields (quotes kept); returns their count. */
static int
csv_split(const char *p, const char *end, rb_span *fields, int max)
{
	int			n = 0;

	while (n < max)
	{
		const char *s = p;

		if (p < end && *p == '"')
		{
			p++;
			while (p < end)
			{
				if (*p == '"' && p + 1 < end && p[1] == '"')
					p += 2;
				else if (*p == '"')
				{
					p++;
					break;
				}
				else
					p++;
			}
			while (p < end && *p != ',')
				p++;
		}
		else
			while (p < end && *p != ',')
				p++;
		fields[n++] = span(s, p);
		if (p >= end)
			break;
		p++;					/* the comma */
	}
	return n;
}

size_t
rb_csv_unquote(rb_span field, char *buf)
{
	size_t		k = 0;

	if (field.len >= 2 && field.ptr[0] == '"')
	{
		for (size_t i = 1; i < field.len; i++)
		{
			if (field.ptr[i] == '"')
			{
				if (i + 1 < field.len && field.ptr[i + 1] == '"')
				{
					buf[k++] = '"';
					i++;
					continue;
				}
				break;
			}
			buf[k++] = field.ptr[i];
		}
		return k;
	}
	memcpy(buf, field.ptr, field.len);
	return field.len;
}

static void
header_reset(rb_pmta_header *h)
{
	h->nfields = 0;
	h->type = h->time_logged = h->rcpt = h->dsn_action = h->dsn_status = h->dsn_diag =
		h->dsn_mta = h->bounce_cat = h->env_id = h->job_id = h->header_message_id = -1;
}

bool
rb_pmta_header_parse(const char *line, size_t len, rb_pmta_header *out)
{
	rb_span		f[RB_PMTA_MAX_FIELDS];
	int			n = csv_split(line, line + len, f, RB_PMTA_MAX_FIELDS);

	header_reset(out);
	out->nfields = n;
	for (int i = 0; i < n; i++)
	{
		rb_span		s = trim(f[i]);

		if (span_is(s, "type"))
			out->type = i;
		else if (span_is(s, "timelogged"))
			out->time_logged = i;
		else if (span_is(s, "rcpt"))
			out->rcpt = i;
		else if (span_is(s, "dsnaction"))
			out->dsn_action = i;
		else if (span_is(s, "dsnstatus"))
			out->dsn_status = i;
		else if (span_is(s, "dsndiag"))
			out->dsn_diag = i;
		else if (span_is(s, "dsnmta"))
			out->dsn_mta = i;
		else if (span_is(s, "bouncecat"))
			out->bounce_cat = i;
		else if (span_is(s, "envid"))
			out->env_id = i;
		else if (span_is(s, "jobid"))
			out->job_id = i;
		else if (span_is(s, "header_message-id"))
			out->header_message_id = i;
	}
	return out->type >= 0 && out->rcpt >= 0;
}

/*
 * The fields of PowerMTA's default accounting file (acct-file with no
 * record-fields setting), for lines read without their header.
 */
static const char default_fields[] =
"type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,"
"bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,"
"dlvSize,vmta,jobId,envId,queue,vmtaPool";

const rb_pmta_header *
rb_pmta_default_header(void)
{
	static rb_pmta_header h;
	static bool done = false;

	if (!done)
	{
		rb_pmta_header_parse(default_fields, sizeof(default_fields) - 1, &h);
		done = true;
	}
	return &h;
}

static rb_span
field(const rb_span *f, int n, int i)
{
	return i >= 0 && i < n ? trim(f[i]) : span(NULL, NULL);
}

static rb_log_event
powermta(const char *line, const char *end, const rb_pmta_header *h, rb_log_record *out)
{
	rb_span		f[RB_PMTA_MAX_FIELDS];
	int			n;
	rb_span		type;
	rb_span		cat;
	rb_span		s;

	if (h == NULL)
		h = rb_pmta_default_header();
	if (h->type < 0 || h->rcpt < 0)
		return RB_LOG_NONE;
	n = csv_split(line, end, f, RB_PMTA_MAX_FIELDS);
	if (n < 3)
		return RB_LOG_NONE;
	type = field(f, n, h->type);
	if (span_is(type, "b") || span_is(type, "rb"))
		out->event = RB_LOG_BOUNCE;
	else if (span_is(type, "t"))
	{
		out->event = RB_LOG_DEFERRAL;
		out->source_severity = RB_LOG_SEV_SOFT;
	}
	else if (span_is(type, "d"))
		out->event = RB_LOG_DELIVERY;
	else if (span_is(type, "f"))
		out->event = RB_LOG_COMPLAINT;
	else
		return RB_LOG_NONE;		/* the header, or a record type we do not read */
	out->format = "powermta";
	out->recipient = field(f, n, h->rcpt);
	out->time = field(f, n, h->time_logged);
	out->time_has_year = true;
	/* "5.1.1 (bad destination mailbox address)": the code alone */
	s = field(f, n, h->dsn_status);
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] == ' ')
		{
			s.len = i;
			break;
		}
	out->status = s;
	out->diagnostic = field(f, n, h->dsn_diag);	/* may be quoted: the glue unquotes */
	/* "mx1.mail.ovh.net (213.186.33.29)" */
	s = field(f, n, h->dsn_mta);
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] == ' ' || s.ptr[i] == '(')
		{
			s.len = i;
			break;
		}
	if (s.len > 0 && s.ptr[0] == '"')
		s.ptr++, s.len--;
	out->remote_mta = s;
	/* bounce categories that say the address is gone */
	cat = field(f, n, h->bounce_cat);
	if (out->event == RB_LOG_BOUNCE)
		out->source_severity = (span_is(cat, "bad-mailbox") || span_is(cat, "bad-domain") ||
								span_is(cat, "inactive-mailbox")) ? RB_LOG_SEV_HARD :
			cat.len ? RB_LOG_SEV_SOFT : RB_LOG_SEV_NONE;
	out->queue_id = field(f, n, h->env_id);
	if (out->queue_id.len == 0)
		out->queue_id = field(f, n, h->job_id);
	out->message_id = field(f, n, h->header_message_id);
	return out->event;
}

/* ------------------------------------------------------------------------ */

rb_log_event
rb_log_parse(const char *line, size_t len, const rb_pmta_header *pmta, rb_log_record *out)
{
	const char *end = line + len;
	rb_log_event ev;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	memset(out, 0, sizeof(*out));
	if ((ev = postfix(line, end, out)) != RB_LOG_NONE)
		return ev;
	memset(out, 0, sizeof(*out));
	if ((ev = exim(line, end, out)) != RB_LOG_NONE)
		return ev;
	memset(out, 0, sizeof(*out));
	if (memchr(line, ',', (size_t) (end - line)) != NULL &&
		(ev = powermta(line, end, pmta, out)) != RB_LOG_NONE)
		return ev;
	memset(out, 0, sizeof(*out));
	return RB_LOG_NONE;
}
