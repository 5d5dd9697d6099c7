/*
 * signal.h
 *	  The classifier's second stage: what the words of a diagnostic say
 *	  about the failure, when no phrase of the table matched it.
 *
 * The phrase table knows whole wordings; a new wording of a known failure
 * ("MX records inaccessible", "No SMTP servers were available", "TLS
 * handshake failed") matches none of them.  The words it is made of do
 * generalize: a subject (DNS, a connection, TLS, the mailbox, a policy)
 * and what happened to it (failed, timed out, refused, expired), and
 * whether the attempt is said to be temporary or permanent.  One pass over
 * the text collects these signals; rb_signal_verdict() turns them into a
 * reason by a few fixed rules (README, "Severity and signals").
 */
#ifndef REBOUND_CORE_SIGNAL_H
#define REBOUND_CORE_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "reason.h"

/* What the words of a text are about, and what happened. */
#define RB_SIG_DNS		0x0001	/* DNS, lookup, resolver, MX/NS records */
#define RB_SIG_CONN		0x0002	/* a connection, socket, session, route */
#define RB_SIG_TLS		0x0004	/* TLS, SSL, STARTTLS, handshake, certificate */
#define RB_SIG_FAIL		0x0008	/* failed, error, unable, unavailable, refused */
#define RB_SIG_TIMEOUT	0x0010	/* timed out, timeout, no answer */
#define RB_SIG_TEMP		0x0020	/* temporary, try again, deferred, transient */
#define RB_SIG_PERM		0x0040	/* permanent, gave up, fatal */
#define RB_SIG_EXPIRED	0x0080	/* expired, too long in the queue, retry time */
#define RB_SIG_MAILBOX	0x0100	/* the text talks of a mailbox, user, address */
#define RB_SIG_POLICY	0x0200	/* spam, blocked, policy, reputation, listed */
#define RB_SIG_SERVERS	0x0400	/* the servers of the domain: MX hosts, mail servers */
#define RB_SIG_BLOCK	0x0800	/* the sender is blocked: blocklisted, banned, reputation */
#define RB_SIG_RATE		0x1000	/* a rate: throttled, frequency, daily, "limit exceeded" */
#define RB_SIG_SIZE		0x2000	/* the size of the message: size, bytes */
#define RB_SIG_EXCEED	0x4000	/* exceeded, exceeds, reached */

/* The signals of text[0..len), in one pass. */
extern unsigned rb_signal_scan(const char *text, size_t len);

/*
 * The reason the signals imply, or -1 when they imply none; *infra is set
 * when they say the receiving side's infrastructure failed.
 */
extern int	rb_signal_verdict(unsigned signals, bool *infra);

/* The names of the signals set in signals, comma-separated, into buf. */
extern size_t rb_signal_names(unsigned signals, char *buf, size_t size);

#endif							/* REBOUND_CORE_SIGNAL_H */
