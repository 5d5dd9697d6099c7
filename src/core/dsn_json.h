/*
 * dsn_json.h
 *	  Event notifications of e-mail services (Amazon SES through SNS,
 *	  SendGrid and Mailjet webhooks) mailed as JSON: each service names its
 *	  fields differently; the reading is shared.
 */
#ifndef REBOUND_CORE_DSN_JSON_H
#define REBOUND_CORE_DSN_JSON_H

#include "dsn_int.h"

typedef struct rb_json_names
{
	const char *address;		/* the key that starts each recipient object */
	const char *action;			/* or NULL */
	const char *status;
	const char *diagnostic;
	const char *diagnostic2;	/* a second choice, or NULL */
	const char *remote;			/* a key anywhere in the document, or NULL */
	const char *event_key;		/* recipients count only if this key ... */
	const char *const *events;	/* ... has one of these values (NULL-ended) */
} rb_json_names;

/* Rows for every recipient object of the JSON document in text. */
extern int	rb_json_recipients(rb_dsn_ctx *ctx, rb_span text,
							   const rb_json_names *names);

#endif							/* REBOUND_CORE_DSN_JSON_H */
