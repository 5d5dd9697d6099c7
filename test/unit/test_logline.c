/*
 * test_logline.c
 *	  Unit tests of core/logline.c: which lines are events, and which
 *	  span of the line each field is.
 */
#include "core/logline.h"
#include "tap.h"

#include <string.h>

static char buf[1024];

static const char *
str(rb_span s)
{
	memcpy(buf, s.ptr ? s.ptr : "", s.len);
	buf[s.len] = '\0';
	return buf;
}

static rb_log_event
parse(const char *line, const rb_pmta_header *h, rb_log_record *r)
{
	return rb_log_parse(line, strlen(line), h, r);
}

int
main(void)
{
	rb_log_record r;
	rb_pmta_header h;

	/* Postfix */
	is_int(parse("2017-11-09T07:30:06+01:00 mx1 postfix/smtp[1]: 3F2A01234B: to=<jean@client.fr>, relay=mx1.mail.ovh.net[213.186.33.29]:25, dsn=5.1.1, status=bounced (host mx1.mail.ovh.net[213.186.33.29] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n", NULL, &r),
		   RB_LOG_BOUNCE, "postfix: status=bounced is a bounce");
	is_str(r.format, "postfix", "postfix: format");
	is_str(str(r.recipient), "jean@client.fr", "postfix: recipient");
	is_str(str(r.queue_id), "3F2A01234B", "postfix: queue id");
	is_str(str(r.remote_mta), "mx1.mail.ovh.net", "postfix: relay host");
	is_str(str(r.status), "5.1.1", "postfix: dsn=");
	is_str(str(r.command), "RCPT TO", "postfix: the command replied to");
	is_str(str(r.diagnostic), "host mx1.mail.ovh.net[213.186.33.29] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
		   "postfix: the reason, nested parentheses kept");
	is_str(str(r.time), "2017-11-09T07:30:06+01:00", "postfix: RFC 3339 time");
	ok(r.time_has_year, "postfix: it has a year");
	is_int(parse("Nov  9 07:30:06 mx1 postfix/smtp[1]: 3F2A01234B: to=<a@b.example>, relay=none, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.1]:25: Connection timed out)", NULL, &r),
		   RB_LOG_DEFERRAL, "postfix: status=deferred is a deferral");
	is_str(str(r.time), "Nov  9 07:30:06", "postfix: syslog time");
	ok(!r.time_has_year, "postfix: without a year");
	is_int(r.remote_mta.len, 0, "postfix: relay=none is no host");
	is_int(parse("Nov  9 07:30:06 mx1 postfix/smtpd[1]: connect from unknown[192.0.2.99]", NULL, &r),
		   RB_LOG_NONE, "postfix: smtpd chatter is no event");
	is_int(parse("Nov  9 07:30:06 mx1 postfix/smtp[1]: 3F2A01234B: host mx[192.0.2.1] said: 421 4.7.0 later (in reply to end of DATA command)", NULL, &r),
		   RB_LOG_DEFERRAL, "postfix: a 4xx said: reply is a deferral");
	is_str(str(r.command), "end of DATA", "postfix: ... after DATA");
	is_int(parse("Nov  9 07:30:06 mx1 postfix/smtp[1]: 3F2A01234B: to=<a@b.example>, status=bounced (", NULL, &r),
		   RB_LOG_BOUNCE, "postfix: a line cut after its parenthesis");
	is_int(parse("Nov  9 07:30:06 mx1 postfix/smtp[1]: 3F2A", NULL, &r),
		   RB_LOG_NONE, "postfix: a line cut in its queue id");

	/* Exim */
	is_int(parse("2017-11-09 07:30:06 1eCiJK-0001Ab-Cd ** jean@client.fr R=dnslookup T=remote_smtp H=mx1.mail.ovh.net [213.186.33.29]: SMTP error from remote mail server after RCPT TO:<jean@client.fr>: 550 5.1.1 User unknown", NULL, &r),
		   RB_LOG_BOUNCE, "exim: ** is a bounce");
	is_str(str(r.recipient), "jean@client.fr", "exim: recipient");
	is_str(str(r.queue_id), "1eCiJK-0001Ab-Cd", "exim: message id");
	is_str(str(r.remote_mta), "mx1.mail.ovh.net", "exim: H=");
	is_str(str(r.command), "RCPT TO", "exim: after RCPT TO");
	is_str(str(r.diagnostic), "SMTP error from remote mail server after RCPT TO:<jean@client.fr>: 550 5.1.1 User unknown",
		   "exim: the reason");
	is_int(parse("2017-11-09 07:31:00 1eCiJL-0001Ac-De == slow@client.fr R=dnslookup T=remote_smtp defer (110): Connection timed out", NULL, &r),
		   RB_LOG_DEFERRAL, "exim: == is a deferral");
	is_str(str(r.diagnostic), "Connection timed out", "exim: defer (errno): reason");
	is_int(parse("2017-11-09 07:31:00 1eCiJL-0001Ac-De <= news@sender.example H=crm [192.0.2.7] P=esmtp", NULL, &r),
		   RB_LOG_NONE, "exim: an arrival is no recipient event");
	is_int(parse("2017-11-09 07:31:00 not-an-id ** x@y", NULL, &r),
		   RB_LOG_NONE, "exim: no message id, no line of Exim's");

	/* PowerMTA */
	ok(rb_pmta_header_parse("type,rcpt,dsnDiag", 17, &h), "powermta: a header");
	ok(!rb_pmta_header_parse("a,b,c", 5, &h), "powermta: not a header");
	is_int(parse("type,timeLogged,rcpt", NULL, &r), RB_LOG_NONE, "powermta: the header line is no event");
	is_int(parse("b,2017-11-09 07:30:06+0100,2017-11-09 07:30:00+0100,news@sender.example,jean@client.fr,,failed,5.1.1 (bad destination mailbox address),\"smtp;550 5.1.1 a, b\",mx1.mail.ovh.net (213.186.33.29),bad-mailbox", NULL, &r),
		   RB_LOG_BOUNCE, "powermta: b is a bounce");
	is_str(str(r.recipient), "jean@client.fr", "powermta: rcpt");
	is_str(str(r.status), "5.1.1", "powermta: dsnStatus, the code alone");
	is_str(str(r.remote_mta), "mx1.mail.ovh.net", "powermta: dsnMta, the host alone");
	ok(r.source_severity == RB_LOG_SEV_HARD, "powermta: bad-mailbox is hard");
	{
		char		u[64];
		size_t		n = rb_csv_unquote(r.diagnostic, u);

		u[n] = '\0';
		is_str(u, "smtp;550 5.1.1 a, b", "powermta: a quoted field with a comma");
	}
	is_int(parse("\"b", NULL, &r), RB_LOG_NONE, "powermta: an open quote");
	is_int(parse(",,,,,,,,,,,,,,,,", NULL, &r), RB_LOG_NONE, "powermta: commas only");

	return tap_done();
}
