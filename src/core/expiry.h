/*
 * expiry.h
 *	  Reports of mail that expired in the sender's queue: whether a
 *	  diagnostic says the message expired or the sender gave up after
 *	  retrying, and the last error it carries inside (its kind, the host
 *	  and the address it names).
 *
 * An outage goes on producing hard bounces after it ends: mail queued
 * during it expires hours or days later, stamped with that later time, and
 * its text carries the last error it met ("connect to mx1.mail.ovh.net
 * [213.186.33.29]:25: Connection timed out").  The incident's tail (the
 * SQL of src/sql/code/ledger.sql) forgives those bounces when that last
 * error implicates the incident's provider; this scanner reads the text.
 *
 * Plain C99, no PostgreSQL, no allocation; linear in the text (each cue is
 * searched once from each position, the host scan is one pass).
 */
#ifndef REBOUND_CORE_EXPIRY_H
#define REBOUND_CORE_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/detect.h"

/* The longest host name a report can name (RFC 1035, 2.3.4). */
#define RB_EXPIRY_HOST_MAX 253

typedef struct rb_expiry
{
	bool		expired;		/* the text says the message expired or the
								 * sender gave up */
	rb_failure_kind kind;		/* the last error's kind (core/detect.h),
								 * read with the expiry wording left out */
	/* the first host name the text names outside a mail address, or none */
	const char *host;			/* points into the text; not terminated */
	size_t		host_len;		/* 0 = none */
	/* the first IPv4 address it names, as text, or none */
	const char *addr;
	size_t		addr_len;		/* 0 = none */
} rb_expiry;

/*
 * Read a diagnostic (any bytes, len bytes; NULL or empty reads as
 * nothing).  Always fills *out.  Returns out->expired.
 */
extern bool rb_expiry_scan(const char *text, size_t len, rb_expiry *out);

#endif							/* REBOUND_CORE_EXPIRY_H */
