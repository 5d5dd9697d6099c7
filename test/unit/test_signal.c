/*
 * test_signal.c
 *	  Unit tests of core/signal.c, the classifier's second stage: the
 *	  signals of words, the verdicts they imply, and what rb_classify()
 *	  makes of new wordings of infrastructure failures that no phrase of
 *	  the table knows.  The texts are written here in the shape MTAs give
 *	  (the wording varies on purpose), not taken from any bounce corpus.
 */
#include "core/classify.h"
#include "core/signal.h"
#include "core/phrase.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void
check(const char *text, rb_reason reason, rb_severity sev, bool infra)
{
	rb_classify_input in = {text, strlen(text), 0, 0, NULL, 0, NULL, 0};
	rb_verdict	v;
	char		what[256];
	bool		good;

	rb_classify(&in, &v);
	good = v.reason == reason && v.severity == sev && v.infrastructure == infra;
	snprintf(what, sizeof(what), "'%.70s' is %s/%s%s", text, rb_reason_name(reason),
			 rb_severity_name(sev), infra ? "/infrastructure" : "");
	ok(good, what);
	if (!good)
		printf("# got %s/%s/%d\n", rb_reason_name(v.reason), rb_severity_name(v.severity),
			   v.infrastructure);
}

static void
signals_are(const char *text, unsigned want)
{
	unsigned	got = rb_signal_scan(text, strlen(text));
	char		g[128],
				w[128],
				what[256];

	rb_signal_names(got, g, sizeof(g));
	rb_signal_names(want, w, sizeof(w));
	snprintf(what, sizeof(what), "signals of '%.50s' are {%s}", text, w);
	ok(got == want, what);
	if (got != want)
		printf("# got {%s}\n", g);
}

int
main(void)
{
	char		buf[7];
	char	   *big;

	ok(rb_phrase_init(), "the automaton builds");

	/* words and pairs */
	signals_are("DNS lookup FAILED", RB_SIG_DNS | RB_SIG_FAIL);
	signals_are("connection timed out", RB_SIG_CONN | RB_SIG_TIMEOUT);
	signals_are("Please try again later", RB_SIG_TEMP);
	signals_are("I've given up", RB_SIG_EXPIRED | RB_SIG_PERM);
	signals_are("No SMTP servers were available", RB_SIG_SERVERS | RB_SIG_FAIL);
	/* "did not" is a failure, as "does not" (issue 10) */
	signals_are("name server did not answer", RB_SIG_DNS | RB_SIG_SERVERS | RB_SIG_FAIL);
	signals_are("time out", RB_SIG_TIMEOUT);
	signals_are("time is up", 0);
	signals_are("TLS handshake failure", RB_SIG_TLS | RB_SIG_FAIL);
	signals_are("mailbox unavailable", RB_SIG_MAILBOX | RB_SIG_FAIL);
	signals_are("", 0);
	/* a word longer than any in the table is skipped whole, not cut */
	signals_are("dnsdnsdnsdnsdnsdnsdnsdns failed", RB_SIG_FAIL);

	/* the rules */
	{
		bool		infra;

		ok(rb_signal_verdict(RB_SIG_DNS | RB_SIG_FAIL, &infra) == RB_REASON_NETWORK_ERROR && infra,
		   "a DNS failure is a network error of the infrastructure");
		ok(rb_signal_verdict(RB_SIG_CONN | RB_SIG_FAIL | RB_SIG_MAILBOX, &infra) == -1 && !infra,
		   "a text about the mailbox is not about the infrastructure");
		ok(rb_signal_verdict(RB_SIG_CONN | RB_SIG_TIMEOUT | RB_SIG_POLICY, &infra) == -1 && !infra,
		   "nor one about a policy");
		ok(rb_signal_verdict(RB_SIG_TEMP, &infra) == -1 && infra,
		   "'try again later' alone says the receiving side is not taking mail");
		ok(rb_signal_verdict(0, &infra) == -1 && !infra, "no signal, no verdict");
	}
	ok(rb_signal_names(RB_SIG_DNS | RB_SIG_TLS, buf, sizeof(buf)) == 3 && strcmp(buf, "dns") == 0,
	   "names stop before the buffer's end");

	/* new wordings of the outage's failures, through rb_classify */
	check("550 5.4.4 MX records inaccessible for example.fr", RB_REASON_HOST_UNKNOWN, RB_SEVERITY_HARD, false);
	check("Tried all MXs of example.fr, none answered", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("554 No SMTP servers were available for example.fr", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("550 DNS resolution of example.fr failed", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("554 5.0.0 TLS handshake with mx.example.fr failed", RB_REASON_FAILED_STARTTLS, RB_SEVERITY_SOFT, true);
	check("lost connection with mx.example.fr while sending RCPT TO", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("Remote server is not responding: no answer from mx.example.fr", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("Message delayed: the receiving server is temporarily unavailable", RB_REASON_NETWORK_ERROR, RB_SEVERITY_SOFT, true);
	check("Delivery gave up after 5 days: connection to mx.example.fr timed out", RB_REASON_EXPIRED, RB_SEVERITY_SOFT, true);

	/* severity by evidence: a bare 5xx is not a hard bounce */
	check("550 5.7.0 Message rejected", RB_REASON_SECURITY_ERROR, RB_SEVERITY_SOFT, false);
	check("554 Transaction failed", RB_REASON_UNDEFINED, RB_SEVERITY_SOFT, false);
	check("Delivery failed for unknown reasons", RB_REASON_UNDEFINED, RB_SEVERITY_UNDETERMINED, false);
	check("This is a permanent error; I've given up. Sorry it didn't work out.",
		  RB_REASON_EXPIRED, RB_SEVERITY_SOFT, false);
	/* issue 10: the sender blocked, a rate, a size (new wordings) */
	{
		bool		infra;

		ok(rb_signal_verdict(RB_SIG_POLICY | RB_SIG_BLOCK, &infra) == RB_REASON_BLOCKED && !infra,
		   "blocked, not of a mailbox: blocked");
		ok(rb_signal_verdict(RB_SIG_POLICY | RB_SIG_BLOCK | RB_SIG_MAILBOX, &infra) == -1,
		   "blocked mailbox: no verdict from the words");
		ok(rb_signal_verdict(RB_SIG_RATE | RB_SIG_MAILBOX, &infra) == RB_REASON_SPEEDING && !infra,
		   "a rate, whoever it counts for: speeding");
		ok(rb_signal_verdict(RB_SIG_SIZE | RB_SIG_EXCEED, &infra) == RB_REASON_MESG_TOO_BIG,
		   "a size exceeded: the message is too big");
	}
	ok(rb_signal_scan("thread limit exceeded", 21) & RB_SIG_RATE, "\"limit exceeded\" is a rate");
	ok(!(rb_signal_scan("limit of 10", 11) & RB_SIG_RATE), "\"limit\" alone is not");
	check("554 IP:B01 192.0.2.25 is blocked", RB_REASON_BLOCKED, RB_SEVERITY_SOFT, false);
	check("550 Not accepted: 192.0.2.25 is banned here", RB_REASON_BLOCKED, RB_SEVERITY_SOFT, false);
	check("450 4.7.1 Hourly send limit reached for this sender", RB_REASON_SPEEDING, RB_SEVERITY_SOFT, false);
	check("554 Your message size exceeds what we take", RB_REASON_MESG_TOO_BIG, RB_SEVERITY_SOFT, false);
	check("the message is too large for this host", RB_REASON_MESG_TOO_BIG, RB_SEVERITY_SOFT, false);
	check("the server did not complete the TLS negotiation",
		  RB_REASON_FAILED_STARTTLS, RB_SEVERITY_SOFT, true);

	/* the evidence stays hard */
	check("550 5.1.1 <jean@example.fr>: Recipient address rejected: User unknown",
		  RB_REASON_USER_UNKNOWN, RB_SEVERITY_HARD, false);

	/* linear in the input: a megabyte of words and of one endless word */
	big = malloc(1 << 20);
	for (size_t i = 0; i < (1 << 20); i++)
		big[i] = "dns failed "[i % 11];
	ok(rb_signal_scan(big, 1 << 20) == (RB_SIG_DNS | RB_SIG_FAIL), "a megabyte of words");
	memset(big, 'x', 1 << 20);
	ok(rb_signal_scan(big, 1 << 20) == 0, "a megabyte of one word");
	free(big);

	return tap_done();
}
