/*
 * dsn.h
 *	  Reading bounce mails: RFC 3464 delivery status notifications, RFC 6533
 *	  global ones, the plain-text reports of common MTAs and mail services,
 *	  complaint reports (ARF, RFC 5965) and auto-replies (RFC 3834).
 *
 * Plain C99 over mime.h: no PostgreSQL here.  The result is one entry per
 * recipient the report says failed (or was delayed), with what the report
 * says about it; classification (reason, severity) is the caller's job.
 */
#ifndef REBOUND_CORE_DSN_H
#define REBOUND_CORE_DSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "mime.h"
#include "status.h"

typedef enum rb_dsn_kind
{
	RB_DSN_NONE = 0,			/* not a report of any kind */
	RB_DSN_BOUNCE,				/* delivery failed or was delayed */
	RB_DSN_FEEDBACK,			/* a complaint (ARF) */
	RB_DSN_VACATION				/* an auto-reply */
} rb_dsn_kind;

typedef struct rb_dsn_recipient
{
	rb_span		recipient;		/* the address, UTF-8 */
	rb_span		action;			/* "failed", "delayed" … lower case; may be empty */
	rb_status	status;			/* 0 when none */
	int			reply_code;		/* SMTP reply code, 0 when none */
	rb_span		diagnostic;		/* what the remote side or the MTA said */
	rb_span		remote_mta;		/* host name or address */
	rb_span		last_attempt;	/* Last-Attempt-Date as written */
	const char *command;		/* SMTP command the reply answered ("RCPT",
								 * "DATA", "MAIL", "HELO") or NULL */
} rb_dsn_recipient;

typedef struct rb_dsn_result
{
	rb_dsn_kind kind;
	const char *format;			/* "rfc3464", "qmail", … (a static string) */
	rb_span		orig_headers;	/* the returned message's header block, raw */
	rb_span		sender;			/* the bounce's To: (a VERP return path, maybe) */
	rb_dsn_recipient *rcpt;
	size_t		nrcpt;
	size_t		cap;
	/* private: a hash of the addresses, so that no mail costs n² look-ups */
	uint32_t   *slots;			/* row index + 1, 0 = empty */
	size_t		nslots;			/* a power of two, or 0 */
} rb_dsn_result;

typedef enum rb_dsn_error
{
	RB_DSN_OK = 0,
	RB_DSN_NOT_A_MESSAGE,		/* no header field at all: not a mail */
	RB_DSN_TOO_COMPLEX,			/* the arena's ceiling was reached */
	RB_DSN_INTERRUPTED			/* the caller's stop function said stop */
} rb_dsn_error;

typedef struct rb_dsn_options
{
	bool		raw_is_utf8;	/* see rb_mime_decode_text() */

	/*
	 * Asked every RB_POLL_EVERY units of work (about bytes read) whether to
	 * stop; NULL: never.  It must return, not jump out (see poll.h).
	 */
	rb_stop_fn	stop;
	void	   *stop_arg;
} rb_dsn_options;

/*
 * The arena ceiling that a message of len bytes can never reach: every
 * buffer the reader makes is bounded by a small multiple of the input.
 */
extern size_t rb_dsn_arena_limit(size_t len);

extern rb_dsn_error rb_dsn_parse(rb_arena *a, const char *msg, size_t len,
								 const rb_dsn_options *opt,
								 rb_dsn_result *out);

#endif							/* REBOUND_CORE_DSN_H */
