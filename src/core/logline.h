/*
 * logline.h
 *	  MTA log lines (Postfix, Exim, PowerMTA accounting CSV) to recipient
 *	  events: who, what happened, what the remote server said.
 *
 * Pure text reading: no allocation, every field is a span of the line.
 * Times are returned as the text the log wrote (the glue reads it, with
 * the server's date parser); a syslog time without a year is flagged.
 * KumoMTA's JSON records are read by the glue (src/glue/log_line.c) with the
 * server's jsonb functions, not here.
 */
#ifndef REBOUND_CORE_LOGLINE_H
#define REBOUND_CORE_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mime.h"			/* rb_span */

typedef enum rb_log_event
{
	RB_LOG_NONE = 0,			/* not a line of a known format */
	RB_LOG_BOUNCE,
	RB_LOG_DEFERRAL,
	RB_LOG_COMPLAINT,
	RB_LOG_DELIVERY,
	RB_LOG_OTHER
} rb_log_event;

typedef enum rb_log_severity
{
	RB_LOG_SEV_NONE = 0,
	RB_LOG_SEV_HARD,
	RB_LOG_SEV_SOFT
} rb_log_severity;

/* The columns of a PowerMTA accounting file, as its header names them. */
#define RB_PMTA_MAX_FIELDS 64
typedef struct rb_pmta_header
{
	int			nfields;
	int			type, time_logged, rcpt, dsn_action, dsn_status, dsn_diag,
				dsn_mta, bounce_cat, env_id, job_id, header_message_id;
} rb_pmta_header;

typedef struct rb_log_record
{
	const char *format;			/* "postfix", "exim", "powermta" */
	rb_log_event event;
	rb_log_severity source_severity;
	rb_span		time;			/* as written; empty when none */
	bool		time_has_year;	/* false for syslog's "Nov  9 07:30:06" */
	rb_span		queue_id;
	rb_span		recipient;
	rb_span		status;			/* enhanced status code text (dsn=, dsnStatus) */
	rb_span		diagnostic;
	rb_span		remote_mta;
	rb_span		command;		/* "RCPT TO", "end of DATA"... when the log names it */
	rb_span		message_id;
} rb_log_record;

/*
 * Read one line (without its newline).  PowerMTA CSV lines are read with
 * the header given (NULL: PowerMTA's default accounting fields); a header
 * line itself gives RB_LOG_NONE.
 */
extern rb_log_event rb_log_parse(const char *line, size_t len,
								 const rb_pmta_header *pmta, rb_log_record *out);

/* Read a PowerMTA header line ("type,timeLogged,..."); false if it is none. */
extern bool rb_pmta_header_parse(const char *line, size_t len, rb_pmta_header *out);

/* PowerMTA's default accounting record fields (for when no header is given). */
extern const rb_pmta_header *rb_pmta_default_header(void);

/*
 * A PowerMTA CSV field, unquoted into buf (which holds at least span.len
 * bytes); returns the length written.  Quoted fields double their quotes.
 */
extern size_t rb_csv_unquote(rb_span field, char *buf);

#endif							/* REBOUND_CORE_LOGLINE_H */
