/*
 * test_classify.c
 *	  Unit tests of core/classify.c and core/phrase.c: the phrase table is
 *	  well formed, each phrase alone gives its own reason, precedence and
 *	  corrections, edge inputs.
 */
#include "core/classify.h"
#include "core/phrase.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static rb_verdict
classify(const char *text)
{
	rb_classify_input in = {text, text ? strlen(text) : 0, 0, 0, NULL, 0, NULL, 0};
	rb_verdict	v;

	rb_classify(&in, &v);
	return v;
}

static void
check(const char *text, rb_reason reason, rb_severity sev, bool infra)
{
	rb_verdict	v = classify(text);
	char		what[256];
	bool		good = v.reason == reason && v.severity == sev && v.infrastructure == infra;

	snprintf(what, sizeof(what), "'%.60s' is %s/%s%s", text, rb_reason_name(reason),
			 rb_severity_name(sev), infra ? "/infrastructure" : "");
	ok(good, what);
	if (!good)
		printf("# got %s/%s/%d\n", rb_reason_name(v.reason), rb_severity_name(v.severity),
			   v.infrastructure);
}

int
main(void)
{
	size_t		i;
	int			bad_form = 0,
				not_own = 0;

	ok(rb_phrase_init(), "the automaton builds");

	/* Every entry: lower case, single spaces, a reason in range, an origin. */
	for (i = 0; i < rb_phrase_count; i++)
	{
		const rb_phrase *p = &rb_phrase_table[i];
		const char *c;

		for (c = p->text; *c; c++)
			if ((*c >= 'A' && *c <= 'Z') || *c == '\t' || *c == '\n' ||
				(c[0] == ' ' && c[1] == ' '))
				bad_form++;
		if (p->text[0] == '\0' || p->origin == NULL || p->origin[0] == '\0' ||
			(p->reason != RB_PHRASE_NO_REASON && (p->reason < 0 || p->reason >= RB_REASON_COUNT)))
			bad_form++;
	}
	is_int(bad_form, 0, "every phrase is lower case with single spaces, a reason and an origin");

	/*
	 * Every phrase alone, in upper case, gives its own reason, unless the
	 * phrase holds a higher-ranked one or a documented correction applies.
	 */
	for (i = 0; i < rb_phrase_count; i++)
	{
		const rb_phrase *p = &rb_phrase_table[i];
		char		buf[256];
		size_t		k;
		rb_verdict	v;

		if (p->reason == RB_PHRASE_NO_REASON)
			continue;
		for (k = 0; p->text[k] && k < sizeof(buf) - 1; k++)
			buf[k] = (p->text[k] >= 'a' && p->text[k] <= 'z') ? p->text[k] - 32 : p->text[k];
		buf[k] = '\0';
		v = classify(buf);
		if ((int) v.reason != p->reason)
		{
			not_own++;
			printf("# '%s' (%s) gives %s\n", p->text, rb_reason_name(p->reason),
				   rb_reason_name(v.reason));
		}
	}
	is_int(not_own, 0, "every phrase alone gives its own reason");

	/* Phrases across the lines of a multi-line reply */
	check("550-5.1.1 The email account that you tried to reach does not\r\n550-5.1.1 exist. Please try", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("MAILBOX\n\n\t  FULL", RB_REASON_MAILBOX_FULL, RB_SEVERITY_SOFT, false);
	/* ... and across the prefixes of a reply unfolded into one line */
	check("550-5.7.1 [192.0.2.1 13] Messages with multiple 550-5.7.1 addresses in From: header are not accepted.", RB_REASON_NOT_COMPLIANT_RFC, RB_SEVERITY_SOFT, false);
	check("smtp; 550-5.1.1 The email account that you tried to reach does 550 5.1.1 not exist.", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);

	/* Precedence */
	check("550 5.1.1 Not enough disk space", RB_REASON_MAILBOX_FULL, RB_SEVERITY_SOFT, false);
	check("552 5.2.3 Message size exceeds fixed maximum message size", RB_REASON_EXCEED_LIMIT, RB_SEVERITY_SOFT, false);
	check("550 5.7.1 Access denied (in reply to MAIL FROM command)", RB_REASON_REJECTED, RB_SEVERITY_SOFT, false);
	check("550 5.1.7 No such domain sender.example", RB_REASON_REJECTED, RB_SEVERITY_SOFT, false);
	check("550 5.7.1 nothing else", RB_REASON_SECURITY_ERROR, RB_SEVERITY_SOFT, false);

	/* Corrections */
	check("550 Unknown user (in reply to end of DATA command)", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	check("550 5.1.1 <a@example.org>... User Unknown (in reply to end of DATA command)", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("554 delivery error: dd This user doesn't have a yahoo.com account (in reply to end of DATA command)", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("Host not found, try again", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("451 4.4.0 DNS: host not found", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("responded with code NXDOMAIN", RB_REASON_HOST_UNKNOWN, RB_SEVERITY_HARD, false);
	check("Client host [192.0.2.1] blocked using dnsbl; connection refused", RB_REASON_BLOCKED, RB_SEVERITY_SOFT, false);
	check("421 Service not available, closing transmission channel", RB_REASON_UNDEFINED, RB_SEVERITY_SOFT, true);
	check("451 4.4.1 no answer from host", RB_REASON_EXPIRED, RB_SEVERITY_SOFT, true);

	/* A mailbox-status or policy code outranks generic "user unknown" ... */
	check("550 5.2.1 <a@example.jp>... User Unknown", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	check("550 5.2.0 user unknown", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	check("550 5.7.1 <a@example.fr>: Recipient address rejected: User unknown", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	/* ... unless the reply answered RCPT, or the code is X.1.x */
	check("SMTP error from remote mail server after RCPT TO:<a@example.jp>: 550 5.2.1 User Unknown", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("550 5.2.1 <a@example.jp>... User Unknown (in reply to RCPT TO command)", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("192.0.2.1 does not like recipient. Remote host said: 550 5.2.1 User Unknown", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("550 5.1.1 <a@example.jp>... User Unknown", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	check("550 5.2.2 mailbox full", RB_REASON_MAILBOX_FULL, RB_SEVERITY_SOFT, false);
	/* au/KDDI: the empty address is its filter's refusal */
	check("The response was: 550 : User unknown", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	check("550: : User unknown", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	check("returned unknown recipient or mailbox unavailable -> 550 : User unknown", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);
	check("550 <a@ezweb.ne.jp>: User unknown", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	/* Google Groups in the group's language */
	check("Hallo a@example.jp, Sie erhalten diese E-Mail, weil die Gruppe, die Sie kontaktieren möchten (x), möglicherweise nicht vorhanden ist", RB_REASON_REJECTED, RB_SEVERITY_SOFT, false);
	check("Dear a, ... visit the Help Center at https://groups.google.com/support/.", RB_REASON_REJECTED, RB_SEVERITY_SOFT, false);

	/* Providers' published code tables */
	check("550 5.1.0 <a@example.com> sender rejected. AUP#In-1310", RB_REASON_TOO_MANY_CONN, RB_SEVERITY_SOFT, false);
	check("554 AUP#In-1460 too much mail", RB_REASON_SPEEDING, RB_SEVERITY_SOFT, false);
	check("554 Connection refused. This IP address is listed on the Spamhaus Block List (SBL). IB104", RB_REASON_BLOCKED, RB_SEVERITY_SOFT, false);
	check("550 Mailbox is frozen. See http://mail.i.ua/err/3/", RB_REASON_SUSPEND, RB_SEVERITY_SOFT, false);
	check("550 Not in list. See http://mail.i.ua/err/10/", RB_REASON_FILTERED, RB_SEVERITY_SOFT, false);

	/* The SMTP command given by the caller */
	{
		rb_classify_input in = {"550 Unknown user a@example.jp", 29, 0, 0, NULL, 0, "data", 4};
		rb_verdict	v;

		rb_classify(&in, &v);
		ok(v.reason == RB_REASON_FILTERED && v.severity == RB_SEVERITY_SOFT,
		   "unknown user in reply to DATA (command given) is filtered");
		in.smtp_command = "RCPT";
		in.text = "550 5.2.1 User Unknown";
		in.len = strlen(in.text);
		rb_classify(&in, &v);
		ok(v.reason == RB_REASON_USER_UNKNOWN, "X.2.1 user unknown in reply to RCPT (command given) is user_unknown");
		in.smtp_command = "RCPTX";
		in.smtp_command_len = 5;
		rb_classify(&in, &v);
		ok(v.reason == RB_REASON_FILTERED, "an unknown command word is ignored");
		in.smtp_command = NULL;
		in.smtp_command_len = 99;
		rb_classify(&in, &v);
		ok(v.reason == RB_REASON_FILTERED, "NULL command with a length is ignored");
	}

	/* Severity of undefined follows the codes */
	/* severity by evidence: a bare 5xx says nothing of the address */
	check("550 something", RB_REASON_UNDEFINED, RB_SEVERITY_SOFT, false);
	check("451 something", RB_REASON_UNDEFINED, RB_SEVERITY_SOFT, false);
	check("something", RB_REASON_UNDEFINED, RB_SEVERITY_UNDETERMINED, false);
	check("", RB_REASON_UNDEFINED, RB_SEVERITY_UNDETERMINED, false);

	/* Known codes from a report's structure */
	{
		rb_classify_input in = {"no text we know", 15, 550, RB_STATUS_MAKE(5, 1, 1), NULL, 0, NULL, 0};
		rb_verdict	v;

		rb_classify(&in, &v);
		ok(v.reason == RB_REASON_USER_UNKNOWN && v.reply_code == 550 &&
		   v.status == RB_STATUS_MAKE(5, 1, 1), "codes given by the caller are used");
	}
	{
		rb_classify_input in = {NULL, 99, 0, 0, NULL, 0, NULL, 0};
		rb_verdict	v;

		rb_classify(&in, &v);
		ok(v.reason == RB_REASON_UNDEFINED, "NULL text");
	}

	/* Streamed in chunks: a phrase across the 16 kB chunk boundary */
	{
		size_t		n = 48 * 1024;
		char	   *big = malloc(n + 1);
		rb_verdict	v;

		memset(big, 'a', n);
		big[n] = '\0';
		big[16380] = '\n';
		memcpy(big + 16381, "mailbox  full", 13);
		memset(big + 16394, ' ', 1);
		v = classify(big);
		ok(v.reason == RB_REASON_MAILBOX_FULL, "a phrase across the chunks of a long text");
		/* the same with plain spacing: scanned in place */
		memset(big, 'a', n);
		memcpy(big + 30000, " mailbox full ", 14);
		v = classify(big);
		ok(v.reason == RB_REASON_MAILBOX_FULL, "a phrase deep in a long text without line breaks");
		free(big);
	}

	/*
	 * Issue 10, the labelled sources (test/data/labelled/): entries written
	 * from them end their origin with "[labelled: KEY]", KEY a lower-case
	 * source key (test/loso.sh leaves a source's entries out to score it).
	 */
	{
		int			bad_tag = 0,
					tagged = 0;

		for (i = 0; i < rb_phrase_count; i++)
		{
			const char *t = strstr(rb_phrase_table[i].origin, "[labelled: ");
			const char *k;

			if (t == NULL)
				continue;
			tagged++;
			for (k = t + 11; *k >= 'a' && *k <= 'z'; k++)
				;
			while (*k == '_' || (*k >= 'a' && *k <= 'z'))
				k++;
			if (k == t + 11 || strcmp(k, "]") != 0)
				bad_tag++;
		}
		ok(tagged > 0 && bad_tag == 0, "labelled-source tags end the origin: [labelled: key]");
	}
	/* a 421 with a security/policy status refuses this sender: not an outage */
	check("421 4.7.0 TLS required for RCPT domain, closing connection.",
		  RB_REASON_FAILED_STARTTLS, RB_SEVERITY_SOFT, false);
	check("421 4.7.0 [TS02] Messages from 192.0.2.25 temporarily deferred - 4.16.56.1",
		  RB_REASON_BAD_REPUTATION, RB_SEVERITY_SOFT, false);
	/* a temporary failure of the receiving mail system is infrastructure */
	check("451 4.3.0 Mail server temporarily rejected message.",
		  RB_REASON_SYSTEM_ERROR, RB_SEVERITY_SOFT, true);
	check("421 Internal server error", RB_REASON_SYSTEM_ERROR, RB_SEVERITY_SOFT, true);
	check("432 Mail filters temporarily unavailable.", RB_REASON_SYSTEM_ERROR, RB_SEVERITY_SOFT, true);
	/* a provider's own "no such user" under 5.7.1 stays an unknown user */
	check("550 5.7.1 No such user!", RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);
	/* Microsoft 365's "DNS query failed" over an NXDOMAIN, and over a SERVFAIL */
	check("554 5.4.300 DNS query failed. The error was: SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
		  RB_REASON_HOST_UNKNOWN, RB_SEVERITY_HARD, false);
	check("451 4.4.0 DNS query failed. The error was: DNS query failed with error: ServerFailure",
		  RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	/* outbound wording of Haraka, qmail, OpenSMTPD, Sendmail */
	check("Tried all MXs", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("connect ECONNREFUSED 192.0.2.1:25", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("Sorry, I couldn't find any host by that name. (#4.1.2)",
		  RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("No valid route to remote MX", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("451 4.4.1 reply: read error from mx.example.com.", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	/* Exim's sender verification names an address that is not the recipient */
	check("550 Verification failed for <s@example.net>: Unrouteable address",
		  RB_REASON_REJECTED, RB_SEVERITY_SOFT, false);

	/* A big text of arbitrary bytes */
	{
		size_t		n = 4 << 20;
		char	   *big = malloc(n);
		rb_classify_input in = {big, n, 0, 0, NULL, 0, NULL, 0};
		rb_verdict	v;

		for (i = 0; i < n; i++)
			big[i] = (char) (i * 2654435761u >> 13);
		rb_classify(&in, &v);
		ok(1, "4 MB of arbitrary bytes");
		free(big);
	}
	return tap_done();
}
