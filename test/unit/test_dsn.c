/*
 * test_dsn.c
 *	  Unit tests of the MIME reader (core/mime.c) and the bounce reader
 *	  (core/dsn*.c): encodings and charsets, structure as found in the
 *	  wild, the malformed and oversized cases, and one real sample per
 *	  format module (test/data/, from Sisimai's corpus).
 */
#include "core/dsn.h"
#include "tap.h"

#include <stdlib.h>

static rb_arena arena;

static void
fresh_arena(size_t limit)
{
	rb_arena_release(&arena);
	rb_arena_init(&arena, limit, NULL, NULL, NULL);
}

static const char *
z(rb_span s)
{
	char	   *c = rb_arena_strndup(&arena, s.ptr ? s.ptr : "", s.len);

	return c ? c : "(arena exhausted)";
}

static const char *
status_text(rb_status st)
{
	static char buf[RB_STATUS_TEXT_MAX + 1];

	if (st == 0)
		return "";
	rb_status_format(st, buf);
	return buf;
}

static const char *
charset(const char *label, const char *bytes, size_t len)
{
	rb_span		out;
	rb_span		cs = {label, strlen(label)};

	if (!rb_charset_to_utf8(&arena, cs, bytes, len, &out))
		return "(failed)";
	return z(out);
}

static const char *
words(const char *value)
{
	return z(rb_decode_words(&arena, (rb_span) {value, strlen(value)}));
}

static rb_dsn_error
parse(const char *msg, size_t len, rb_dsn_result *r)
{
	fresh_arena(rb_dsn_arena_limit(len));
	return rb_dsn_parse(&arena, msg, len, NULL, r);
}

static char *
slurp(const char *name, size_t *len)
{
	char		path[256];
	FILE	   *f;
	char	   *buf;
	long		n;

	snprintf(path, sizeof(path), "test/data/%s", name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
	{
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t) n;
	return buf;
}

/* A real sample: its format, its first recipient, its status and reply. */
static void
sample(const char *file, const char *format, size_t nrcpt, const char *rcpt,
	   const char *status, int reply, const char *remote, const char *diag_part)
{
	size_t		len;
	char	   *msg = slurp(file, &len);
	rb_dsn_result r;
	char		what[200];

	snprintf(what, sizeof(what), "%s is read", file);
	ok(msg != NULL && parse(msg, len, &r) == RB_DSN_OK, what);
	if (msg == NULL)
		return;
	snprintf(what, sizeof(what), "%s: format", file);
	is_str(r.format ? r.format : "(none)", format, what);
	snprintf(what, sizeof(what), "%s: rows", file);
	is_int(r.nrcpt, nrcpt, what);
	if (r.nrcpt > 0)
	{
		snprintf(what, sizeof(what), "%s: recipient", file);
		is_str(z(r.rcpt[0].recipient), rcpt, what);
		snprintf(what, sizeof(what), "%s: status", file);
		is_str(status_text(r.rcpt[0].status), status, what);
		snprintf(what, sizeof(what), "%s: reply code", file);
		is_int(r.rcpt[0].reply_code, reply, what);
		snprintf(what, sizeof(what), "%s: remote MTA", file);
		is_str(z(r.rcpt[0].remote_mta), remote, what);
		snprintf(what, sizeof(what), "%s: diagnostic", file);
		ok(strstr(z(r.rcpt[0].diagnostic), diag_part) != NULL, what);
		if (strstr(z(r.rcpt[0].diagnostic), diag_part) == NULL)
			printf("#   diagnostic: '%s'\n", z(r.rcpt[0].diagnostic));
	}
	free(msg);
}

static const char dsn_head[] =
"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
"To: sender@example.org\r\n"
"Subject: Undelivered Mail Returned to Sender\r\n"
"MIME-Version: 1.0\r\n"
"Content-Type: multipart/report; report-type=delivery-status;\r\n"
"\tboundary=\"B0UND\"\r\n"
"\r\n"
"--B0UND\r\n"
"Content-Type: text/plain; charset=us-ascii\r\n"
"\r\n"
"This is the mail system at host mx.example.net.\r\n"
"\r\n"
"--B0UND\r\n"
"Content-Type: message/delivery-status\r\n"
"\r\n"
"Reporting-MTA: dns; mx.example.net\r\n"
"\r\n"
"Final-Recipient: rfc822; ok@example.com\r\n"
"Action: delivered\r\n"
"Status: 2.0.0\r\n"
"\r\n"
"Final-Recipient: rfc822; Nobody@Example.COM\r\n"
"Original-Recipient: rfc822;nobody@example.com\r\n"
"Action: failed\r\n"
"Status: 5.0.0\r\n"
"Remote-MTA: dns; mx1.example.com\r\n"
"Last-Attempt-Date: Thu, 9 Nov 2017 08:01:02 +0100\r\n"
"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address\r\n"
"    rejected: User unknown in virtual mailbox table\r\n";

static const char dsn_tail[] =
"\r\n"
"--B0UND\r\n"
"Content-Type: message/rfc822\r\n"
"\r\n"
"From: sender@example.org\r\n"
"To: nobody@example.com\r\n"
"Subject: hello\r\n"
"\r\n"
"hello\r\n"
"--B0UND--\r\n";

static void
test_encodings(void)
{
	rb_span		h,
				b,
				v;
	const char *entity = "Subject: a\r\n b\r\n\tc\r\nX: 1\r\n\r\nbody";

	fresh_arena(1 << 20);
	is_str(words("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?="), "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88",
		   "RFC 2047: ISO-2022-JP, base64");
	is_str(words("=?UTF-8?Q?caf=C3=A9_cr=C3=A8me?="), "caf\xC3\xA9 cr\xC3\xA8me",
		   "RFC 2047: UTF-8, Q with underscores");
	is_str(words("=?utf-8?b?ww==?= =?utf-8?b?qQ==?="), "\xC3\xA9",
		   "RFC 2047: a character split between two words");
	is_str(words("Re: =?iso-8859-1?q?caf=E9?= ok"), "Re: caf\xC3\xA9 ok",
		   "RFC 2047: words among plain text");
	is_str(words("=?bogus?Q?x?= =?utf-8?X?y?="), "x =?utf-8?X?y?=",
		   "RFC 2047: unknown charset and bad encoding do not fail");

	rb_split_entity((rb_span) {entity, strlen(entity)}, &h, &b);
	ok(rb_header_get(h, "subject", &v), "folded field found");
	is_str(z(rb_unfold(&arena, v)), "a b c", "folded field unfolded");
	is_str(z(b), "body", "body after the blank line");

	is_str(charset("iso-8859-15", "\xA4", 1), "\xE2\x82\xAC", "ISO-8859-15");
	is_str(charset("windows-1252", "\x80", 1), "\xE2\x82\xAC", "Windows-1252");
	is_str(charset("iso-8859-1", "caf\xE9", 4), "caf\xC3\xA9", "ISO-8859-1");
	is_str(charset("windows-1251", "\xCF\xF0\xE8", 3), "\xD0\x9F\xD1\x80\xD0\xB8", "Windows-1251");
	is_str(charset("koi8-r", "\xF0\xD2\xC9", 3), "\xD0\x9F\xD1\x80\xD0\xB8", "KOI8-R");
	is_str(charset("Shift_JIS", "\x83\x65\x83\x58\x83\x67", 6),
		   "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88", "Shift_JIS");
	is_str(charset("iso-2022-jp", "\x1B$B%F%9%H\x1B(B", 12),
		   "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88", "ISO-2022-JP");
	is_str(charset("gb2312", "\xB2\xE2\xCA\xD4", 4), "\xE6\xB5\x8B\xE8\xAF\x95", "GB2312 (as GBK)");
	is_str(charset("euc-kr", "\xC7\xD1\xB1\xB9", 4), "\xED\x95\x9C\xEA\xB5\xAD", "EUC-KR");
	is_str(charset("big5", "\xB4\xFA\xB8\xD5", 4), "\xE6\xB8\xAC\xE8\xA9\xA6", "Big5");
	is_str(charset("utf-16", "\xFF\xFE" "A\0" "B\0", 6), "AB", "UTF-16 with a BOM");
	is_str(charset("x-no-such-charset", "caf\xE9", 4), "caf\xC3\xA9",
		   "wrong label: 8-bit text read as Windows-1252");
	is_str(charset("x-no-such-charset", "caf\xC3\xA9", 5), "caf\xC3\xA9",
		   "wrong label: UTF-8 text kept");
	is_str(charset("utf-8", "caf\xE9", 4), "caf\xC3\xA9",
		   "UTF-8 label on Latin-1 bytes: read as Windows-1252");
	is_str(charset("iso-2022-jp", "\xE3\x83\x86", 3), "\xE3\x83\x86",
		   "7-bit label on UTF-8 bytes: read as UTF-8");
	is_str(charset("us-ascii", "caf\xE9", 4), "caf\xC3\xA9",
		   "7-bit label on Latin-1 bytes: read as Windows-1252");
	is_str(charset("utf-8", "\xC3\xA9t\xE9", 4), "\xC3\xA9t\xEF\xBF\xBD",
		   "UTF-8 label on mixed bytes: replacement character");
	ok(rb_utf8_valid("caf\xC3\xA9", 5) && !rb_utf8_valid("\xC0\xAF", 2) &&
	   !rb_utf8_valid("\xED\xA0\x80", 3), "UTF-8 validation refuses overlongs and surrogates");
}

static void
test_rfc3464(void)
{
	char		msg[4096];
	rb_dsn_result r;
	rb_dsn_recipient *x;

	snprintf(msg, sizeof(msg), "%s%s", dsn_head, dsn_tail);
	is_int(parse(msg, strlen(msg), &r), RB_DSN_OK, "RFC 3464 report parses");
	is_str(r.format, "rfc3464", "format rfc3464");
	is_int(r.nrcpt, 1, "the delivered recipient is no row");
	x = &r.rcpt[0];
	is_str(z(x->recipient), "Nobody@Example.COM", "Final-Recipient");
	is_str(z(x->action), "failed", "Action");
	is_str(status_text(x->status), "5.1.1", "generic 5.0.0 refined by the diagnostic");
	is_int(x->reply_code, 550, "reply code from Diagnostic-Code");
	is_str(z(x->remote_mta), "mx1.example.com", "Remote-MTA");
	is_str(z(x->last_attempt), "Thu, 9 Nov 2017 08:01:02 +0100", "Last-Attempt-Date");
	is_str(z(x->diagnostic),
		   "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
		   "folded Diagnostic-Code, unfolded, type removed");

	/* truncated in the middle of the report: no closing delimiter */
	is_int(parse(msg, strlen(dsn_head) - 40, &r), RB_DSN_OK, "truncated MIME parses");
	is_int(r.nrcpt, 1, "truncated MIME: the recipient is still found");

	/* the boundary parameter is missing: found from the body */
	{
		char		nob[4096];
		char	   *p;

		snprintf(nob, sizeof(nob), "%s%s", dsn_head, dsn_tail);
		p = strstr(nob, "\tboundary=\"B0UND\"\r\n");
		memmove(p, p + 19, strlen(p + 19) + 1);
		p = strstr(nob, "delivery-status;");
		p[15] = ' ';
		is_int(parse(nob, strlen(nob), &r), RB_DSN_OK, "missing boundary parses");
		is_int(r.nrcpt, 1, "missing boundary: delimiter inferred, recipient found");
	}

	/* RFC 6533: a UTF-8 address in utf-8-addr-xtext */
	{
		const char *g =
		"From: MAILER-DAEMON@example.net\nTo: a@example.org\nSubject: failure\n"
		"Content-Type: multipart/report; report-type=global-delivery-status; boundary=x\n\n"
		"--x\nContent-Type: message/global-delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.net\n\n"
		"Final-Recipient: utf-8; j\\x{00F6}rg@b\\x{00FC}cher.example\n"
		"Action: failed\nStatus: 5.1.1\n"
		"Diagnostic-Code: smtp; 550 5.1.1 Benutzer unbekannt: jörg\n--x--\n";

		is_int(parse(g, strlen(g), &r), RB_DSN_OK, "global DSN parses");
		is_str(z(r.rcpt[0].recipient), "j\xC3\xB6rg@b\xC3\xBC" "cher.example", "utf-8-addr-xtext decoded");
	}
}

static void
test_malformed(void)
{
	rb_dsn_result r;
	char	   *big;
	size_t		len,
				n;

	is_int(parse("", 0, &r), RB_DSN_NOT_A_MESSAGE, "empty input is not a message");
	is_int(parse("hello world\n", 12, &r), RB_DSN_NOT_A_MESSAGE, "prose is not a message");
	is_int(parse("\x89PNG\r\n\x1a\n", 8, &r), RB_DSN_NOT_A_MESSAGE, "binary is not a message");
	{
		const char *m = "From: a@example.org\nTo: b@example.com\nSubject: lunch?\n\nSee you at noon.\n";

		is_int(parse(m, strlen(m), &r), RB_DSN_OK, "an ordinary mail parses");
		is_int(r.kind, RB_DSN_NONE, "an ordinary mail is no report");
		is_int(r.nrcpt, 0, "an ordinary mail has no rows");
	}
	{
		const char *m = "From: Ann <ann@example.org>\nTo: desk@example.com\nSubject: Re: invoice\n"
			"In-Reply-To: <1@example.com>\n\nMy mail could not be delivered to bob@example.net, can you check?\n";

		is_int(parse(m, strlen(m), &r), RB_DSN_OK, "a person's reply about a failure parses");
		is_int(r.nrcpt, 0, "a person's reply about a failure is no bounce");
	}

	/* 200 nested multiparts: bounded depth, no recursion */
	big = malloc(200 * 80 + 100);
	len = 0;
	len += sprintf(big + len, "From: x@example.org\n");
	for (int i = 0; i < 200; i++)
		len += sprintf(big + len, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	len += sprintf(big + len, "\nend\n");
	is_int(parse(big, len, &r), RB_DSN_OK, "200 nested multiparts parse");
	free(big);

	/* 5,000 parts: bounded width */
	big = malloc(5000 * 40 + 200);
	len = sprintf(big, "From: x@example.org\nContent-Type: multipart/mixed; boundary=p\n\n");
	for (int i = 0; i < 5000; i++)
		len += sprintf(big + len, "--p\nContent-Type: text/plain\n\n%d\n", i);
	is_int(parse(big, len, &r), RB_DSN_OK, "5,000 parts parse");
	free(big);

	/* 10 MB: a report returning a large message */
	n = 10u << 20;
	big = malloc(n + 4096);
	len = sprintf(big, "%s", dsn_head);
	len += sprintf(big + len, "\r\n--B0UND\r\nContent-Type: message/rfc822\r\n\r\nTo: nobody@example.com\r\n\r\n");
	while (len < n)
		len += sprintf(big + len, "0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
	len += sprintf(big + len, "--B0UND--\r\n");
	is_int(parse(big, len, &r), RB_DSN_OK, "10 MB message parses");
	is_int(r.nrcpt, 1, "10 MB message: one row");
	ok(arena.total < len, "10 MB message: the returned message is not copied");
	free(big);

	/* 10,000 recipients, the report base64-encoded */
	{
		size_t		cap = 10000 * 160 + 4096;
		char	   *plain = malloc(cap);
		size_t		plen = 0;
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

		plen = sprintf(plain, "Reporting-MTA: dns; mx.example.net\n");
		for (int i = 0; i < 10000; i++)
			plen += sprintf(plain + plen, "\nFinal-Recipient: rfc822; user%d@example.com\n"
							"Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 mailbox full\n", i);
		big = malloc(plen * 2 + 4096);
		len = sprintf(big, "From: MAILER-DAEMON@example.net\nContent-Type: multipart/report; boundary=q\n\n"
					  "--q\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n");
		for (size_t i = 0; i < plen; i += 3)
		{
			unsigned	v = (unsigned char) plain[i] << 16 |
				(i + 1 < plen ? (unsigned char) plain[i + 1] << 8 : 0) |
				(i + 2 < plen ? (unsigned char) plain[i + 2] : 0);

			big[len++] = b64[(v >> 18) & 63];
			big[len++] = b64[(v >> 12) & 63];
			big[len++] = i + 1 < plen ? b64[(v >> 6) & 63] : '=';
			big[len++] = i + 2 < plen ? b64[v & 63] : '=';
			if ((i / 3) % 19 == 18)
				big[len++] = '\n';
		}
		len += sprintf(big + len, "\n--q--\n");
		is_int(parse(big, len, &r), RB_DSN_OK, "10,000 recipients parse");
		is_int(r.nrcpt, 10000, "10,000 recipients: 10,000 rows");
		is_str(z(r.rcpt[9999].recipient), "user9999@example.com", "the last one is there");
		is_int(r.rcpt[9999].reply_code, 552, "with its reply code");
		free(big);
		free(plain);
	}

	/*
	 * Text that could make look-ups quadratic: 100,000 address lines, a
	 * header of 100,000 addresses, a megabyte of '<' and of '@'.
	 */
	{
		size_t		cap = 100000 * 40 + 4096;

		big = malloc(cap);
		len = sprintf(big, "From: MAILER-DAEMON@example.net\nSubject: failure notice\n\n"
					  "Hi. This is the qmail-send program at example.net.\n\n");
		for (int i = 0; i < 100000; i++)
			len += sprintf(big + len, "<u%d@example.com>:\n550 no such user\n\n", i);
		is_int(parse(big, len, &r), RB_DSN_OK, "100,000 recipients in text parse");
		is_int(r.nrcpt, 100000, "100,000 recipients in text: 100,000 rows");

		len = sprintf(big, "From: Mail Delivery System <Mailer-Daemon@example.net>\nX-Failed-Recipients: ");
		for (int i = 0; i < 100000; i++)
			len += sprintf(big + len, "u%d@example.com, ", i);
		len += sprintf(big + len, "\nSubject: Mail delivery failed\n\n"
					   "This message was created automatically by mail delivery software.\n");
		is_int(parse(big, len, &r), RB_DSN_OK, "100,000 addresses in X-Failed-Recipients parse");
		is_int(r.nrcpt, 100000, "100,000 addresses in X-Failed-Recipients: 100,000 rows");

		len = sprintf(big, "From: MAILER-DAEMON@example.net\nSubject: failure notice\n\n");
		memset(big + len, '<', 1000000);
		len += 1000000;
		memset(big + len, '@', 1000000);
		len += 1000000;
		is_int(parse(big, len, &r), RB_DSN_OK, "a megabyte of '<' and of '@' parses");
		free(big);
	}

	/* a report field left empty, then folded (found by the fuzzer) */
	{
		const char *m = "From: x@example.org\nContent-Type: message/delivery-status\n\n"
			"Final-Recipient:\n rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\n";

		is_int(parse(m, strlen(m), &r), RB_DSN_OK, "an empty folded report field parses");
		ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "a@example.com") == 0,
		   "an empty folded report field: its continuation is its value");
	}

	/* an arena too small is refused cleanly */
	{
		char		msg[4096];

		snprintf(msg, sizeof(msg), "%s%s", dsn_head, dsn_tail);
		rb_arena_release(&arena);
		rb_arena_init(&arena, 1024, NULL, NULL, NULL);
		is_int(rb_dsn_parse(&arena, msg, strlen(msg), NULL, &r), RB_DSN_TOO_COMPLEX,
			   "an exhausted arena is reported, not overrun");
	}

	/* header bytes that are not UTF-8 come out valid */
	{
		const char *m = "From: MAILER-DAEMON@example.net\nSubject: failure notice\n"
			"X-Failed-Recipients: caf\xE9@example.com\n\nThe mail to caf\xE9@example.com failed: 550 no such user\n";

		is_int(parse(m, strlen(m), &r), RB_DSN_OK, "8-bit header parses");
		ok(r.nrcpt == 1 && rb_utf8_valid(r.rcpt[0].recipient.ptr, r.rcpt[0].recipient.len),
		   "8-bit header: the recipient is valid UTF-8");
	}
}

static void
test_samples(void)
{
	sample("rfc3464-01.eml", "rfc3464", 1, "userunknown@bouncehammer.jp", "5.1.1", 550,
		   "mx.bouncehammer.jp", "User Unknown");
	sample("lhost-sendmail-01.eml", "rfc3464", 1, "userunknown@bouncehammer.jp", "5.1.1", 550,
		   "mx.bouncehammer.jp", "User Unknown");
	sample("lhost-messagingserver-03.eml", "rfc3464", 2, "sabineko@example.org", "5.7.1", 550,
		   "mailbox0.d5.example.org", "User Unknown");
	sample("lhost-qmail-01.eml", "qmail", 1, "kijitora@example.ne.jp", "5.5.0", 550,
		   "192.0.2.32", "Unknown user");
	sample("lhost-qmail-08.eml", "qmail", 1, "shironeko@example.ad.jp", "", 552,
		   "192.0.2.1", "disk quota exceeded");
	sample("lhost-exim-01.eml", "exim", 1, "kijitora@example.ed.jp", "5.7.0", 550,
		   "mx.example.jp", "Please use the smtp server of your ISP");
	sample("lhost-exim-08.eml", "exim", 1, "kijitora@example.org", "", 0, "",
		   "all hosts");
	sample("lhost-postfix-07.eml", "postfix", 1, "kijitora@user.example.or.jp", "", 550,
		   "mx.user.example.or.jp", "User unknown");
	sample("lhost-v5sendmail-01.eml", "sendmail", 1, "kijitora@example.com", "", 421, "",
		   "Connection timed out");
	sample("lhost-v5sendmail-04.eml", "sendmail", 2, "kijitora@example.ed.jp", "", 554, "",
		   "Host unknown");
	sample("lhost-domino-02.eml", "rfc3464", 1, "kijitora@example.co.jp", "5.0.0", 0, "",
		   "Domino \xE3\x83\x87\xE3\x82\xA3\xE3\x83\xAC\xE3\x82\xAF\xE3\x83\x88\xE3\x83\xAA");
	sample("lhost-verizon-02.eml", "generic", 1, "may-be-straycat-nyaaaaaan@vtext.com", "", 550, "",
		   "no such user here");
	sample("lhost-exchange2003-03.eml", "exchange", 1, "kijitora@example.jp", "", 0, "",
		   "The recipient name is not recognized");
	sample("lhost-office365-02.eml", "exchange", 1, "kijitora@example.onmicrosoft.com", "5.1.1", 550,
		   "", "RecipNotFound");
	sample("lhost-gmail-01.eml", "gmail", 1, "userunknown@example.jp", "5.1.1", 550,
		   "mx.example.jp", "User Unknown");
	sample("lhost-yahoo-02.eml", "yahoo", 1, "kijitora@example.ed.jp", "5.2.2", 550, "",
		   "Mailbox Full");
	sample("rhost-franceptt-01.eml", "rfc3464", 1, "pseudo-local-part-kijitora-nyaaan@orange.fr",
		   "5.1.1", 550, "smtp-in.orange.fr", "OFR_416");
	sample("lhost-amazonses-09.eml", "amazonses", 1, "bounce@simulator.amazonses.com", "5.1.1", 550,
		   "a27-23.smtp-out.us-west-2.amazonses.com", "user unknown");
	sample("lhost-amazonses-10.eml", "amazonses", 1, "bounce@simulator.amazonses.com", "5.1.1", 550,
		   "a27-33.smtp-out.us-west-2.amazonses.com", "user unknown");
	sample("lhost-sendgrid-03.eml", "rfc3464", 1, "kijitora@example.org", "", 0, "",
		   "Connection timed out");
	sample("lhost-dragonfly-01.eml", "generic", 1, "pseudo-local-part@google.example.com", "5.7.26", 550,
		   "gmail-smtp-in.l.google.com", "DMARC policy");
	sample("arf-01.eml", "arf", 1, "redacted@example.net", "", 0, "192.0.2.89", "abuse report");
	sample("arf-22.eml", "arf", 1, "kijitora@example.com", "", 0, "192.0.2.22", "complaint");
	sample("rfc3834-03.eml", "autoreply", 1, "kijitora@apple.example.com", "", 0, "", "sleeping");
	/* Notes: the reason comes before its address, in Japanese or English */
	sample("lhost-notes-01.eml", "notes", 1, "kijitora@u1.example.co.jp", "", 0, "",
		   "\xE3\x82\xA8\xE3\x83\xA9\xE3\x83\xBC");
	/* au/ezweb: the reason before the address, the text EUC-JP under an ISO-2022-JP label */
	sample("lhost-ezweb-03.eml", "ezweb", 1, "this-local-part-does-not-exist-on-the-site@ezweb.ne.jp",
		   "", 0, "", "The user(s) account is disabled.");
	is_str(charset("iso-2022-jp", "\xBC\xA1\xA4\xCE", 4), "\xE6\xAC\xA1\xE3\x81\xAE",
		   "8-bit EUC-JP under an ISO-2022-JP label is read as EUC-JP");
	/* InterScan MSS: the sentence that names the address, not the frame */
	sample("lhost-interscanmss-02.eml", "interscan", 1, "kijitora@neko.example.jp", "", 0, "",
		   "Unable to deliver message to <kijitora@neko.example.jp> (and other");
	sample("lhost-notes-03.eml", "notes", 1, "kijitora@example.com", "", 0, "",
		   "User not listed in public Name & Address Book");
	/* fml: the refused post's list is the failed recipient, not the poster */
	sample("lhost-fml-02.eml", "fml", 1, "neko-nyaan@example.org", "", 0, "",
		   "You are not a member of this mailing list");
}

/*
 * Unknown layouts in ten languages: the failed address after the words
 * that announce it, the reason after "because:" / "Reason:" and their
 * translations.  Written for these tests in each language.
 */
static void
test_languages(void)
{
	static const struct
	{
		const char *lang;
		const char *body;
		const char *rcpt;
		const char *reason;
	}			cases[] = {
		{"English", "Your message could not be delivered to the following recipients:\n\n"
			"  anne@example.com\n\nReason:\nThe mailbox is disabled.\n",
		"anne@example.com", "The mailbox is disabled."},
		{"French", "Votre message n'a pas pu être remis aux destinataires suivants :\n\n"
			"  anne@example.fr\n\nRaison : boîte aux lettres inconnue\n",
		"anne@example.fr", "boîte aux lettres inconnue"},
		{"German", "Ihre Nachricht konnte an folgende Empfänger nicht zugestellt werden:\n\n"
			"  anne@example.de\n\nGrund: Postfach existiert nicht\n",
		"anne@example.de", "Postfach existiert nicht"},
		{"Spanish", "No se pudo entregar el mensaje a los siguientes destinatarios:\n\n"
			"  ana@example.es\n\nMotivo: el buzón no existe\n",
		"ana@example.es", "el buzón no existe"},
		{"Italian", "Il messaggio non è stato recapitato ai seguenti destinatari:\n\n"
			"  anna@example.it\n\nCausa: casella inesistente\n",
		"anna@example.it", "casella inesistente"},
		{"Portuguese", "A mensagem não foi entregue aos seguintes destinatários:\n\n"
			"  ana@example.pt\n\nMotivo: caixa postal inexistente\n",
		"ana@example.pt", "caixa postal inexistente"},
		{"Dutch", "Uw bericht kon niet worden afgeleverd aan de volgende ontvangers:\n\n"
			"  anne@example.nl\n\nReden: mailbox bestaat niet\n",
		"anne@example.nl", "mailbox bestaat niet"},
		{"Japanese", "以下の宛先へのメールは配送できませんでした。\n\n"
			"  hanako@example.jp\n\n理由: 宛先のユーザーは存在しません\n",
		"hanako@example.jp", "宛先のユーザーは存在しません"},
		{"Chinese", "您的邮件无法投递给以下收件人：\n\n"
			"  wang@example.cn\n\n退信原因：收件人不存在\n",
		"wang@example.cn", "收件人不存在"},
		{"Russian", "Ваше сообщение не доставлено следующим получателям:\n\n"
			"  anna@example.ru\n\nПричина: почтовый ящик не существует\n",
		"anna@example.ru", "почтовый ящик не существует"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		msg[2048];
		char		what[128];
		rb_dsn_result r;
		int			n = snprintf(msg, sizeof(msg),
								 "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
								 "To: sender@example.org\nSubject: Undeliverable\n"
								 "Content-Type: text/plain; charset=utf-8\n\n%s", cases[i].body);

		snprintf(what, sizeof(what), "%s layout parses", cases[i].lang);
		is_int(parse(msg, (size_t) n, &r), RB_DSN_OK, what);
		snprintf(what, sizeof(what), "%s layout: the failed address", cases[i].lang);
		ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), cases[i].rcpt) == 0, what);
		snprintf(what, sizeof(what), "%s layout: the reason after its word", cases[i].lang);
		ok(r.nrcpt == 1 && strstr(z(r.rcpt[0].diagnostic), cases[i].reason) != NULL, what);
		if (r.nrcpt == 1 && strstr(z(r.rcpt[0].diagnostic), cases[i].reason) == NULL)
			printf("#   diagnostic: '%s'\n", z(r.rcpt[0].diagnostic));
	}
}

/*
 * What is no failure: delay warnings, challenge-response requests; an
 * auto-reply keeps its vacation row; blank lines and an mbox From line
 * before the header are accepted; forwarded mail keeps both addresses.
 */
static void
test_non_bounces(void)
{
	rb_dsn_result r;
	const char *sendmail_warning =
	"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
	"To: sender@example.org\nSubject: Warning: could not send message for past 4 hours\n\n"
	"    **********************************************\n"
	"    **      THIS IS A WARNING MESSAGE ONLY      **\n"
	"    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
	"    **********************************************\n\n"
	"The original message was received at Thu, 9 Nov 2017 08:00:00 +0100\n\n"
	"   ----- Transcript of session follows -----\n"
	"<neko@example.com>... Deferred: Connection timed out with mx.example.com.\n"
	"Warning: message still undelivered after 4 hours\n";
	const char *helpdesk =
	"From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\nSubject: Undeliverable\n\n"
	"For help, write to helpdesk@provider.example. Your mail to anne@example.com was\n"
	"refused: 550 5.1.1 no such mailbox.\n\n"
	"--- Original message follows.\n"
	"From: sender@example.org\nTo: Anne <anne@example.com>\nSubject: hi\n\nhi\n";
	const char *challenge =
	"From: Paul <paul@example.com>\nTo: sender@example.org\n"
	"Subject: Please verify your message\n\n"
	"Your message is being held until you confirm that you are a person.\n"
	"Click the link below, and it will be delivered.\n";
	/* fml's answer to a "guide" command: list mail, no refusal, no row */
	const char *fml_guide =
	"From: neko-admin@example.org\nTo: sironeko@example.org\n"
	"Subject: Guide (neko-nyaan ML)\nMessage-ID: <200504292334.FMLAAAAAA0.neko-nyaan@example.org>\n"
	"X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]\n\n"
	"This is the guide of the mailing list <neko-nyaan@example.org>.\n"
	"To post, write to <neko-nyaan@example.org>.\n";
	const char *mbox =
	"\r\n\nFrom MAILER-DAEMON  Thu Nov  9 08:00:00 2017\n"
	"From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
	"<neko@example.com>:\n550 5.1.1 no such user\n";
	const char *bom =
	"\xEF\xBB\xBF" "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
	"<neko@example.com>:\n550 5.1.1 no such user\n";
	const char *expanded =
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: news@example.org\n"
	"Subject: Undelivered Mail Returned to Sender\n\n"
	"This is the mail system at host mx.example.net.\n\n"
	"<jean@elsewhere.example> (expanded from <jean@example.com>): host\n"
	"    mx.elsewhere.example[192.0.2.7] said: 550 5.1.1 user unknown\n";

	is_int(parse(helpdesk, strlen(helpdesk), &r), RB_DSN_OK, "prose naming a help desk parses");
	ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "anne@example.com") == 0,
	   "prose naming a help desk: the row is for the address the message was sent to");
	is_int(parse(sendmail_warning, strlen(sendmail_warning), &r), RB_DSN_OK, "a prose delay warning parses");
	ok(r.nrcpt == 0 && r.kind == RB_DSN_DELAY, "a prose delay warning gives no row");
	is_int(parse(challenge, strlen(challenge), &r), RB_DSN_OK, "a challenge-response parses");
	ok(r.nrcpt == 0 && r.kind == RB_DSN_CHALLENGE, "a challenge-response gives no row");
	is_int(parse(fml_guide, strlen(fml_guide), &r), RB_DSN_OK, "fml guide parses");
	is_int(r.nrcpt, 0, "fml guide: list mail that refuses nothing gives no row");
	is_int(parse(mbox, strlen(mbox), &r), RB_DSN_OK, "blank lines and an mbox From line are accepted");
	ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "neko@example.com") == 0,
	   "mbox: the recipient is read");
	is_int(parse(bom, strlen(bom), &r), RB_DSN_OK, "a byte order mark before the header is accepted");
	ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "neko@example.com") == 0,
	   "byte order mark: the recipient is read");
	is_int(parse(expanded, strlen(expanded), &r), RB_DSN_OK, "Postfix prose with expansion parses");
	ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "jean@elsewhere.example") == 0 &&
	   strcmp(z(r.rcpt[0].original_recipient), "jean@example.com") == 0 &&
	   strncmp(z(r.rcpt[0].diagnostic), "host mx.elsewhere", 17) == 0,
	   "Postfix prose: the expanded-from address is the original recipient");
}

/* Formats the corpus has no sample of: written from their documented layout. */
static void
test_synthetic_formats(void)
{
	rb_dsn_result r;
	const char *sg =
	"From: SendGrid <no-reply@sendgrid.net>\nSubject: Bounce\n\n"
	"This is an automatically generated message from SendGrid.\n\n"
	"neko:00000:<neko@example.org> : 550 5.1.1 The email account that you tried to reach does not exist\n";
	const char *mj =
	"From: events@example.org\nSubject: Mailjet event\nContent-Type: application/json\n\n"
	"[{\"event\":\"bounce\",\"time\":1510210800,\"email\":\"neko@example.org\",\"mj_campaign_id\":7,"
	"\"blocked\":false,\"hard_bounce\":true,\"error_related_to\":\"recipient\",\"error\":\"user unknown\","
	"\"smtp_reply\":\"550 5.1.1 <neko@example.org>: Recipient address rejected\"}]\n";
	const char *orange =
	"From: MAILER-DAEMON@orange.fr\nSubject: Message non remis\n"
	"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
	"Votre message n'a pas pu =EAtre remis aux destinataires suivants :\n\n"
	"<neko@wanadoo.fr>: 550 5.1.1 Adresse d au moins un destinataire invalide. OFR_416\n";
	const char *sgjson =
	"From: hooks@example.org\nSubject: event\n\n"
	"[{\"email\":\"neko@example.org\",\"event\":\"bounce\",\"sg_event_id\":\"x\",\"status\":\"5.1.1\","
	"\"reason\":\"550 5.1.1 user unknown\",\"type\":\"bounce\"},"
	"{\"email\":\"ok@example.org\",\"event\":\"delivered\",\"sg_event_id\":\"y\"}]\n";

	is_int(parse(sg, strlen(sg), &r), RB_DSN_OK, "SendGrid notice parses");
	is_str(r.format ? r.format : "", "sendgrid", "SendGrid notice: format");
	ok(r.nrcpt == 1 && r.rcpt[0].reply_code == 550 && strcmp(z(r.rcpt[0].recipient), "neko@example.org") == 0,
	   "SendGrid notice: recipient and reply");
	is_int(parse(sgjson, strlen(sgjson), &r), RB_DSN_OK, "SendGrid webhook parses");
	ok(r.nrcpt == 1 && r.rcpt[0].status == RB_STATUS_MAKE(5, 1, 1),
	   "SendGrid webhook: the bounce only, with its status");
	is_int(parse(mj, strlen(mj), &r), RB_DSN_OK, "Mailjet event parses");
	is_str(r.format ? r.format : "", "mailjet", "Mailjet event: format");
	ok(r.nrcpt == 1 && r.rcpt[0].reply_code == 550 && r.rcpt[0].status == RB_STATUS_MAKE(5, 1, 1),
	   "Mailjet event: reply and status from smtp_reply");
	/*
	 * MailMarshal, MailFoundry and MXLogic: laid out as the markers of
	 * Sisimai's Lhost modules say (MailMarshalSMTP.pm, MailFoundry.pm,
	 * MXLogic.pm); the corpus has no sample of them.
	 */
	const char *marshal =
	"From: MailMarshal <postmaster@mm.example.jp>\nTo: sender@example.jp\n"
	"Subject: Undeliverable Mail: \"Nyaan\"\n\n"
	"Your message:\n    From:    sender@example.jp\n    Subject: Nyaan\n\n"
	"Could not be delivered because of\n\n550 5.1.1 User unknown\n\n"
	"The following recipients were affected:\n    kijitora@example.com\n    mikeneko@example.com\n\n"
	"Additional Information\n======================\n\n"
	"Original Sender:    <sender@example.jp>\nSender-MTA:         <192.0.2.1>\n"
	"Remote-MTA:         <192.0.2.2>\nReporting-MTA:      <mm.example.jp>\n";
	const char *foundry =
	"From: MAILER-DAEMON@mf.example.jp\nTo: sender@example.jp\nSubject: Message delivery has failed\n"
	"Received: from localhost (127.0.0.1) by mf.example.jp (MAILFOUNDRY) id ABC;\n\n"
	"Unable to deliver message to: <kijitora@example.com>\nDelivery failed for the following reason:\n"
	"Server mx.example.com[192.0.2.2] failed with: 550 5.2.2 Mailbox full\n\n"
	"----------------------------------------------------------------------\n";
	const char *mxlogic =
	"From: Mail Delivery System <MAILER-DAEMON@mxlogic.example.net>\nTo: sender@example.jp\n"
	"Subject: Mail delivery failed: returning message to sender\nX-MX-Bounce: mta/src/queue/bounce\n\n"
	"This message was created automatically by mail delivery software.\n\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n\n"
	"  <kijitora@example.com>: 550 5.1.1 <kijitora@example.com>... User not found\n\n"
	"Included is a copy of the message header:\n-----------------------------------------\n"
	"From: sender@example.jp\nTo: kijitora@example.com\nSubject: Nyaan\n";

	/* 1&1's own form (Sisimai's Lhost/EinsUndEins.pm): the reason after its marker line */
	const char *einsundeins =
	"From: \"Mail Delivery System\" <mailer-daemon@kundenserver.de>\nTo: sender@example.jp\n"
	"Subject: Mail delivery failed: returning message to sender\n\n"
	"This message was created automatically by mail delivery software.\n\n"
	"A message that you sent could not be delivered to one or more of\n"
	"its recipients. This is a permanent error. The following address(es)\nfailed:\n\n"
	"kijitora@example.com\n\nFor the following reason:\n\n"
	"Mail size limit exceeded. For explanation visit\nhttp://postmaster.1and1.com/en/error-messages\n\n"
	"mikeneko@example.com\n\nFor the following reason:\n\n550 5.1.1 no such user\n\n"
	"--- The header of the original message is following. ---\n\n"
	"From: sender@example.jp\nTo: kijitora@example.com\nSubject: Nyaan\n";

	is_int(parse(einsundeins, strlen(einsundeins), &r), RB_DSN_OK, "1&1 notice parses");
	is_str(r.format ? r.format : "", "einsundeins", "1&1 notice: format");
	ok(r.nrcpt == 2 && strncmp(z(r.rcpt[0].diagnostic), "Mail size limit exceeded.", 25) == 0 &&
	   strcmp(z(r.rcpt[1].diagnostic), "550 5.1.1 no such user") == 0 && r.rcpt[1].reply_code == 550,
	   "1&1 notice: each address with the paragraph after its reason marker, not the marker");
	is_int(parse(marshal, strlen(marshal), &r), RB_DSN_OK, "MailMarshal notice parses");
	is_str(r.format ? r.format : "", "mailmarshal", "MailMarshal notice: format");
	ok(r.nrcpt == 2 && strcmp(z(r.rcpt[1].recipient), "mikeneko@example.com") == 0 &&
	   strcmp(z(r.rcpt[0].diagnostic), "550 5.1.1 User unknown") == 0 &&
	   strcmp(z(r.rcpt[1].diagnostic), "550 5.1.1 User unknown") == 0 &&
	   r.rcpt[0].status == RB_STATUS_MAKE(5, 1, 1),
	   "MailMarshal notice: every affected recipient, with the reason written before them");
	is_int(parse(foundry, strlen(foundry), &r), RB_DSN_OK, "MailFoundry notice parses");
	ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "kijitora@example.com") == 0 &&
	   r.rcpt[0].status == RB_STATUS_MAKE(5, 2, 2),
	   "MailFoundry notice: recipient and the reason that follows it (generic reader)");
	is_int(parse(mxlogic, strlen(mxlogic), &r), RB_DSN_OK, "MXLogic notice parses");
	is_str(r.format ? r.format : "", "exim", "MXLogic notice: read as Exim's layout");
	ok(r.nrcpt == 1 && r.rcpt[0].reply_code == 550 && r.rcpt[0].status == RB_STATUS_MAKE(5, 1, 1),
	   "MXLogic notice: recipient's reply and status");
	is_int(parse(orange, strlen(orange), &r), RB_DSN_OK, "Orange notice parses");
	is_str(r.format ? r.format : "", "orange", "Orange notice: format");
	ok(r.nrcpt == 1 && strcmp(z(r.rcpt[0].recipient), "neko@wanadoo.fr") == 0,
	   "Orange notice: recipient");
}

int
main(void)
{
	rb_arena_init(&arena, 1 << 20, NULL, NULL, NULL);
	test_encodings();
	test_rfc3464();
	test_malformed();
	test_samples();
	test_synthetic_formats();
	test_languages();
	test_non_bounces();
	rb_arena_release(&arena);
	return tap_done();
}
