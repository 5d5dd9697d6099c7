/*
 * event.h
 *	  Recipient events (src/glue/event.c) shared with the log-line reader
 *	  (src/glue/log_line.c): one row of parse_event() or parse_log_line().
 */
#ifndef REBOUND_EVENT_H
#define REBOUND_EVENT_H

#include "postgres.h"
#include "fmgr.h"
#include "funcapi.h"
#include "datatype/timestamp.h"

typedef enum rb_event_severity
{
	RB_EVENT_SEV_NONE = -1,
	RB_EVENT_SEV_HARD = 0,
	RB_EVENT_SEV_SOFT,
	RB_EVENT_SEV_UNDETERMINED
} rb_event_severity;

/* One recipient event, as the payload or the log line says it. */
typedef struct rb_event
{
	const char *esp;			/* the format: "sendgrid", "postfix"... */
	const char *event;			/* bounce, deferral, complaint, delivery, other */
	char	   *recipient;
	bool		has_at;
	TimestampTz at;
	char	   *status;			/* enhanced status code, as text */
	int			code;			/* SMTP reply code, 0 = none */
	char	   *diagnostic;
	char	   *remote_mta;
	char	   *command;		/* the SMTP command the reply answered, or NULL */
	rb_event_severity source_severity;
	char	   *message_id;
	char	   *queue_id;		/* log lines only */
} rb_event;

/*
 * Emit the rows of a set-returning call: events classified, in the
 * columns of parse_event (with_queue_id: plus parse_log_line's queue_id).
 */
typedef struct rb_event_sink rb_event_sink;
extern rb_event_sink *rb_event_sink_begin(FunctionCallInfo fcinfo, bool with_queue_id);
extern void rb_event_put(rb_event_sink *sink, rb_event *e);
extern void rb_event_sink_end(rb_event_sink *sink);

/* The events of a JSON log record (KumoMTA) given as text; none if not JSON. */
extern void rb_event_json_line(rb_event_sink *sink, const char *line, size_t len);

/* A time as text, read softly: false when it is no time. */
extern bool rb_event_time_text(const char *s, TimestampTz *out);

#endif							/* REBOUND_EVENT_H */
