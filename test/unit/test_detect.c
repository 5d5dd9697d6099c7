/*
 * test_detect.c
 *	  Failure kinds of real MTA wordings; the wordings of the phrase table
 *	  checked one by one, and, on random texts, the kind found by the
 *	  core's caseless search equal to a byte-by-byte search over the same
 *	  table (the scanner detect.c had of its own); the Poisson tail against
 *	  reference values (computed with mpmath at 50 digits) and against a
 *	  brute-force sum.
 */
#include "core/detect.h"
#include "core/phrase.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

static const char *
kind(const char *text)
{
	const char *name = rb_failure_kind_name(rb_failure_kind_of(text, strlen(text)));

	return name ? name : "none";
}

static void
near(double got, double want, double tol, const char *what)
{
	int			good = fabs(got - want) <= tol * (1.0 + fabs(want));

	ok(good, what);
	if (!good)
		printf("#   got: %.15g\n#   expected: %.15g\n", got, want);
}

/* xorshift64*: reproducible without libc's rand() */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* Does text[0..len) contain needle (lower case), ignoring ASCII case? */
static int
naive_contains(const char *text, size_t len, const char *needle)
{
	size_t		n = strlen(needle),
				i,
				j;

	for (i = 0; i + n <= len; i++)
	{
		for (j = 0; j < n; j++)
		{
			unsigned char c = (unsigned char) text[i + j];

			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char) needle[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

/* The kind a byte-by-byte search of the table finds: DNS first. */
static rb_failure_kind
naive_kind(const char *text, size_t len)
{
	rb_failure_kind want[] = {RB_FAILURE_DNS, RB_FAILURE_CONNECTION};
	size_t		k,
				i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < rb_failure_phrase_count; i++)
			if (rb_failure_phrase_table[i].kind == want[k] &&
				naive_contains(text, len, rb_failure_phrase_table[i].text))
				return want[k];
	return RB_FAILURE_NONE;
}

static void
test_phrase_table(void)
{
	size_t		i,
				j;
	int			bad_form = 0,
				bad_kind = 0,
				differ = 0,
				round;

	for (i = 0; i < rb_failure_phrase_count; i++)
	{
		const rb_failure_phrase *p = &rb_failure_phrase_table[i];
		rb_failure_kind k = rb_failure_kind_of(p->text, strlen(p->text));

		for (j = 0; p->text[j]; j++)
			if ((p->text[j] >= 'A' && p->text[j] <= 'Z') || (p->text[j] == ' ' && p->text[j + 1] == ' '))
				bad_form++;
		if (p->text[0] == '\0' || p->text[0] == ' ' || p->origin == NULL ||
			(p->kind != RB_FAILURE_DNS && p->kind != RB_FAILURE_CONNECTION))
			bad_form++;
		/* a connection wording that holds a DNS one is found as DNS */
		if (k != p->kind && !(k == RB_FAILURE_DNS && naive_kind(p->text, strlen(p->text)) == RB_FAILURE_DNS))
			bad_kind++;
	}
	is_int(bad_form, 0, "failure wordings: lower case, single spaces, a kind and an origin");
	is_int(bad_kind, 0, "failure wordings: each is found as its kind");
	ok(rb_failure_phrase_count >= 70, "failure wordings: the DNS and connection wordings are in the phrase table");

	/* random texts: pieces of wordings in random case, noise between */
	for (round = 0; round < 20000; round++)
	{
		char		text[512];
		size_t		len = 0;
		int			pieces = (int) (rng() % 4);

		while (pieces-- > 0 && len < 400)
		{
			const char *w = rb_failure_phrase_table[rng() % rb_failure_phrase_count].text;
			size_t		n = strlen(w),
						from = rng() % 3 == 0 ? rng() % n : 0,
						to = rng() % 3 == 0 ? from + rng() % (n - from + 1) : n;

			for (j = from; j < to && len < sizeof(text); j++)
				text[len++] = (rng() % 2 && w[j] >= 'a' && w[j] <= 'z') ? w[j] - 32 : w[j];
			for (j = rng() % 6; j > 0 && len < sizeof(text); j--)
				text[len++] = " .:-\nXa4"[rng() % 9];
		}
		if (rb_failure_kind_of(text, len) != naive_kind(text, len) &&
			/* the status codes and 421 decide only when no wording does */
			naive_kind(text, len) != RB_FAILURE_NONE)
			differ++;
	}
	is_int(differ, 0, "random texts: the caseless search finds the kind a byte-by-byte search finds");
}

/* log10 P(X >= n) by summing the mass function in long double. */
static double
brute_tail_log10(int n, double lambda)
{
	long double p = expl(-(long double) lambda),
				below = 0.0L;
	int			k;

	for (k = 0; k < n; k++)
	{
		below += p;
		p *= (long double) lambda / (long double) (k + 1);
	}
	return (double) log10l(1.0L - below);
}

int
main(void)
{
	int			n;
	double		lambdas[] = {0.05, 0.5, 1.0, 2.5, 7.0, 19.5};
	size_t		i;
	int			monotone = 1;
	double		prev;

	test_phrase_table();

	/* DNS failures: Postfix, Exim, Exchange, Gmail, resolver libraries */
	is_str(kind("Host or domain name not found. Name service error for name=acme.fr type=MX: Host not found, try again"), "dns", "postfix name service error");
	is_str(kind("DNS Error: DNS type 'mx' lookup of acme.fr responded with code SERVFAIL"), "dns", "gmail SERVFAIL");
	is_str(kind("450 4.4.312 DNS query failed"), "dns", "exchange DNS query failed");
	is_str(kind("R=dnslookup: Unrouteable address"), "dns", "exim unrouteable");
	is_str(kind("Temporary failure in name resolution"), "dns", "resolver wording");
	is_str(kind("451 4.4.3 Temporary lookup failure"), "dns", "lookup failure");
	is_str(kind("550 5.4.4 relay not possible"), "dns", "X.4.4 unable to route");
	is_str(kind("lookup of MX records for acme.fr failed: timed out"), "dns", "a lookup that timed out is DNS");
	is_str(kind("554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain"), "dns", "exchange nonexistent domain");
	is_str(kind("delivery temporarily suspended: Host or domain name not found. Name service error for name=mx1.mail.ovh.net type=A: Host not found, try again"), "dns", "dns wins over a later connection word");

	/* connection failures */
	is_str(kind("connect to mx1.mail.ovh.net[213.186.33.5]:25: Connection timed out"), "connection", "postfix timeout");
	is_str(kind("CONNECT TO MX4.MAIL.OVH.NET[188.165.36.237]:25: CONNECTION REFUSED"), "connection", "upper case");
	is_str(kind("lost connection with mx2.acme.fr[51.68.0.1] while receiving the initial server greeting"), "connection", "lost connection");
	is_str(kind("The recipient server did not accept our requests to connect. [mx1.mail.ovh.net. 213.186.33.5: timed out]"), "connection", "gmail could not connect");
	is_str(kind("421 Service not available, closing transmission channel"), "connection", "421 service not available");
	is_str(kind("421-mx.acme.fr busy"), "connection", "421 continuation");
	is_str(kind("4.4.1 No answer from host"), "connection", "X.4.1 no answer");
	is_str(kind("550 5.4.316 Message expired, connection refused(Socket error code 10061)"), "connection", "exchange connection refused");
	is_str(kind("mx.acme.fr: read timeout after DATA"), "connection", "a bare timeout is the mail server's");

	/* neither */
	is_str(kind("550 5.1.1 <jean@acme.fr>: Recipient address rejected: User unknown in virtual mailbox table"), "none", "user unknown");
	is_str(kind("552 5.2.2 Mailbox full"), "none", "mailbox full");
	is_str(kind("hard bounce"), "none", "a sender's bare verdict");
	is_str(kind(""), "none", "empty text");
	is_str(kind("relay 10.4.4.2 said 550 user unknown"), "none", "a status-like part of an address is not a status");
	is_str(kind("5.4.41 something"), "none", "a longer detail is not X.4.4");
	is_str(kind("4.4.7 Delivery time expired"), "none", "expiry alone names no layer");
	is_str(kind("error 1421 occurred"), "none", "421 inside a number");
	is_int(rb_failure_kind_of(NULL, 0), RB_FAILURE_NONE, "NULL text");
	is_int(rb_failure_kind_of("connect to x", 3), RB_FAILURE_NONE, "only len bytes are read");
	ok(rb_failure_kind_name(RB_FAILURE_NONE) == NULL, "no name for none");

	/* Poisson tail: reference values */
	near(rb_poisson_tail_log10(10, 1.0), -6.95301549285389, 1e-9, "P(X>=10 | 1)");
	near(rb_poisson_tail_log10(1, 0.5), -0.405089102854537, 1e-9, "P(X>=1 | 0.5)");
	near(rb_poisson_tail_log10(5, 5.0), -0.252194696907526, 1e-9, "P(X>=5 | 5)");
	near(rb_poisson_tail_log10(20, 3.0), -10.0801678536176, 1e-9, "P(X>=20 | 3)");
	near(rb_poisson_tail_log10(100, 10.0), -62.2677196759693, 1e-9, "P(X>=100 | 10)");
	near(rb_poisson_tail_log10(10000, 1.0), -35659.8885255754, 1e-9, "P(X>=10000 | 1), far below a double");
	near(rb_poisson_tail_log10(1000, 950.0), -1.25920570816307, 1e-8, "P(X>=1000 | 950)");
	near(rb_poisson_tail_log10(3, 10.0), -0.00120440178085535, 1e-6, "P(X>=3 | 10), below the mean");
	near(rb_poisson_tail_log10(50, 0.001), -214.483500651296, 1e-9, "P(X>=50 | 0.001)");
	near(rb_poisson_tail_log10(1000000, 999000.0), -0.799545651963517, 1e-7, "P(X>=1e6 | 999000)");
	near(rb_poisson_tail_log10(40, 4.0), -25.5219607868848, 1e-9, "P(X>=40 | 4)");
	is_int((long long) rb_poisson_tail_log10(0, 3.0), 0, "P(X>=0) = 1");

	/* against a brute-force sum, and monotone in n */
	for (i = 0; i < sizeof(lambdas) / sizeof(lambdas[0]); i++)
	{
		int			good = 1;

		prev = 0.0;
		for (n = 0; n <= 60; n++)
		{
			double		got = rb_poisson_tail_log10((uint64_t) n, lambdas[i]);
			double		want = brute_tail_log10(n, lambdas[i]);

			if (want > -10.0 && fabs(got - want) > 1e-7 * (1.0 + fabs(want)))
			{
				printf("#   n=%d lambda=%g got %.12g want %.12g\n", n, lambdas[i], got, want);
				good = 0;
			}
			if (got > prev + 1e-12)
				monotone = 0;
			prev = got;
		}
		ok(good, "tail matches the summed mass function");
	}
	ok(monotone, "the tail shrinks as n grows");
	return tap_done();
}
