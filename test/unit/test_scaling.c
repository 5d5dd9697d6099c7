/*
 * test_scaling.c
 *	  Every core parser is linear in its input, whatever its bytes: each is
 *	  run on adversarial inputs of n and 8n bytes, and a ratio far above 8
 *	  is a finding (issue 15: 1 MB of upper-case lines took 6 s, 2 MB 26 s).
 *
 * Two measures.  The work the readers count for their stop function
 * (core/poll.h) is exact, so its ratio is checked tightly; it sees repeated
 * scans, not what a scanner does inside.  CPU time sees everything, so its
 * ratio is checked loosely (linear is 8, quadratic 64) and as the best of a
 * few runs, so that a busy machine does not make it flake.
 */
#include "core/classify.h"
#include "core/domain.h"
#include "core/address.h"
#include "core/dsn.h"
#include "core/reply.h"
#include "tap.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define SMALL		(128 * 1024)
#define FACTOR		8
#define MAX_WORK_RATIO	10.0
#define MAX_TIME_RATIO	24.0

typedef void (*runner) (const char *p, size_t len);

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t last_work;

/*
 * Inputs of hundreds of thousands of rows are bound by the memory system
 * (page faults of fresh arena blocks, a hash larger than the caches), and
 * the small size, repeated, runs warm: their CPU ratio says nothing about
 * the algorithm, only their counted work does.
 */
static bool time_matters = true;

static void
run_dsn(const char *p, size_t len)
{
	rb_arena	a;
	rb_dsn_result r;
	rb_dsn_options opt = {true, NULL, NULL};

	rb_arena_init(&a, rb_dsn_arena_limit(len), NULL, NULL, NULL);
	rb_dsn_parse(&a, p, len, &opt, &r);
	last_work = rb_poll_current.work;
	rb_arena_release(&a);
}

static void
run_classify(const char *p, size_t len)
{
	rb_classify_input in = {0};
	rb_verdict	v;

	in.text = p;
	in.len = len;
	rb_classify(&in, &v);
	last_work = 0;
}

static void
run_reply(const char *p, size_t len)
{
	rb_reply	r;

	rb_reply_parse(p, len, &r);
	last_work = 0;
}

static void
run_address(const char *p, size_t len)
{
	char	   *out = malloc(RB_ADDRESS_BUFSIZE(len));
	size_t		n;
	char		dom[RB_DOMAIN_BUFSIZE];

	rb_normalize_address(p, len, out, &n);
	rb_address_domain(p, len, dom, &n);
	rb_normalize_domain(p, len, dom, &n);
	free(out);
	last_work = 0;
}

/* Best CPU time of a run over p[0..len), repeated to at least 20 ms. */
static double
best_time(runner run, const char *p, size_t len)
{
	double		best = 1e9;

	for (int k = 0; k < 3; k++)
	{
		double		t0 = cpu_now(),
					t;
		int			reps = 0;

		do
		{
			run(p, len);
			reps++;
			t = cpu_now() - t0;
		} while (t < 0.02 && reps < 1000);
		if (t / reps < best)
			best = t / reps;
	}
	return best;
}

/* A buffer of len bytes: head, then unit repeated, then tail. */
static char *
build(const char *head, const char *unit, const char *tail, size_t len, size_t *outlen)
{
	size_t		hl = strlen(head),
				ul = strlen(unit),
				tl = strlen(tail);
	size_t		body = len > hl + tl ? len - hl - tl : 0;
	char	   *b = malloc(hl + body + tl + 1);

	memcpy(b, head, hl);
	for (size_t i = 0; i < body; i++)
		b[hl + i] = unit[i % ul];
	memcpy(b + hl + body, tail, tl);
	*outlen = hl + body + tl;
	return b;
}

/*
 * A text notice whose one paragraph (half the mail) is every recipient's
 * diagnostic, the recipients in X-Failed-Recipients (the other half).
 */
static char *
build_shared(size_t len, size_t *outlen)
{
	const char *head = "Return-Path: <>\nFrom: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
		"Subject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: ";
	const char *mid = "\n\nA message that you sent could not be delivered.\n\n  550 5.1.1 ";
	char	   *b = malloc(len + 256);
	size_t		n = 0;
	int			k = 0;

	n += sprintf(b, "%s", head);
	while (n < len / 2)
	{
		n += sprintf(b + n, "%su%d@example.com", k ? ", " : "", k);
		k++;
	}
	n += sprintf(b + n, "%s", mid);
	while (n + 14 < len)
		n += sprintf(b + n, "USER UNKNOWN ");
	b[n++] = '\n';
	*outlen = n;
	return b;
}

static void
check(const char *name, runner run, const char *head, const char *unit,
	  const char *tail, size_t small)
{
	size_t		l1,
				l8;
	char	   *s1 = head ? build(head, unit, tail, small, &l1) : build_shared(small, &l1);
	char	   *s8 = head ? build(head, unit, tail, small * FACTOR, &l8) : build_shared(small * FACTOR, &l8);
	double		t1,
				t8;
	uint64_t	w1,
				w8;
	char		what[200];

	run(s1, l1);
	w1 = last_work;
	run(s8, l8);
	w8 = last_work;
	t1 = best_time(run, s1, l1);
	t8 = best_time(run, s8, l8);
	printf("# %-22s %8zu B: %8.3f ms, %8zu B: %8.3f ms (%.1f ms/MB), time x%.1f, work x%.1f\n",
		   name, l1, t1 * 1e3, l8, t8 * 1e3, t8 * 1e3 / (l8 / 1048576.0),
		   t8 / t1, w1 ? (double) w8 / w1 : 0.0);
	snprintf(what, sizeof(what), "%s: time grows linearly (x%.1f for x%d)", name, t8 / t1, FACTOR);
	if (time_matters)
		ok(t8 / t1 < MAX_TIME_RATIO, what);
	if (w1)
	{
		snprintf(what, sizeof(what), "%s: counted work grows linearly (x%.1f)", name, (double) w8 / w1);
		ok((double) w8 / w1 < MAX_WORK_RATIO, what);
	}
	free(s1);
	free(s8);
}

#define TOP "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n" \
	"To: news@example.org\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
#define REPORT TOP "Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n\n" \
	"--BB\nContent-Type: text/plain; charset=us-ascii\n\n"
#define REPORT_END "\n--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" \
	"Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n\n--BB--\n"
#define PLAIN TOP "Content-Type: text/plain\n\n"
#define DS_HEAD REPORT "x\n--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"

/* The plain quadratic search, as the reference for the linear one. */
static const char *
naive_casemem(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return h;
	for (size_t i = 0; i + nl <= hl; i++)
	{
		size_t		k;

		for (k = 0; k < nl; k++)
			if (tolower((unsigned char) h[i + k]) != tolower((unsigned char) n[k]))
				break;
		if (k == nl)
			return h + i;
	}
	return NULL;
}

/*
 * rb_memcasemem finds what the naive search finds: random texts over small
 * alphabets (so that matches and near-matches abound), needles short and
 * long (Two-Way past 32 bytes), taken from the text with their case flipped
 * or made up.
 */
static void
check_search(void)
{
	static const char alphabet[] = "aAbB@[";
	char		h[400],
				n[100];
	long		bad = 0;
	unsigned int seed = 15;

	for (int t = 0; t < 200000; t++)
	{
		int			al = 2 + rand_r(&seed) % 5;
		size_t		hl = rand_r(&seed) % sizeof(h),
					nl = rand_r(&seed) % (t % 2 ? sizeof(n) : 40);

		for (size_t i = 0; i < hl; i++)
			h[i] = alphabet[rand_r(&seed) % al];
		if (nl <= hl && hl > 0 && rand_r(&seed) % 2)
		{
			size_t		o = rand_r(&seed) % (hl - nl + 1);

			for (size_t i = 0; i < nl; i++)
				n[i] = isalpha((unsigned char) h[o + i]) && rand_r(&seed) % 2 ?
					h[o + i] ^ 32 : h[o + i];
		}
		else
			for (size_t i = 0; i < nl; i++)
				n[i] = alphabet[rand_r(&seed) % al];
		if (rb_memcasemem(h, hl, n, nl) != naive_casemem(h, hl, n, nl))
			bad++;
	}
	is_int(bad, 0, "rb_memcasemem finds what the naive search finds (200,000 cases)");
}

int
main(void)
{
	check_search();

	/* the mail of issue 15, and what else a text part can repeat */
	check("dsn upper-case lines", run_dsn, REPORT, "THIS IS AN UPPER CASE LINE OF TEXT\n", REPORT_END, SMALL);
	check("dsn upper-case, plain", run_dsn, PLAIN, "NO LOWER CASE HERE AT ALL\n", "", SMALL);
	check("dsn one long line", run_dsn, REPORT, "A", REPORT_END, SMALL);
	check("dsn short lines", run_dsn, REPORT, "A\n", REPORT_END, SMALL);
	check("dsn CRLF lines", run_dsn, REPORT, "ABC DEF\r\n", REPORT_END, SMALL);
	check("dsn header-like lines", run_dsn, REPORT, "X-Foo: BAR\n", REPORT_END, SMALL);
	check("dsn one address", run_dsn, PLAIN, "<user@example.com>: 550 5.1.1 unknown user\n", "", SMALL);
	check("dsn address lines", run_dsn, REPORT, "user@example.com:\n 550 5.1.1 no\n", REPORT_END, SMALL);
	/* rows the trust filter checks against the headers (issue 10) */
	check("dsn robot rows", run_dsn, PLAIN, "owner-list@lists.example:\n 550 5.1.1 no\n", "", SMALL);
	check("dsn sender rows", run_dsn, PLAIN, "news@example.org:\n 550 5.1.1 no\n\nz@example.com:\n 550 no\n", "", SMALL);
	check("dsn many <", run_dsn, REPORT, "<", REPORT_END, SMALL);
	check("dsn many @", run_dsn, REPORT, "a@", REPORT_END, SMALL);
	check("dsn boundary-like", run_dsn, TOP "Content-Type: multipart/report; boundary=\"BB\"\n\n--BB\n\n", "--BBX\n", "", SMALL);
	time_matters = false;
	check("dsn repeated Final-Recipient", run_dsn, DS_HEAD,
		  "Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n\n", "\n--BB--\n", SMALL);
	check("dsn Final-Recipient in text", run_dsn, PLAIN, "Final-Recipient: x\n", "", SMALL);
	time_matters = true;
	check("dsn a paragraph for all", run_dsn, NULL, NULL, NULL, SMALL);
	check("dsn long diagnostic", run_dsn, DS_HEAD "Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 ",
		  "USER UNKNOWN ", "\n\n--BB--\n", SMALL);
	check("dsn in reply to", run_dsn, REPORT, "in reply to ", REPORT_END, SMALL);
	check("dsn remote hosts", run_dsn, REPORT, "host mx.example.com[1.2.3.4] said: ", REPORT_END, SMALL);
	check("dsn HTML", run_dsn, TOP "Content-Type: text/html\n\n", "<p>HELLO</p>&amp;", "", SMALL);
	check("dsn header fields", run_dsn, "", "X-H: v\n", TOP "\nbody\n", SMALL);
	check("dsn folded header", run_dsn, "To: ", "a@b.c,\n ", "\n" TOP "\nbody\n", SMALL);

	/* the classifier and the reply parser on one huge diagnostic */
	check("classify upper case", run_classify, "550 ", "USER UNKNOWN MAILBOX FULL ", "", SMALL * 4);
	check("classify lines", run_classify, "", "550-5.1.1 user unknown\n", "", SMALL * 4);
	check("reply codes", run_reply, "", "550-", "", SMALL);
	check("reply statuses", run_reply, "", "5.1.1 ", "", SMALL);

	/* addresses and domains: refused past 4 kB, so small sizes */
	check("address local part", run_address, "", "a", "@example.com", 512);
	check("address dots", run_address, "x@", "a.", "com", 512);
	return tap_done();
}
