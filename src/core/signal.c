/*
 * signal.c
 *	  The classifier's second stage: signals read from the words of a
 *	  diagnostic (see signal.h).
 *
 * The scan lower-cases ASCII letters into words as it goes and looks each
 * word up in a sorted table: linear in the text whatever its bytes (a word
 * longer than any in the table is skipped without being stored).  A few
 * signals need two words ("try again", "timed out", "given up", "name
 * server"): the previous word's entry says what the next one completes.
 */
#include "signal.h"

#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#ifdef RB_LOSO
#include "phrase.h"
#endif

#define MAX_WORD 16

/* What a word completes when it follows another ("again" after "try"). */
#define NEXT_NONE	0
#define NEXT_AGAIN	1			/* try [again|later] */
#define NEXT_OUT	2			/* time [out] */
#define NEXT_UP		3			/* gave/given/giving [up] */
#define NEXT_SERVER 4			/* name/smtp/mail [server|servers] */
#define NEXT_NOT	5			/* could/can/does [not] [available...] */
#define NEXT_ANSWER 6			/* no [answer|response|route|servers] */
#define NEXT_LONG	7			/* too [long] */
#define NEXT_EXCEED 8			/* timeout/time [exceeded] */
#define NEXT_NAMESERVER 9		/* name [server|servers] */
#define NEXT_LIMIT	10			/* limit [exceeded|reached] */

typedef struct word_signal
{
	const char *word;
	unsigned	signals;
	int			opens;			/* what the next word may complete */
	const char *sources;		/* the labelled sources (test/data/labelled/,
								 * '|'-separated) whose rows the entry was
								 * written or changed from, or NULL */
} word_signal;

/* Sorted by word (strcmp order): bsearch. */
static const word_signal words[] = {
	{"aborted", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"abuse", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"account", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"address", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"addresses", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"alias", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"authentication", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"banned", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "microsoft"},
	{"blacklist", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "mailru|netease"},
	{"blacklisted", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "mailru|netease"},
	{"block", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"blocked", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "mailru|netease|comcast|mimecast|zoho"},
	{"blocklist", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "mailru|netease"},
	{"blocklisted", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "mailru|netease"},
	{"broken", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"bytes", RB_SIG_SIZE, NEXT_NONE, "yahoo"},
	{"can", 0, NEXT_NOT, NULL},
	{"cannot", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"cert", RB_SIG_TLS, NEXT_NONE, NULL},
	{"certificate", RB_SIG_TLS, NEXT_NONE, NULL},
	{"cipher", RB_SIG_TLS, NEXT_NONE, NULL},
	{"ciphers", RB_SIG_TLS, NEXT_NONE, NULL},
	{"closed", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"connect", RB_SIG_CONN, NEXT_NONE, NULL},
	{"connected", RB_SIG_CONN, NEXT_NONE, NULL},
	{"connecting", RB_SIG_CONN, NEXT_NONE, NULL},
	{"connection", RB_SIG_CONN, NEXT_NONE, NULL},
	{"connections", RB_SIG_CONN, NEXT_NONE, NULL},
	{"content", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"could", 0, NEXT_NOT, NULL},
	{"couldn", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"daily", RB_SIG_RATE, NEXT_NONE, "google|microsoft"},
	{"defer", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"deferred", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"deferring", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"delayed", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"denied", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"dkim", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"dmarc", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"dns", RB_SIG_DNS, NEXT_NONE, NULL},
	{"dnsbl", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "comcast|cox"},
	{"does", 0, NEXT_NOT, NULL},
	{"down", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"dropped", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"error", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"errors", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"exceed", RB_SIG_EXCEED, NEXT_NONE, "mimecast|microsoft|google"},
	{"exceeded", RB_SIG_EXCEED, NEXT_NONE, "mimecast|microsoft|google"},
	{"exceeds", RB_SIG_EXCEED, NEXT_NONE, "mimecast|microsoft|google"},
	{"exchanger", RB_SIG_SERVERS, NEXT_NONE, NULL},
	{"exchangers", RB_SIG_SERVERS, NEXT_NONE, NULL},
	{"expiration", RB_SIG_EXPIRED, NEXT_NONE, NULL},
	{"expired", RB_SIG_EXPIRED, NEXT_NONE, NULL},
	{"expiry", RB_SIG_EXPIRED, NEXT_NONE, NULL},
	{"fail", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"failed", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"failing", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"failure", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"failures", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"fatal", RB_SIG_PERM, NEXT_NONE, NULL},
	{"frequency", RB_SIG_RATE, NEXT_NONE, "qq"},
	{"gave", 0, NEXT_UP, NULL},
	{"given", 0, NEXT_UP, NULL},
	{"giving", 0, NEXT_UP, NULL},
	{"handshake", RB_SIG_TLS, NEXT_NONE, NULL},
	{"inaccessible", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"inbox", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"later", 0, NEXT_NONE, NULL},
	{"limit", 0, NEXT_LIMIT, "microsoft|google"},
	{"listed", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "netease|cox"},
	{"lookup", RB_SIG_DNS, NEXT_NONE, NULL},
	{"lookups", RB_SIG_DNS, NEXT_NONE, NULL},
	{"lost", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"mail", 0, NEXT_SERVER, NULL},
	{"mailbox", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"mailboxes", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"mx", RB_SIG_DNS | RB_SIG_SERVERS, NEXT_NONE, NULL},
	{"mxs", RB_SIG_SERVERS, NEXT_NONE, NULL},
	{"name", 0, NEXT_NAMESERVER, NULL},
	{"nameserver", RB_SIG_DNS, NEXT_NONE, NULL},
	{"nameservers", RB_SIG_DNS, NEXT_NONE, NULL},
	{"network", RB_SIG_CONN, NEXT_NONE, NULL},
	{"no", 0, NEXT_ANSWER, NULL},
	{"none", 0, NEXT_ANSWER, NULL},
	{"nxdomain", RB_SIG_DNS | RB_SIG_FAIL, NEXT_NONE, NULL},
	{"permanent", RB_SIG_PERM, NEXT_NONE, NULL},
	{"permanently", RB_SIG_PERM, NEXT_NONE, NULL},
	{"policy", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"problem", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"problems", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"prohibited", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"queued", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"quota", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"rbl", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "netease"},
	{"recipient", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"recipients", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"refused", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"rejected", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"relay", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"relaying", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"reputation", RB_SIG_POLICY | RB_SIG_BLOCK, NEXT_NONE, "cisco|proofpoint"},
	{"reset", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"resolution", RB_SIG_DNS, NEXT_NONE, NULL},
	{"resolve", RB_SIG_DNS, NEXT_NONE, NULL},
	{"resolved", RB_SIG_DNS, NEXT_NONE, NULL},
	{"resolver", RB_SIG_DNS, NEXT_NONE, NULL},
	{"resolving", RB_SIG_DNS, NEXT_NONE, NULL},
	{"retried", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"retry", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"retrying", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"route", RB_SIG_CONN, NEXT_NONE, NULL},
	{"server", RB_SIG_SERVERS, NEXT_NONE, NULL},
	{"servers", RB_SIG_SERVERS, NEXT_NONE, NULL},
	{"servfail", RB_SIG_DNS | RB_SIG_FAIL, NEXT_NONE, NULL},
	{"session", RB_SIG_CONN, NEXT_NONE, NULL},
	{"size", RB_SIG_SIZE, NEXT_NONE, "mimecast|yahoo"},
	{"smtp", 0, NEXT_SERVER, NULL},
	{"socket", RB_SIG_CONN, NEXT_NONE, NULL},
	{"spam", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"spf", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"ssl", RB_SIG_TLS, NEXT_NONE, NULL},
	{"starttls", RB_SIG_TLS, NEXT_NONE, NULL},
	{"tcp", RB_SIG_CONN, NEXT_NONE, NULL},
	{"temporarily", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"temporary", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"throttled", RB_SIG_RATE, NEXT_NONE, "kumomta"},
	{"throttling", RB_SIG_RATE, NEXT_NONE, "kumomta"},
	{"time", 0, NEXT_OUT, NULL},
	{"timed", RB_SIG_TIMEOUT, NEXT_NONE, NULL},
	{"timeout", RB_SIG_TIMEOUT, NEXT_EXCEED, NULL},
	{"timeouts", RB_SIG_TIMEOUT, NEXT_NONE, NULL},
	{"tls", RB_SIG_TLS, NEXT_NONE, NULL},
	{"too", 0, NEXT_LONG, NULL},
	{"transient", RB_SIG_TEMP, NEXT_NONE, NULL},
	{"try", 0, NEXT_AGAIN, NULL},
	{"unable", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"unauthenticated", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"unavailable", RB_SIG_FAIL, NEXT_NONE, NULL},
	{"unreachable", RB_SIG_CONN | RB_SIG_FAIL, NEXT_NONE, NULL},
	{"unresponsive", RB_SIG_TIMEOUT, NEXT_NONE, NULL},
	{"user", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"users", RB_SIG_MAILBOX, NEXT_NONE, NULL},
	{"virus", RB_SIG_POLICY, NEXT_NONE, NULL},
	{"x509", RB_SIG_TLS, NEXT_NONE, NULL},
};

/* The signals a word adds when it follows a word that opened "opens". */
static unsigned
completes(int opens, const char *w)
{
	switch (opens)
	{
		case NEXT_AGAIN:
			return (strcmp(w, "again") == 0 || strcmp(w, "later") == 0) ? RB_SIG_TEMP : 0;
		case NEXT_OUT:
			return strcmp(w, "out") == 0 ? RB_SIG_TIMEOUT : 0;
		case NEXT_UP:
			return strcmp(w, "up") == 0 ? RB_SIG_EXPIRED | RB_SIG_PERM : 0;
		case NEXT_SERVER:
			return (strcmp(w, "server") == 0 || strcmp(w, "servers") == 0) ? RB_SIG_SERVERS : 0;
		case NEXT_NAMESERVER:
			return (strcmp(w, "server") == 0 || strcmp(w, "servers") == 0) ? RB_SIG_DNS : 0;
		case NEXT_NOT:
			return strcmp(w, "not") == 0 ? RB_SIG_FAIL : 0;
		case NEXT_ANSWER:
			if (strcmp(w, "answer") == 0 || strcmp(w, "answered") == 0 ||
				strcmp(w, "response") == 0 || strcmp(w, "responded") == 0 ||
				strcmp(w, "reachable") == 0)
				return RB_SIG_TIMEOUT;
			if (strcmp(w, "route") == 0)
				return RB_SIG_CONN | RB_SIG_FAIL;
			/* "no SMTP servers", "no MX": nothing to deliver to */
			if (strcmp(w, "smtp") == 0 || strcmp(w, "mail") == 0 ||
				strcmp(w, "mx") == 0 || strcmp(w, "servers") == 0)
				return RB_SIG_FAIL;
			return 0;
		case NEXT_LONG:
			return strcmp(w, "long") == 0 ? RB_SIG_EXPIRED : 0;
		case NEXT_EXCEED:
			return strcmp(w, "exceeded") == 0 ? RB_SIG_EXPIRED : 0;
		case NEXT_LIMIT:
			return (strcmp(w, "exceeded") == 0 || strcmp(w, "reached") == 0) ? RB_SIG_RATE : 0;
		default:
			return 0;
	}
}

static int
cmp_word(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const word_signal *) elem)->word);
}

unsigned
rb_signal_scan(const char *text, size_t len)
{
	char		w[MAX_WORD + 1];
	size_t		wl = 0;
	bool		too_long = false;
	int			opens = NEXT_NONE;
	unsigned	sig = 0;

	for (size_t i = 0; i <= len; i++)
	{
		unsigned char c = i < len ? (unsigned char) text[i] : ' ';

		if (rb_ascii_isalnum(c))
		{
			if (wl < MAX_WORD)
				w[wl++] = rb_ascii_tolower(c);
			else
				too_long = true;
			continue;
		}
		if (wl > 0 && !too_long)
		{
			const word_signal *ws;

			w[wl] = '\0';
			sig |= completes(opens, w);
			ws = bsearch(w, words, sizeof(words) / sizeof(words[0]),
						 sizeof(words[0]), cmp_word);
#ifdef RB_LOSO
			if (ws != NULL && rb_loso_word_excluded(ws->sources))
				ws = NULL;
#endif
			/* "no" keeps its promise across "SMTP" in "no SMTP servers" */
			if (!(opens == NEXT_ANSWER && ws != NULL && ws->opens == NEXT_SERVER))
				opens = ws != NULL ? ws->opens : NEXT_NONE;
			if (ws != NULL)
				sig |= ws->signals;
		}
		else if (wl > 0)
			opens = NEXT_NONE;
		wl = 0;
		too_long = false;
	}
	return sig;
}

int
rb_signal_verdict(unsigned s, bool *infra)
{
	unsigned	happened = s & (RB_SIG_FAIL | RB_SIG_TIMEOUT);
	unsigned	subject = s & (RB_SIG_DNS | RB_SIG_CONN | RB_SIG_TLS | RB_SIG_SERVERS);

	*infra = false;
	/*
	 * A size that exceeds is the message's ("Maximum email size exceeded",
	 * "message size exceeds 41943040 bytes"), unless the text talks of the
	 * mailbox (whose size limit is a full mailbox: left to the phrases).
	 */
	if ((s & RB_SIG_SIZE) && (s & RB_SIG_EXCEED) && !(s & RB_SIG_MAILBOX))
		return RB_REASON_MESG_TOO_BIG;
	/*
	 * A rate ("frequency limited", "daily ... quota", "limit exceeded" or
	 * "reached") is a rate limit, whoever it counts for ("recipient thread
	 * limit exceeded").
	 */
	if ((s & RB_SIG_RATE) && !(s & RB_SIG_SIZE))
		return RB_REASON_SPEEDING;
	/* The sender blocked, listed or of bad reputation, not a mailbox */
	if ((s & RB_SIG_BLOCK) && !(s & RB_SIG_MAILBOX))
		return RB_REASON_BLOCKED;
	/*
	 * A text about the mailbox or about a policy is not about the
	 * infrastructure, whatever else it says ("user unknown, connection
	 * closed"; "blocked: your server is listed").
	 */
	if (s & (RB_SIG_MAILBOX | RB_SIG_POLICY))
		return -1;
	/*
	 * Gave up: an infrastructure failure when the text says what failed
	 * (a connection, a lookup, a timeout); "a permanent error, I've given
	 * up" alone speaks of the attempt, not of the servers.
	 */
	if ((s & RB_SIG_EXPIRED) && (subject || (s & RB_SIG_TIMEOUT)))
	{
		*infra = true;
		return RB_REASON_EXPIRED;
	}
	if ((s & RB_SIG_TLS) && happened)
	{
		*infra = true;
		return RB_REASON_FAILED_STARTTLS;
	}
	if (subject && happened)
	{
		*infra = true;
		return RB_REASON_NETWORK_ERROR;
	}
	if (s & RB_SIG_TIMEOUT)
	{
		*infra = true;
		return RB_REASON_NETWORK_ERROR;
	}
	if (s & RB_SIG_EXPIRED)
		return RB_REASON_EXPIRED;
	/* "try again later" alone: the receiving side is not taking mail now */
	if (s & RB_SIG_TEMP)
		*infra = true;
	return -1;
}

size_t
rb_signal_names(unsigned s, char *buf, size_t size)
{
	static const char *const names[] = {
		"dns", "connection", "tls", "failed", "timeout", "temporary",
		"permanent", "expired", "mailbox", "policy", "servers", "blocked",
		"rate", "size", "exceeded"
	};
	size_t		n = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		size_t		l;

		if (!(s & (1u << i)))
			continue;
		l = strlen(names[i]) + (n > 0);
		if (n + l + 1 > size)
			break;
		if (n > 0)
			buf[n++] = ',';
		memcpy(buf + n, names[i], strlen(names[i]) + 1);
		n += strlen(names[i]);
	}
	return n;
}
