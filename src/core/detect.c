/*
 * detect.c
 *	  Failure kinds of diagnostic texts (their wordings are in the phrase
 *	  table, phrase_table.c), and the Poisson tail used to score a bucket
 *	  of bounces against its baseline.
 */
#include "core/detect.h"
#include "core/ascii.h"
#include "core/mime.h"
#include "core/phrase.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define LN10 2.30258509299404568402

/*
 * Does text hold a wording of that kind (phrase_table.c)?  Each is looked
 * for with the core's caseless search (mime.c), linear in the text.
 */
static bool
contains_kind(const char *text, size_t len, rb_failure_kind kind)
{
	size_t		i;

	for (i = 0; i < rb_failure_phrase_count; i++)
	{
		const rb_failure_phrase *p = &rb_failure_phrase_table[i];

		if (p->kind == kind && rb_memcasemem(text, len, p->text, strlen(p->text)) != NULL)
			return true;
	}
	return false;
}

/*
 * RFC 3463 network and routing codes standing alone in the text (not part
 * of an address or a longer number): X.4.1 no answer from host and X.4.2
 * bad connection are connection failures, X.4.3 directory server failure
 * and X.4.4 unable to route are DNS failures.
 */
static rb_failure_kind
network_status_kind(const unsigned char *t, size_t len)
{
	size_t		i;

	for (i = 0; i + 5 <= len; i++)
	{
		if ((t[i] != '4' && t[i] != '5') || t[i + 1] != '.' ||
			t[i + 2] != '4' || t[i + 3] != '.' || !rb_ascii_isdigit(t[i + 4]))
			continue;
		if (i > 0 && (rb_ascii_isdigit(t[i - 1]) || t[i - 1] == '.'))
			continue;
		if (i + 5 < len && (rb_ascii_isdigit(t[i + 5]) ||
							(t[i + 5] == '.' && i + 6 < len && rb_ascii_isdigit(t[i + 6]))))
			continue;
		switch (t[i + 4])
		{
			case '1':
			case '2':
				return RB_FAILURE_CONNECTION;
			case '3':
			case '4':
				return RB_FAILURE_DNS;
			default:
				break;
		}
	}
	return RB_FAILURE_NONE;
}

/* A 421 reply ("service not available, closing channel") as a token. */
static bool
has_421(const unsigned char *t, size_t len)
{
	size_t		i;

	for (i = 0; i + 3 <= len; i++)
	{
		if (t[i] != '4' || t[i + 1] != '2' || t[i + 2] != '1')
			continue;
		if (i > 0 && t[i - 1] != ' ' && t[i - 1] != ':' && t[i - 1] != '(' &&
			t[i - 1] != '\t' && t[i - 1] != '\n' && t[i - 1] != '#')
			continue;
		if (i + 3 == len || t[i + 3] == ' ' || t[i + 3] == '-')
			return true;
	}
	return false;
}

/*
 * A DNS wording wins over a connection wording: a lookup comes before any
 * connection, and texts that report a failed lookup often go on to say that
 * no connection could be made.  Wordings win over status codes, which
 * senders often pick loosely.
 */
rb_failure_kind
rb_failure_kind_of(const char *text, size_t len)
{
	const unsigned char *t = (const unsigned char *) text;
	rb_failure_kind kind;

	if (text == NULL || len == 0)
		return RB_FAILURE_NONE;
	if (contains_kind(text, len, RB_FAILURE_DNS))
		return RB_FAILURE_DNS;
	if (contains_kind(text, len, RB_FAILURE_CONNECTION))
		return RB_FAILURE_CONNECTION;
	kind = network_status_kind(t, len);
	if (kind != RB_FAILURE_NONE)
		return kind;
	if (has_421(t, len))
		return RB_FAILURE_CONNECTION;
	return RB_FAILURE_NONE;
}

const char *
rb_failure_kind_name(rb_failure_kind kind)
{
	switch (kind)
	{
		case RB_FAILURE_DNS:
			return "dns";
		case RB_FAILURE_CONNECTION:
			return "connection";
		case RB_FAILURE_NONE:
			break;
	}
	return NULL;
}

/* log of the Poisson probability mass at k. */
static double
log_pmf(double k, double lambda)
{
	return -lambda + k * log(lambda) - lgamma(k + 1.0);
}

/*
 * Upper tail in log space.  For n > lambda the terms after pmf(n) shrink
 * by lambda/(n+j) each, so P(X >= n) = pmf(n) * S with S a convergent
 * series, summed until a term no longer changes it.  For n <= lambda the
 * tail is large (at least about a half) and 1 - P(X < n) loses nothing;
 * the lower sum is the same series run downwards from pmf(n-1).
 */
double
rb_poisson_tail_log10(uint64_t n, double lambda)
{
	double		dn = (double) n;
	double		sum,
				term;
	uint64_t	j;

	if (n == 0)
		return 0.0;
	if (dn > lambda)
	{
		sum = 1.0;
		term = 1.0;
		for (j = 1; j < 100000000; j++)
		{
			term *= lambda / (dn + (double) j);
			sum += term;
			if (term < sum * 1e-17)
				break;
		}
		return (log_pmf(dn, lambda) + log(sum)) / LN10;
	}
	else
	{
		double		lower_sum;

		/* P(X <= n-1) = pmf(n-1) * (1 + (n-1)/lambda + (n-1)(n-2)/lambda^2 ...) */
		sum = 1.0;
		term = 1.0;
		for (j = 1; j < n; j++)
		{
			term *= (dn - (double) j) / lambda;
			sum += term;
			if (term < sum * 1e-17)
				break;
		}
		lower_sum = exp(log_pmf(dn - 1.0, lambda)) * sum;
		if (lower_sum >= 1.0)
			return 0.0;
		return log1p(-lower_sum) / LN10;
	}
}
