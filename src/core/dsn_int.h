/*
 * dsn_int.h
 *	  What the DSN reader's modules share: the parse context, the toolkit for
 *	  plain-text reports (dsn_text.c) and the module table (dsn.c).
 *
 * One module per report format (dsn_<format>.c).  A module looks at the
 * structure of a message (its sender, subject, the sentences its MTA always
 * writes) and, when the message is its own, adds recipients with the
 * toolkit.  It never copies another module's code: what two formats share
 * belongs in the toolkit.
 */
#ifndef REBOUND_CORE_DSN_INT_H
#define REBOUND_CORE_DSN_INT_H

#include "dsn.h"

typedef struct rb_dsn_ctx
{
	rb_arena   *a;
	const rb_dsn_options *opt;
	rb_dsn_result *out;
	rb_message	msg;
	rb_span		headers;		/* the message's own header block */
	rb_span		subject;		/* decoded, UTF-8 */
	rb_span		from;			/* raw From value */
	rb_span		text;			/* the human-readable report, UTF-8 */
	rb_span		orig_headers;	/* headers of the returned message */
	rb_span		sender;			/* the bounce's To: who sent the original */
	/* fields of the message's header read in one pass (empty if absent) */
	rb_span		failed_recipients;	/* X-Failed-Recipients (Exim) */
	rb_span		return_path;
	rb_span		auto_submitted;
	rb_span		precedence;
	bool		autoreply_header;	/* X-Autoreply, X-Autorespond ... */
	bool		is_reply;		/* In-Reply-To: a person answering */
	bool		bounce_received;	/* a Received: "(qmail ... invoked for bounce)" */
	bool		from_daemon;	/* From is a mailer daemon or postmaster */
	int			delayed;		/* recipients a report said were delayed */
	/* the bounce's From and Return-Path, the returned message's From,
	 * Sender, Return-Path, Reply-To (dsn.c) */
#define RB_DSN_MAX_SENDERS 16
	rb_span		senders[RB_DSN_MAX_SENDERS];
	int			nsenders;		/* -1: not read yet */
	int			suspects;		/* rows checked against the headers */
} rb_dsn_ctx;

typedef struct rb_dsn_module
{
	const char *name;
	/* Adds the recipients of a message in this format; false: not ours. */
	bool		(*parse) (rb_dsn_ctx *ctx);
	/* its addresses come from prose, not from fields: rows are checked */
	bool		prose;
} rb_dsn_module;

/* ---- the modules (dsn_<name>.c) ---- */
extern bool rb_dsn_rfc3464(rb_dsn_ctx *ctx);
extern bool rb_dsn_arf(rb_dsn_ctx *ctx);
extern bool rb_dsn_autoreply(rb_dsn_ctx *ctx);
extern bool rb_dsn_amazonses(rb_dsn_ctx *ctx);
extern bool rb_dsn_sendgrid(rb_dsn_ctx *ctx);
extern bool rb_dsn_mailjet(rb_dsn_ctx *ctx);
extern bool rb_dsn_qmail(rb_dsn_ctx *ctx);
extern bool rb_dsn_einsundeins(rb_dsn_ctx *ctx);
extern bool rb_dsn_exim(rb_dsn_ctx *ctx);
extern bool rb_dsn_postfix(rb_dsn_ctx *ctx);
extern bool rb_dsn_sendmail(rb_dsn_ctx *ctx);
extern bool rb_dsn_exchange(rb_dsn_ctx *ctx);
extern bool rb_dsn_gmail(rb_dsn_ctx *ctx);
extern bool rb_dsn_yahoo(rb_dsn_ctx *ctx);
extern bool rb_dsn_orange(rb_dsn_ctx *ctx);
extern bool rb_dsn_notes(rb_dsn_ctx *ctx);
extern bool rb_dsn_interscan(rb_dsn_ctx *ctx);
extern bool rb_dsn_ezweb(rb_dsn_ctx *ctx);
extern bool rb_dsn_fml(rb_dsn_ctx *ctx);
extern bool rb_dsn_mailmarshal(rb_dsn_ctx *ctx);
extern bool rb_dsn_generic(rb_dsn_ctx *ctx);

/* ---- toolkit: lines and text ---- */

/* The next line of *rest (without its line break); false at the end. */
extern bool rb_next_line(rb_span *rest, rb_span *line);

extern bool rb_blank(rb_span line);

/* Does text contain lit (case-insensitive)? */
extern bool rb_contains(rb_span text, const char *lit);

/* The text from the first occurrence of lit (or empty). */
extern rb_span rb_after(rb_span text, const char *lit);

/* The text before the first line that starts the returned message. */
extern rb_span rb_cut_original(rb_span text, rb_span *rest);

/* Lines joined with single spaces, trimmed (arena copy when needed). */
extern rb_span rb_squeeze(rb_dsn_ctx *ctx, rb_span text);

/*
 * A multi-line SMTP reply as one sentence: squeezed, and the code that
 * starts each continuation line ("550-5.7.1 ") kept only once.
 */
extern rb_span rb_join_reply(rb_dsn_ctx *ctx, rb_span text);

/* The paragraph that carries an SMTP reply or status code, else all text. */
extern rb_span rb_telling_paragraph(rb_dsn_ctx *ctx, rb_span text);

/* ---- toolkit: things found in text ---- */

/* The first address in s ("<a@b>" preferred, else a bare a@b.c). */
extern bool rb_find_address(rb_span s, rb_span *addr);

/* The next address in *rest, in order; *rest moves past it. */
extern bool rb_next_address(rb_span *rest, rb_span *addr);

/* s (trimmed) is an address and nothing else but ":" or "<>". */
extern bool rb_is_address_line(rb_span line, rb_span *addr, rb_span *rest);

/* SMTP reply code at the start of s, or after "said:" … ; 0 if none. */
extern int	rb_find_reply_code(rb_span s);

/* The first enhanced status code in s ("5.1.1", "#5.1.1"); 0 if none. */
extern rb_status rb_find_status(rb_span s);

/* The SMTP command a reply answered, as the text says it, or NULL. */
extern const char *rb_find_command(rb_span s);

/* A host name or address the text says it talked to; empty if none. */
extern bool rb_find_remote_host(rb_span s, rb_span *host);

/* ---- toolkit: results ---- */

/* A new recipient row (addresses are trimmed of <> and blanks). */
extern rb_dsn_recipient *rb_add_recipient(rb_dsn_ctx *ctx, rb_span addr);

/* An address trimmed of <>, quotes and trailing punctuation. */
extern rb_span rb_clean_address(rb_span a);

/*
 * s is one plain address (local@domain, no blanks), not a program or file
 * delivery ("|/usr/bin/prog", "/var/mail/x") nor a bare local part.
 */
extern bool rb_plain_address(rb_span s);

/* The address is the bounce's own (its receiver, a mailer daemon). */
extern bool rb_own_address(rb_dsn_ctx *ctx, rb_span addr);

/* Put row i of res in its address index; grows it past half full. */
extern bool rb_index_row(rb_arena *arena, rb_dsn_result *res, size_t i);

/* The address index built again (after rows were removed). */
extern bool rb_reindex(rb_arena *arena, rb_dsn_result *res);

/* The row of an address already added, or NULL. */
extern rb_dsn_recipient *rb_find_recipient(rb_dsn_ctx *ctx, rb_span addr);

/* The same in any result (case-insensitive, constant time). */
extern rb_dsn_recipient *rb_result_find(rb_dsn_result *res, rb_span addr);

/* Fill reply code, status, remote host from the diagnostic where unset. */
extern void rb_complete_recipient(rb_dsn_recipient *r);

/*
 * The common plain-text layout: a line that names a recipient (alone, in
 * angle brackets, or followed by ':'), then what happened to it, up to a
 * blank line or the next recipient.  Adds one row per recipient found and
 * returns how many.  If also_next_paragraph, an address alone in its
 * paragraph takes the next paragraph as its diagnostic.
 */
extern int	rb_scan_recipient_blocks(rb_dsn_ctx *ctx, rb_span text,
									 bool also_next_paragraph);

/*
 * The layout of Notes and au/ezweb: the reason first, then the address it
 * applies to, alone on its line; the paragraph nearest the address is its
 * reason.  Reading stops at a dashed line containing stop_marker (may be
 * NULL).  Returns how many rows were added.
 */
extern int	rb_scan_reason_first(rb_dsn_ctx *ctx, rb_span text,
								 const char *stop_marker);

/* A JSON string value of "key" in text, after from (simple, no nesting). */
extern bool rb_json_string(rb_span text, const char *key, rb_span *value);

/* The recipient of the returned message (its To), when there is one. */
extern bool rb_original_recipient(rb_dsn_ctx *ctx, rb_span *addr);

/* Does the message come from a mailer daemon or say it is a bounce? */
extern bool rb_looks_like_bounce(rb_dsn_ctx *ctx);

#endif							/* REBOUND_CORE_DSN_INT_H */
