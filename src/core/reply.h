/*
 * reply.h
 *	  Find the SMTP reply code (RFC 5321) and the enhanced status code
 *	  (RFC 3463) in a free-form diagnostic text.
 *
 * Plain C99, no PostgreSQL.  The text is any bytes (not NUL-terminated, not
 * necessarily UTF-8); the scan is one linear pass with no allocation.
 */
#ifndef REBOUND_CORE_REPLY_H
#define REBOUND_CORE_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef struct rb_reply
{
	int			code;			/* 200..559, 0 = none found */
	rb_status	status;			/* 0 = none found */
	bool		paired;			/* the status stood right after the code */
	int			klass;			/* 2, 4 or 5: the class that governs
								 * (see rb_reply_parse), 0 = none */
	int			npaired;		/* code+status pairs seen ("550-5.1.1"),
								 * counted up to 100: two or more mean a
								 * multi-line reply, maybe unfolded */
} rb_reply;

/*
 * Scan text[0..len) for a reply code and a status code.
 *
 * Reply code: three digits, first 2/4/5, second 0-5, standing alone (not
 * part of a longer number, an IP address, a dotted code or a word).  When
 * several stand in the text, the first one followed by a status code
 * ("550 5.1.1", "550-5.1.1") wins; else the first one at the start of the
 * text, of a line or after a prefix such as "smtp;", "said:", "#" or "[";
 * else the first 4xx/5xx one anywhere; 2xx codes only when nothing else.
 *
 * Status: "c.s.d" with c in 2/4/5, s and d one to three digits, standing
 * alone (so "4.16.55.1" and IP addresses are not codes).  The status paired
 * with the chosen reply code wins, else the first 4.x.x/5.x.x, else 2.x.x.
 *
 * Contradictions (reply 4xx with status 5.x.x, or the reverse): the reply
 * code's class governs, because it is what the sending MTA acted on (RFC
 * 5321 section 4.2.1: it retried on 4xx, gave up on 5xx); the status is
 * reported as written.  klass holds the class that governs.
 */
extern void rb_reply_parse(const char *text, size_t len, rb_reply *out);

#endif							/* REBOUND_CORE_REPLY_H */
