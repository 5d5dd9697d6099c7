/*
 * expiry.c
 *	  Expired-mail reports and the last error inside them (expiry.h).
 *
 * The wordings are the MTAs' and ESPs' own:
 *	  Postfix	"status=expired" in its log, "message expired" and
 *				"could not be delivered for 5 days" in its notices
 *				(postfix.org, bounce(5) templates);
 *	  Exim		"retry timeout exceeded", "retry time not reached for any
 *				host after a long failure period" (Exim spec., ch. 32
 *				"Retry configuration");
 *	  Exchange / Microsoft 365  "Message expired" (NDR code 5.4.300,
 *				learn.microsoft.com "Fix email delivery issues for error
 *				code 5.4.300");
 *	  Amazon SES, SendGrid and other ESPs  "unable to deliver in N minutes"
 *				or "... after N hours" styles;
 *	  Sendmail	"could not be delivered for N days", "was not delivered
 *				within";
 *	  qmail		"has been in the queue too long";
 *	  RFC 3463	X.4.7 "delivery time expired".
 */
#include "core/expiry.h"

#include <string.h>

/* Wordings that say the message expired or the sender gave up. */
static const char *const expiry_phrases[] = {
	"message expired",
	"message has expired",
	"expired after",
	"status=expired",
	"envelope expired",
	"delivery expired",
	"time expired",
	"message-expired",
	"retry timeout exceeded",
	"retry time not reached for any host after a long failure period",
	"have been failing for a long time",
	"has been in the queue too long",
	"in queue too long",
	"could not be delivered for",
	"was not delivered within",
	"could not deliver for the last",
	"unable to deliver this message after",
	"gave up",
	"giving up",
	"delai d'acheminement depasse",
	"d\xc3\xa9lai d'acheminement d\xc3\xa9pass\xc3\xa9",
	"d\xc3\xa9lai d\xe2\x80\x99" "acheminement d\xc3\xa9pass\xc3\xa9",
};

#define lengthof(a) (sizeof(a) / sizeof((a)[0]))

static inline unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}

static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_alpha(unsigned char c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

/* A character of a host name token (letters, digits, - _ .). */
static inline bool
is_host_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
}

/* Does needle (lower case) start at t[i], ignoring ASCII case? */
static bool
at(const unsigned char *t, size_t len, size_t i, const char *needle, size_t nlen)
{
	size_t		j;

	if (i + nlen > len)
		return false;
	for (j = 0; j < nlen; j++)
		if (lower(t[i + j]) != (unsigned char) needle[j])
			return false;
	return true;
}

/*
 * "unable to deliver in " followed by a number, the ESPs' "unable to
 * deliver in 150 minutes": without the number the words also open
 * ordinary refusals.
 */
static bool
deliver_in_minutes(const unsigned char *t, size_t len, size_t i)
{
	static const char cue[] = "unable to deliver in ";

	return at(t, len, i, cue, sizeof(cue) - 1) &&
		i + sizeof(cue) - 1 < len && is_digit(t[i + sizeof(cue) - 1]);
}

/* X.4.7 (delivery time expired) standing alone, not inside a number. */
static bool
status_447(const unsigned char *t, size_t len, size_t i)
{
	if (i + 5 > len || (t[i] != '4' && t[i] != '5') || t[i + 1] != '.' ||
		t[i + 2] != '4' || t[i + 3] != '.' || t[i + 4] != '7')
		return false;
	if (i > 0 && (is_digit(t[i - 1]) || t[i - 1] == '.'))
		return false;
	if (i + 5 < len && (is_digit(t[i + 5]) ||
						(t[i + 5] == '.' && i + 6 < len && is_digit(t[i + 6]))))
		return false;
	return true;
}

/*
 * The length of the expiry wording starting at t[i], or 0.  Each wording
 * is compared at each position once: linear in the text for a fixed table.
 */
static size_t
expiry_at(const unsigned char *t, size_t len, size_t i)
{
	size_t		k;

	for (k = 0; k < lengthof(expiry_phrases); k++)
	{
		size_t		n = strlen(expiry_phrases[k]);

		if (at(t, len, i, expiry_phrases[k], n))
			return n;
	}
	if (deliver_in_minutes(t, len, i))
		return sizeof("unable to deliver in ") - 1;
	if (status_447(t, len, i))
		return 5;
	return 0;
}

/* Combine the kinds of two stretches: a DNS wording wins (core/detect.c). */
static rb_failure_kind
worse(rb_failure_kind a, rb_failure_kind b)
{
	if (a == RB_FAILURE_DNS || b == RB_FAILURE_DNS)
		return RB_FAILURE_DNS;
	if (a == RB_FAILURE_CONNECTION || b == RB_FAILURE_CONNECTION)
		return RB_FAILURE_CONNECTION;
	return RB_FAILURE_NONE;
}

/*
 * Is t[0..n) a host name: two labels or more of letters, digits, - and _,
 * none empty or longer than 63, the last all letters (a top-level domain,
 * which keeps status codes and version numbers out)?
 */
static bool
is_host_name(const unsigned char *t, size_t n)
{
	size_t		i,
				label = 0,
				labels = 1,
				last_start = 0;

	if (n == 0 || n > RB_EXPIRY_HOST_MAX)
		return false;
	for (i = 0; i < n; i++)
	{
		if (t[i] == '.')
		{
			if (label == 0)
				return false;
			labels++;
			label = 0;
			last_start = i + 1;
		}
		else if (++label > 63)
			return false;
	}
	if (label < 2 || labels < 2)
		return false;
	for (i = last_start; i < n; i++)
		if (!is_alpha(t[i]))
			return false;
	return true;
}

/* Is t[0..n) a dotted IPv4 address (four numbers of 1..3 digits, <= 255)? */
static bool
is_ipv4(const unsigned char *t, size_t n)
{
	size_t		i;
	int			parts = 0,
				digits = 0,
				value = 0;

	for (i = 0; i <= n; i++)
	{
		if (i == n || t[i] == '.')
		{
			if (digits == 0 || value > 255)
				return false;
			parts++;
			digits = 0;
			value = 0;
		}
		else if (is_digit(t[i]) && digits < 3)
		{
			value = value * 10 + (t[i] - '0');
			digits++;
		}
		else
			return false;
	}
	return parts == 4;
}

bool
rb_expiry_scan(const char *text, size_t len, rb_expiry *out)
{
	const unsigned char *t = (const unsigned char *) text;
	size_t		i,
				from = 0;

	out->expired = false;
	out->kind = RB_FAILURE_NONE;
	out->host = NULL;
	out->host_len = 0;
	out->addr = NULL;
	out->addr_len = 0;
	if (text == NULL || len == 0)
		return false;

	/*
	 * The last error's kind, read between the expiry wordings: "retry
	 * timeout exceeded" says nothing of the servers, though its "timeout"
	 * would read as a connection failure.
	 */
	for (i = 0; i < len;)
	{
		size_t		n = expiry_at(t, len, i);

		if (n == 0)
		{
			i++;
			continue;
		}
		out->expired = true;
		out->kind = worse(out->kind, rb_failure_kind_of(text + from, i - from));
		i += n;
		from = i;
	}
	out->kind = worse(out->kind, rb_failure_kind_of(text + from, len - from));

	/*
	 * The first host name and IPv4 address named outside a mail address
	 * (the recipient's domain after its @ is not a server): one pass over
	 * the tokens of host characters.
	 */
	for (i = 0; i < len;)
	{
		size_t		start,
					end;

		if (!is_host_char(t[i]))
		{
			i++;
			continue;
		}
		start = i;
		while (i < len && is_host_char(t[i]))
			i++;
		end = i;
		/* a sentence's full stop, a trailing hyphen */
		while (end > start && (t[end - 1] == '.' || t[end - 1] == '-'))
			end--;
		if (end == start)
			continue;
		if ((start > 0 && t[start - 1] == '@') || (i < len && t[i] == '@'))
			continue;
		if (out->addr_len == 0 && is_ipv4(t + start, end - start))
		{
			out->addr = text + start;
			out->addr_len = end - start;
		}
		else if (out->host_len == 0 && is_host_name(t + start, end - start))
		{
			out->host = text + start;
			out->host_len = end - start;
		}
	}
	return out->expired;
}
