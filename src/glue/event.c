/*
 * event.c
 *	  rebound.parse_event(jsonb): the bounces, deferrals, complaints and
 *	  deliveries an ESP's webhook payload reports, one row per recipient,
 *	  each classified by rebound.
 *
 * The payload is read with PostgreSQL's own jsonb accessors: a webhook body
 * is already jsonb by the time it reaches us (the caller's cast or column
 * type validated it), so nothing here scans JSON text, except the two
 * places where a format nests a JSON document inside a string (the SNS
 * envelope's Message, a Mandrill form field), which go through the
 * server's JSON parser, checked first so that a broken one is skipped.
 *
 * Each format is recognized by keys that only it uses (README, "Webhook
 * tables"); a document no format claims gives no rows.  Arrays and
 * envelopes are walked to a small depth: an ESP batches events, none nests
 * batches.
 *
 * What the ESP says is kept apart from what rebound concludes:
 * source_severity is the ESP's verdict; reason, severity and
 * infrastructure come from the same classifier as every other flow
 * (rb_classify_with_rules), given the diagnostic, status and reply code
 * the payload carries.
 */
#include "rebound.h"
#include "classify.h"
#include "event.h"

#include <ctype.h>
#include <math.h>

#include "common/jsonapi.h"
#include "core/status.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define PARSE_EVENT_NATTS 13

/* How deep arrays and envelopes are followed. */
#define MAX_DEPTH 4

typedef rb_event ev;

#define EV_SEV_NONE RB_EVENT_SEV_NONE
#define EV_SEV_HARD RB_EVENT_SEV_HARD
#define EV_SEV_SOFT RB_EVENT_SEV_SOFT
#define EV_SEV_UNDETERMINED RB_EVENT_SEV_UNDETERMINED
typedef rb_event_severity ev_severity;

struct rb_event_sink
{
	ReturnSetInfo *rsinfo;
	MemoryContext row_cxt;		/* reset after each element of a batch */
	MemoryContext caller;
	bool		queue_col;		/* parse_log_line's queue_id column */
	int64		rows;
};
typedef struct rb_event_sink ev_out;

typedef JsonbContainer JC;

/* ------------------------------------------------------------------------
 * Reading jsonb
 * ------------------------------------------------------------------------ */

static bool
jfind(JC *c, const char *key, JsonbValue *out)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return false;
	return getKeyJsonValueFromContainer(c, key, strlen(key), out) != NULL;
}

/* A nested object or array. */
static JC *
jcont(JC *c, const char *key)
{
	JsonbValue	v;

	if (jfind(c, key, &v) && v.type == jbvBinary)
		return v.val.binary.data;
	return NULL;
}

static JC *
jobject(JC *c, const char *key)
{
	JC		   *r = jcont(c, key);

	return r && JsonContainerIsObject(r) ? r : NULL;
}

static JC *
jarray(JC *c, const char *key)
{
	JC		   *r = jcont(c, key);

	return r && JsonContainerIsArray(r) ? r : NULL;
}

/* A scalar as text: strings as they are, numbers and booleans written. */
static char *
scalar_text(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			if (v->val.string.len == 0)
				return NULL;
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			return NULL;
	}
}

static char *
jstr(JC *c, const char *key)
{
	JsonbValue	v;

	return jfind(c, key, &v) ? scalar_text(&v) : NULL;
}

static bool
jhas(JC *c, const char *key)
{
	JsonbValue	v;

	return jfind(c, key, &v);
}

/* A number, or a string holding one ("1454442600"). */
static bool
jnum(JC *c, const char *key, double *out)
{
	JsonbValue	v;
	char	   *end;

	if (!jfind(c, key, &v))
		return false;
	if (v.type == jbvNumeric)
	{
		*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												  NumericGetDatum(v.val.numeric)));
		return !isnan(*out) && !isinf(*out);
	}
	if (v.type == jbvString && v.val.string.len > 0 && v.val.string.len < 40)
	{
		char	   *s = pnstrdup(v.val.string.val, v.val.string.len);

		*out = strtod(s, &end);
		return end != s && *end == '\0' && !isnan(*out) && !isinf(*out);
	}
	return false;
}

static bool
jbool(JC *c, const char *key, bool *out)
{
	JsonbValue	v;

	if (!jfind(c, key, &v) || v.type != jbvBool)
		return false;
	*out = v.val.boolean;
	return true;
}

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && pg_strcasecmp(a, b) == 0;
}

static bool
str_prefix(const char *s, const char *prefix)
{
	return s != NULL && pg_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * A JSON document carried in a string: jsonb, or NULL when the string does
 * not hold valid JSON (checked with the server's parser first, which
 * reports rather than throws, so that one broken envelope is no error).
 */
static JC *
nested_document(const JsonbValue *v)
{
	JsonLexContext *lex;
	char	   *s;
	Jsonb	   *jb;

	if (v->type != jbvString || v->val.string.len == 0)
		return NULL;
	s = pnstrdup(v->val.string.val, v->val.string.len);
#if PG_VERSION_NUM >= 170000
	lex = makeJsonLexContextCstringLen(NULL, s, v->val.string.len, GetDatabaseEncoding(), false);
#else
	lex = makeJsonLexContextCstringLen(s, v->val.string.len, GetDatabaseEncoding(), false);
#endif
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		return NULL;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s)));
	return &jb->root;
}

/* ------------------------------------------------------------------------
 * Times
 * ------------------------------------------------------------------------ */

/*
 * A time written as text (ISO 8601 mostly), read as timestamptz_in reads
 * it, but a string it cannot read leaves the event without a time instead
 * of failing the whole payload.
 */
static bool
time_from_text(const char *s, TimestampTz *out)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	struct pg_tm tt;
	fsec_t		fsec;
	int			tz;

	if (s == NULL || strlen(s) >= MAXDATELEN)
		return false;
	if (ParseDateTime(s, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf) != 0)
		return false;
#if PG_VERSION_NUM >= 160000
	{
		DateTimeErrorExtra extra;

		if (DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, &tz, &extra) != 0)
			return false;
	}
#else
	if (DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, &tz) != 0)
		return false;
#endif
	if (dtype != DTK_DATE)
		return false;
	return tm2timestamp(&tt, fsec, &tz, out) == 0 && IS_VALID_TIMESTAMP(*out);
}

/*
 * Seconds since 1970 (a float for Mailgun's fractions).  A value past the
 * year 5000 is taken as milliseconds, which some ESPs send.
 */
static bool
time_from_epoch(double secs, TimestampTz *out)
{
	double		usecs;

	if (secs > 1e11)
		secs /= 1000.0;
	if (secs < 0 || secs > 1e11)
		return false;
	usecs = (secs - ((double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)) * USECS_PER_SEC;
	*out = (TimestampTz) rint(usecs);
	return IS_VALID_TIMESTAMP(*out);
}

/* The event's time from a key holding a number, a numeric string or text. */
static void
set_time(ev *e, JC *c, const char *key)
{
	double		secs;
	char	   *s;

	if (e->has_at || c == NULL)
		return;
	if (jnum(c, key, &secs))
		e->has_at = time_from_epoch(secs, &e->at);
	else if ((s = jstr(c, key)) != NULL)
		e->has_at = time_from_text(s, &e->at);
}

static void
set_code(ev *e, JC *c, const char *key)
{
	double		n;

	if (jnum(c, key, &n) && n >= 200 && n < 600)
		e->code = (int) n;
}

/* ------------------------------------------------------------------------
 * Rows
 * ------------------------------------------------------------------------ */

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = s == NULL;
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static void
emit(ev_out *out, ev *e)
{
	Datum		values[PARSE_EVENT_NATTS + 1];
	bool		nulls[PARSE_EVENT_NATTS + 1];
	rb_status	st = 0;
	rb_verdict	v;
	bool		classified = false;

	CHECK_FOR_INTERRUPTS();
	memset(nulls, 0, sizeof(nulls));
	if (e->status)
		(void) rb_status_parse(e->status, strlen(e->status), &st);

	/*
	 * Failures are classified from what the payload says of them; a
	 * complaint or a delivery is what it is, whatever its text.
	 */
	if (strcmp(e->event, "bounce") == 0 || strcmp(e->event, "deferral") == 0)
	{
		rb_classify_input in;

		memset(&in, 0, sizeof(in));
		in.text = e->diagnostic;
		in.len = e->diagnostic ? strlen(e->diagnostic) : 0;
		in.reply_code = e->code;
		in.status = st;
		in.rhost = e->remote_mta;
		in.rhost_len = e->remote_mta ? strlen(e->remote_mta) : 0;
		in.smtp_command = e->command;
		in.smtp_command_len = e->command ? strlen(e->command) : 0;
		rb_classify_with_rules(&in, &v);
		classified = true;
	}
	else if (strcmp(e->event, "complaint") == 0 || strcmp(e->event, "delivery") == 0)
	{
		memset(&v, 0, sizeof(v));
		v.reason = e->event[0] == 'c' ? RB_REASON_FEEDBACK : RB_REASON_DELIVERED;
		v.severity = RB_SEVERITY_UNDETERMINED;
		v.infrastructure = false;
		classified = true;
	}

	values[0] = text_or_null(e->recipient, &nulls[0]);
	values[1] = TimestampTzGetDatum(e->at);
	nulls[1] = !e->has_at;
	values[2] = CStringGetTextDatum(e->event);
	if (st == 0 && classified)
		st = v.status;
	values[3] = UInt32GetDatum(st);
	nulls[3] = st == 0;
	if (e->code == 0 && classified)
		e->code = v.reply_code;
	values[4] = Int32GetDatum(e->code);
	nulls[4] = e->code == 0;
	values[5] = text_or_null(e->diagnostic, &nulls[5]);
	values[6] = text_or_null(e->remote_mta, &nulls[6]);
	nulls[7] = e->source_severity == EV_SEV_NONE;
	if (!nulls[7])
		values[7] = rb_severity_datum(e->source_severity == EV_SEV_HARD ? RB_SEVERITY_HARD :
									  e->source_severity == EV_SEV_SOFT ? RB_SEVERITY_SOFT :
									  RB_SEVERITY_UNDETERMINED);
	nulls[8] = nulls[9] = nulls[10] = !classified;
	if (classified)
	{
		values[8] = rb_reason_datum(v.reason);
		values[9] = rb_severity_datum(v.severity);
		values[10] = BoolGetDatum(v.infrastructure);
	}
	values[11] = text_or_null(e->message_id, &nulls[11]);
	values[12] = CStringGetTextDatum(e->esp);
	if (out->queue_col)
		values[13] = text_or_null(e->queue_id, &nulls[13]);
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
	out->rows++;
}

static void
ev_init(ev *e, const char *esp, const char *event)
{
	memset(e, 0, sizeof(*e));
	e->esp = esp;
	e->event = event;
	e->source_severity = EV_SEV_NONE;
}

/* ------------------------------------------------------------------------
 * Amazon SES: SNS notifications (notificationType) and event publishing
 * (eventType); bounce, complaint, delivery and delivery delay objects.
 * ------------------------------------------------------------------------ */

/* The original message's Message-ID: from its headers, else SES's id. */
static char *
ses_message_id(JC *mail)
{
	JC		   *common = jobject(mail, "commonHeaders");
	JC		   *headers = jarray(mail, "headers");
	char	   *id = jstr(common, "messageId");

	if (id == NULL && headers != NULL)
	{
		uint32		n = JsonContainerSize(headers);

		for (uint32 i = 0; i < n && id == NULL; i++)
		{
			JsonbValue *h = getIthJsonbValueFromContainer(headers, i);

			if (h && h->type == jbvBinary && str_eq(jstr(h->val.binary.data, "name"), "Message-ID"))
				id = jstr(h->val.binary.data, "value");
		}
	}
	return id ? id : jstr(mail, "messageId");
}

/* Each element of an array of recipients: objects with emailAddress, or strings. */
static void
ses_recipients(ev_out *out, const ev *proto, JC *list, bool with_details)
{
	uint32		n = list ? JsonContainerSize(list) : 0;

	for (uint32 i = 0; i < n; i++)
	{
		JsonbValue *r = getIthJsonbValueFromContainer(list, i);
		ev			e = *proto;

		if (r == NULL)
			continue;
		if (r->type == jbvBinary && JsonContainerIsObject(r->val.binary.data))
		{
			JC		   *rc = r->val.binary.data;

			e.recipient = jstr(rc, "emailAddress");
			if (with_details)
			{
				e.status = jstr(rc, "status");
				e.diagnostic = jstr(rc, "diagnosticCode");
			}
		}
		else
			e.recipient = scalar_text(r);
		emit(out, &e);
	}
}

static bool
ses(ev_out *out, JC *c)
{
	char	   *type = jstr(c, "notificationType");
	JC		   *mail = jobject(c, "mail");
	JC		   *o;
	ev			e;

	if (type == NULL)
		type = jstr(c, "eventType");
	if (type == NULL || mail == NULL)
		return false;
	ev_init(&e, "amazonses", "other");
	e.message_id = ses_message_id(mail);

	if (str_eq(type, "Bounce") && (o = jobject(c, "bounce")) != NULL)
	{
		char	   *bt = jstr(o, "bounceType");

		e.event = "bounce";
		e.source_severity = str_eq(bt, "Permanent") ? EV_SEV_HARD :
			str_eq(bt, "Transient") ? EV_SEV_SOFT :
			str_eq(bt, "Undetermined") ? EV_SEV_UNDETERMINED : EV_SEV_NONE;
		e.remote_mta = jstr(o, "remoteMtaIp");
		set_time(&e, o, "timestamp");
		ses_recipients(out, &e, jarray(o, "bouncedRecipients"), true);
	}
	else if (str_eq(type, "Complaint") && (o = jobject(c, "complaint")) != NULL)
	{
		e.event = "complaint";
		e.diagnostic = jstr(o, "complaintFeedbackType");
		set_time(&e, o, "timestamp");
		ses_recipients(out, &e, jarray(o, "complainedRecipients"), false);
	}
	else if (str_eq(type, "Delivery") && (o = jobject(c, "delivery")) != NULL)
	{
		e.event = "delivery";
		e.diagnostic = jstr(o, "smtpResponse");
		e.remote_mta = jstr(o, "remoteMtaIp");
		set_time(&e, o, "timestamp");
		ses_recipients(out, &e, jarray(o, "recipients"), false);
	}
	else if (str_eq(type, "DeliveryDelay") && (o = jobject(c, "deliveryDelay")) != NULL)
	{
		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
		e.remote_mta = jstr(o, "reportingMTA");
		set_time(&e, o, "timestamp");
		ses_recipients(out, &e, jarray(o, "delayedRecipients"), true);
	}
	else
	{
		/* send, open, click, reject...: one row per destination */
		set_time(&e, mail, "timestamp");
		ses_recipients(out, &e, jarray(mail, "destination"), false);
	}
	return true;
}

/* ------------------------------------------------------------------------
 * SendGrid event webhook (arrays of flat events)
 * ------------------------------------------------------------------------ */

static bool
sendgrid(ev_out *out, JC *c)
{
	char	   *event = jstr(c, "event");
	ev			e;

	if (event == NULL || !(jhas(c, "sg_event_id") || jhas(c, "sg_message_id") || jhas(c, "smtp-id")))
		return false;
	ev_init(&e, "sendgrid", "other");
	e.recipient = jstr(c, "email");
	set_time(&e, c, "timestamp");
	e.message_id = jstr(c, "smtp-id");
	if (e.message_id == NULL)
		e.message_id = jstr(c, "sg_message_id");
	if (str_eq(event, "bounce"))
	{
		e.event = "bounce";
		e.source_severity = str_eq(jstr(c, "type"), "blocked") ? EV_SEV_SOFT : EV_SEV_HARD;
		e.diagnostic = jstr(c, "reason");
		e.status = jstr(c, "status");
	}
	else if (str_eq(event, "deferred"))
	{
		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
		e.diagnostic = jstr(c, "response");
	}
	else if (str_eq(event, "delivered"))
	{
		e.event = "delivery";
		e.diagnostic = jstr(c, "response");
	}
	else if (str_eq(event, "spamreport"))
		e.event = "complaint";
	else
		e.diagnostic = jstr(c, "reason");	/* dropped says why */
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Mailgun: the webhook body ({signature, event-data}) or the event alone
 * ------------------------------------------------------------------------ */

static bool
mailgun_event(ev_out *out, JC *c)
{
	char	   *event = jstr(c, "event");
	JC		   *ds = jobject(c, "delivery-status");
	JC		   *headers = jobject(jobject(c, "message"), "headers");
	char	   *severity = jstr(c, "severity");
	ev			e;

	if (event == NULL)
		return false;
	ev_init(&e, "mailgun", "other");
	e.recipient = jstr(c, "recipient");
	set_time(&e, c, "timestamp");
	e.message_id = jstr(headers, "message-id");
	if (ds)
	{
		e.diagnostic = jstr(ds, "message");
		if (e.diagnostic == NULL)
			e.diagnostic = jstr(ds, "description");
		set_code(&e, ds, "code");
		e.status = jstr(ds, "enhanced-code");
		e.remote_mta = jstr(ds, "mx-host");
	}
	if (str_eq(event, "failed"))
	{
		bool		temporary = str_eq(severity, "temporary");

		e.event = temporary ? "deferral" : "bounce";
		e.source_severity = temporary ? EV_SEV_SOFT :
			str_eq(severity, "permanent") ? EV_SEV_HARD : EV_SEV_NONE;
		if (e.diagnostic == NULL)
			e.diagnostic = jstr(c, "reason");
	}
	else if (str_eq(event, "delivered"))
		e.event = "delivery";
	else if (str_eq(event, "complained"))
		e.event = "complaint";
	emit(out, &e);
	return true;
}

/* A bare Mailgun event: its own key set (recipient, log-level or delivery-status). */
static bool
mailgun_bare(ev_out *out, JC *c)
{
	if (!jhas(c, "event") || !jhas(c, "recipient") ||
		!(jhas(c, "log-level") || jhas(c, "delivery-status") || jhas(c, "envelope")))
		return false;
	return mailgun_event(out, c);
}

/* ------------------------------------------------------------------------
 * Postmark (RecordType)
 * ------------------------------------------------------------------------ */

static bool
postmark(ev_out *out, JC *c)
{
	char	   *record = jstr(c, "RecordType");
	char	   *type = jstr(c, "Type");
	ev			e;

	if (record == NULL)
		return false;
	ev_init(&e, "postmark", "other");
	e.message_id = jstr(c, "MessageID");
	e.recipient = jstr(c, "Email");
	if (e.recipient == NULL)
		e.recipient = jstr(c, "Recipient");
	if (str_eq(record, "Bounce"))
	{
		e.event = str_eq(type, "Transient") ? "deferral" :
			str_eq(type, "SpamComplaint") ? "complaint" :
			(str_eq(type, "AutoResponder") || str_eq(type, "OpenRelayTest") ||
			 str_eq(type, "SubscribeRequest") || str_eq(type, "Unsubscribe")) ? "other" : "bounce";
		e.source_severity = str_eq(type, "HardBounce") ? EV_SEV_HARD :
			(str_eq(type, "SoftBounce") || str_eq(type, "Transient") ||
			 str_eq(type, "DnsError")) ? EV_SEV_SOFT : EV_SEV_NONE;
		e.diagnostic = jstr(c, "Details");
		if (e.diagnostic == NULL || str_eq(e.diagnostic, "smtp;"))
			e.diagnostic = jstr(c, "Description");
		set_time(&e, c, "BouncedAt");
	}
	else if (str_eq(record, "SpamComplaint"))
	{
		e.event = "complaint";
		set_time(&e, c, "BouncedAt");
	}
	else if (str_eq(record, "Delivery"))
	{
		e.event = "delivery";
		e.diagnostic = jstr(c, "Details");
		set_time(&e, c, "DeliveredAt");
	}
	else
	{
		set_time(&e, c, "ReceivedAt");
		set_time(&e, c, "ChangedAt");
	}
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * SparkPost ({"msys": {"message_event": {...}}})
 * ------------------------------------------------------------------------ */

/* SparkPost's bounce classes: 10, 30, 90 are hard; 20-24, 40, 60, 70, 100 soft. */
static ev_severity
sparkpost_class(JC *c)
{
	double		k;

	if (!jnum(c, "bounce_class", &k))
		return EV_SEV_NONE;
	if (k == 10 || k == 30 || k == 90)
		return EV_SEV_HARD;
	if ((k >= 20 && k <= 24) || k == 40 || k == 60 || k == 70 || k == 100)
		return EV_SEV_SOFT;
	return EV_SEV_UNDETERMINED;
}

static bool
sparkpost(ev_out *out, JC *c)
{
	JC		   *msys = jobject(c, "msys");
	JC		   *m = NULL;
	char	   *type;
	ev			e;
	static const char *const groups[] = {"message_event", "track_event", "gen_event",
	"unsubscribe_event", "relay_event", "ab_test_event", "ingest_event"};

	if (msys == NULL)
		return false;
	for (int i = 0; i < lengthof(groups) && m == NULL; i++)
		m = jobject(msys, groups[i]);
	if (m == NULL)
		return true;			/* claimed: an msys document with nothing for us */
	type = jstr(m, "type");
	ev_init(&e, "sparkpost", "other");
	e.recipient = jstr(m, "rcpt_to");
	if (e.recipient == NULL)
		e.recipient = jstr(m, "raw_rcpt_to");
	set_time(&e, m, "timestamp");
	e.message_id = jstr(m, "message_id");
	if (str_eq(type, "bounce") || str_eq(type, "out_of_band") || str_eq(type, "policy_rejection"))
	{
		e.event = "bounce";
		e.source_severity = sparkpost_class(m);
		e.diagnostic = jstr(m, "raw_reason");
		if (e.diagnostic == NULL)
			e.diagnostic = jstr(m, "reason");
		set_code(&e, m, "error_code");
	}
	else if (str_eq(type, "delay"))
	{
		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
		e.diagnostic = jstr(m, "raw_reason");
		if (e.diagnostic == NULL)
			e.diagnostic = jstr(m, "reason");
		set_code(&e, m, "error_code");
	}
	else if (str_eq(type, "spam_complaint"))
	{
		e.event = "complaint";
		e.diagnostic = jstr(m, "fbtype");
	}
	else if (str_eq(type, "delivery"))
		e.event = "delivery";
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Mandrill (mandrill_events: an array, or the form field's JSON string)
 * ------------------------------------------------------------------------ */

static bool
mandrill_event(ev_out *out, JC *c)
{
	char	   *event = jstr(c, "event");
	JC		   *msg = jobject(c, "msg");
	ev			e;

	if (event == NULL || msg == NULL)
		return false;
	ev_init(&e, "mandrill", "other");
	e.recipient = jstr(msg, "email");
	set_time(&e, c, "ts");
	set_time(&e, msg, "ts");
	e.message_id = jstr(msg, "_id");
	if (e.message_id == NULL)
		e.message_id = jstr(c, "_id");
	e.diagnostic = jstr(msg, "diag");
	if (e.diagnostic == NULL)
		e.diagnostic = jstr(msg, "bounce_description");
	if (str_eq(event, "hard_bounce") || str_eq(event, "soft_bounce"))
	{
		e.event = "bounce";
		e.source_severity = event[0] == 'h' ? EV_SEV_HARD : EV_SEV_SOFT;
	}
	else if (str_eq(event, "deferral"))
	{
		JC		   *smtp = jarray(msg, "smtp_events");
		uint32		n = smtp ? JsonContainerSize(smtp) : 0;

		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
		/* the last attempt's reply says why it is still waiting */
		if (n > 0)
		{
			JsonbValue *last = getIthJsonbValueFromContainer(smtp, n - 1);

			if (last && last->type == jbvBinary)
				e.diagnostic = jstr(last->val.binary.data, "diag");
		}
	}
	else if (str_eq(event, "spam"))
		e.event = "complaint";
	else if (str_eq(event, "send") && str_eq(jstr(msg, "state"), "sent"))
		e.event = "other";		/* accepted by Mandrill, not yet delivered */
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Brevo (Sendinblue) transactional webhooks
 * ------------------------------------------------------------------------ */

static bool
brevo(ev_out *out, JC *c)
{
	char	   *event = jstr(c, "event");
	ev			e;

	if (event == NULL || !(jhas(c, "message-id") || jhas(c, "ts_event") || jhas(c, "ts_epoch") ||
						   jhas(c, "camp_id") || jhas(c, "date_event")))
		return false;
	ev_init(&e, "brevo", "other");
	e.recipient = jstr(c, "email");
	set_time(&e, c, "ts_epoch");
	set_time(&e, c, "ts_event");
	set_time(&e, c, "ts");
	set_time(&e, c, "date_event");
	set_time(&e, c, "date");
	e.message_id = jstr(c, "message-id");
	e.diagnostic = jstr(c, "reason");
	if (str_eq(event, "hard_bounce") || str_eq(event, "hardBounce"))
	{
		e.event = "bounce";
		e.source_severity = EV_SEV_HARD;
	}
	else if (str_eq(event, "soft_bounce") || str_eq(event, "softBounce"))
	{
		e.event = "bounce";
		e.source_severity = EV_SEV_SOFT;
	}
	else if (str_eq(event, "deferred"))
	{
		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
	}
	else if (str_eq(event, "spam") || str_eq(event, "complaint"))
		e.event = "complaint";
	else if (str_eq(event, "delivered"))
		e.event = "delivery";
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Mailjet event API (objects, or arrays of them when grouped)
 * ------------------------------------------------------------------------ */

static bool
mailjet(ev_out *out, JC *c)
{
	char	   *event = jstr(c, "event");
	bool		hard;
	ev			e;

	if (event == NULL || !(jhas(c, "mj_campaign_id") || jhas(c, "mj_contact_id") ||
						   jhas(c, "Message_GUID") || jhas(c, "MessageID")))
		return false;
	ev_init(&e, "mailjet", "other");
	e.recipient = jstr(c, "email");
	set_time(&e, c, "time");
	e.message_id = jstr(c, "Message_GUID");
	if (e.message_id == NULL)
		e.message_id = jstr(c, "MessageID");
	if (str_eq(event, "bounce"))
	{
		char	   *related = jstr(c, "error_related_to");
		char	   *error = jstr(c, "error");

		e.event = "bounce";
		if (jbool(c, "hard_bounce", &hard))
			e.source_severity = hard ? EV_SEV_HARD : EV_SEV_SOFT;
		/* "recipient: user unknown" reads better to the classifier than "user unknown" alone */
		e.diagnostic = related && error ? psprintf("%s: %s", related, error) : error;
		e.diagnostic = e.diagnostic ? e.diagnostic : jstr(c, "comment");
	}
	else if (str_eq(event, "spam"))
		e.event = "complaint";
	else if (str_eq(event, "sent"))
	{
		e.event = "delivery";
		e.diagnostic = jstr(c, "smtp_reply");
	}
	else if (str_eq(event, "blocked"))
		e.diagnostic = jstr(c, "error");
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Resend ({"type": "email.*", "data": {...}})
 * ------------------------------------------------------------------------ */

static bool
resend(ev_out *out, JC *c, const char *type)
{
	JC		   *data = jobject(c, "data");
	JC		   *to;
	JC		   *b;
	ev			e;

	if (data == NULL)
		return false;
	ev_init(&e, "resend", "other");
	set_time(&e, c, "created_at");
	e.message_id = jstr(data, "email_id");
	if (str_eq(type, "email.bounced"))
	{
		char	   *bt;

		b = jobject(data, "bounce");
		bt = jstr(b, "type");
		e.event = "bounce";
		e.source_severity = str_eq(bt, "Permanent") ? EV_SEV_HARD :
			str_eq(bt, "Transient") ? EV_SEV_SOFT :
			str_eq(bt, "Undetermined") ? EV_SEV_UNDETERMINED : EV_SEV_HARD;
		e.diagnostic = jstr(b, "message");
	}
	else if (str_eq(type, "email.delivery_delayed"))
	{
		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
	}
	else if (str_eq(type, "email.complained"))
		e.event = "complaint";
	else if (str_eq(type, "email.delivered"))
		e.event = "delivery";
	else if (str_eq(type, "email.failed"))
		e.diagnostic = jstr(jobject(data, "failed"), "reason");

	/* "to" is an array of addresses (or one string) */
	to = jarray(data, "to");
	if (to)
	{
		uint32		n = JsonContainerSize(to);

		for (uint32 i = 0; i < n; i++)
		{
			JsonbValue *r = getIthJsonbValueFromContainer(to, i);
			ev			one = e;

			one.recipient = r ? scalar_text(r) : NULL;
			emit(out, &one);
		}
	}
	else
	{
		e.recipient = jstr(data, "to");
		emit(out, &e);
	}
	return true;
}

/* ------------------------------------------------------------------------
 * MailerSend ({"type": "activity.*", "data": {"email": ..., "morph": ...}})
 * ------------------------------------------------------------------------ */

static bool
mailersend(ev_out *out, JC *c, const char *type)
{
	JC		   *data = jobject(c, "data");
	JC		   *email = jobject(data, "email");
	JC		   *morph = jobject(data, "morph");
	ev			e;

	if (data == NULL)
		return false;
	ev_init(&e, "mailersend", "other");
	set_time(&e, data, "created_at");
	set_time(&e, c, "created_at");
	e.recipient = jstr(jobject(email, "recipient"), "email");
	e.message_id = jstr(jobject(email, "message"), "id");
	e.diagnostic = jstr(morph, "reason");
	if (e.diagnostic == NULL)
		e.diagnostic = jstr(morph, "readable_reason");
	if (str_eq(type, "activity.hard_bounced") || str_eq(type, "activity.soft_bounced"))
	{
		e.event = "bounce";
		e.source_severity = str_eq(type, "activity.hard_bounced") ? EV_SEV_HARD : EV_SEV_SOFT;
	}
	else if (str_eq(type, "activity.spam_complaint"))
		e.event = "complaint";
	else if (str_eq(type, "activity.delivered"))
		e.event = "delivery";
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Azure Communication Services email delivery reports (Event Grid, in
 * the Event Grid schema or as a CloudEvent)
 * ------------------------------------------------------------------------ */

#define AZURE_DELIVERY_REPORT "Microsoft.Communication.EmailDeliveryReportReceived"

static bool
azure(ev_out *out, JC *c, JC *data)
{
	char	   *status = jstr(data, "status");
	JC		   *details = jobject(data, "deliveryStatusDetails");
	ev			e;

	ev_init(&e, "azure", "other");
	e.recipient = jstr(data, "recipient");
	set_time(&e, data, "deliveryAttemptTimeStamp");
	set_time(&e, data, "deliveryAttemptTimestamp");
	set_time(&e, c, "eventTime");
	set_time(&e, c, "time");
	e.message_id = jstr(data, "internetMessageId");
	if (e.message_id == NULL)
		e.message_id = jstr(data, "messageId");
	e.diagnostic = jstr(details, "statusMessage");
	e.remote_mta = jstr(details, "recipientMailServerHostName");
	if (str_eq(status, "Delivered"))
		e.event = "delivery";
	else if (str_eq(status, "Bounced"))
	{
		e.event = "bounce";
		e.source_severity = EV_SEV_HARD;
	}
	else if (str_eq(status, "Failed"))
		e.event = "bounce";
	else if (str_eq(status, "Quarantined") || str_eq(status, "FilteredSpam"))
		e.event = "bounce";
	/* Expanded (a distribution list), Suppressed (never sent): other */
	emit(out, &e);
	return true;
}


/* ------------------------------------------------------------------------
 * KumoMTA JSON log records (its log files, or the same records posted by
 * a log hook): {"type": "Bounce", "id": ..., "recipient": ..., "response":
 * {...}, "peer_address": {...}, "timestamp": ...}
 * ------------------------------------------------------------------------ */

static bool
kumomta(ev_out *out, JC *c)
{
	char	   *type = jstr(c, "type");
	JC		   *resp = jobject(c, "response");
	JC		   *enh;
	JC		   *headers;
	double		k, sub, det;
	ev			e;

	if (type == NULL || resp == NULL || !jhas(c, "recipient") ||
		!(jhas(c, "queue") || jhas(c, "egress_pool") || jhas(c, "bounce_classification")))
		return false;
	ev_init(&e, "kumomta", "other");
	e.recipient = jstr(c, "recipient");
	set_time(&e, c, "timestamp");
	e.queue_id = jstr(c, "id");
	e.diagnostic = jstr(resp, "content");
	set_code(&e, resp, "code");
	e.command = jstr(resp, "command");
	if (e.command)
	{
		/* "RCPT TO:<jean@client.fr>\r\n": the verb is what the classifier uses */
		char	   *colon = strchr(e.command, ':');

		if (colon)
			*colon = '\0';
	}
	enh = jobject(resp, "enhanced_code");
	if (enh && jnum(enh, "class", &k) && jnum(enh, "subject", &sub) && jnum(enh, "detail", &det))
		e.status = psprintf("%d.%d.%d", (int) k, (int) sub, (int) det);
	e.remote_mta = jstr(jobject(c, "peer_address"), "name");
	headers = jobject(c, "headers");
	e.message_id = jstr(headers, "Message-ID");
	if (e.message_id == NULL)
		e.message_id = jstr(headers, "Message-Id");
	if (str_eq(type, "Bounce"))
	{
		e.event = "bounce";
		e.source_severity = EV_SEV_HARD;
	}
	else if (str_eq(type, "Expiration") || str_eq(type, "AdminBounce") || str_eq(type, "OOB"))
		e.event = "bounce";
	else if (str_eq(type, "TransientFailure"))
	{
		e.event = "deferral";
		e.source_severity = EV_SEV_SOFT;
	}
	else if (str_eq(type, "Delivery"))
		e.event = "delivery";
	else if (str_eq(type, "Feedback"))
		e.event = "complaint";
	emit(out, &e);
	return true;
}

/* ------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------ */

static void walk(ev_out *out, JC *c, int depth);

static void
walk_value(ev_out *out, JsonbValue *v, int depth)
{
	if (v != NULL && v->type == jbvBinary)
		walk(out, v->val.binary.data, depth);
}

static void
walk(ev_out *out, JC *c, int depth)
{
	JsonbValue	v;
	JC		   *o;
	char	   *type;

	if (c == NULL || depth > MAX_DEPTH)
		return;
	CHECK_FOR_INTERRUPTS();
	if (JsonContainerIsArray(c))
	{
		uint32		n = JsonContainerSize(c);

		if (JsonContainerIsScalar(c))
			return;
		for (uint32 i = 0; i < n; i++)
		{
			walk_value(out, getIthJsonbValueFromContainer(c, i), depth + 1);
			/* memory flat over a batch: nothing of the argument lives there */
			if (depth == 0)
				MemoryContextReset(out->row_cxt);
		}
		return;
	}
	if (!JsonContainerIsObject(c))
		return;

	/* envelopes */
	if ((type = jstr(c, "Type")) != NULL && jfind(c, "Message", &v) &&
		(jhas(c, "TopicArn") || str_eq(type, "Notification")))
	{
		walk(out, nested_document(&v), depth + 1);	/* SNS */
		return;
	}
	if ((o = jobject(c, "event-data")) != NULL)
	{
		mailgun_event(out, o);	/* Mailgun body: signature + event-data */
		return;
	}
	if (jfind(c, "mandrill_events", &v))
	{
		JC		   *list = v.type == jbvBinary ? v.val.binary.data : nested_document(&v);
		uint32		n = list && JsonContainerIsArray(list) ? JsonContainerSize(list) : 0;

		for (uint32 i = 0; i < n; i++)
		{
			JsonbValue *m = getIthJsonbValueFromContainer(list, i);

			if (m && m->type == jbvBinary)
				(void) mandrill_event(out, m->val.binary.data);
		}
		return;
	}

	/* Event Grid: either schema, or an array of them (walked above) */
	type = jstr(c, "eventType");
	if (type == NULL)
		type = jstr(c, "type");
	if (str_eq(type, AZURE_DELIVERY_REPORT) && (o = jobject(c, "data")) != NULL)
	{
		(void) azure(out, c, o);
		return;
	}
	if (str_prefix(type, "email.") && resend(out, c, type))
		return;
	if (str_prefix(type, "activity.") && mailersend(out, c, type))
		return;

	if (ses(out, c) || sparkpost(out, c) || postmark(out, c) || kumomta(out, c) ||
		mandrill_event(out, c) || sendgrid(out, c) || mailjet(out, c) ||
		mailgun_bare(out, c) || brevo(out, c))
		return;
}

/* ------------------------------------------------------------------------
 * Rows out, for parse_event and parse_log_line
 * ------------------------------------------------------------------------ */

rb_event_sink *
rb_event_sink_begin(FunctionCallInfo fcinfo, bool with_queue_id)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ev_out	   *out = palloc0(sizeof(ev_out));

	/* the executor knows the row type in FROM: no catalog lookup per call */
	InitMaterializedSRF(fcinfo, rsinfo && IsA(rsinfo, ReturnSetInfo) && rsinfo->expectedDesc ?
						MAT_SRF_USE_EXPECTED_DESC : 0);
	out->rsinfo = rsinfo;
	out->queue_col = with_queue_id;
	out->caller = CurrentMemoryContext;
	out->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "rebound events",
										 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(out->row_cxt);
	return out;
}

void
rb_event_put(rb_event_sink *sink, rb_event *e)
{
	emit(sink, e);
}

void
rb_event_sink_end(rb_event_sink *sink)
{
	MemoryContextSwitchTo(sink->caller);
	MemoryContextDelete(sink->row_cxt);
}

void
rb_event_json_line(rb_event_sink *sink, const char *line, size_t len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) line;
	v.val.string.len = (int) len;
	walk(sink, nested_document(&v), 1);
}

bool
rb_event_time_text(const char *s, TimestampTz *out)
{
	return time_from_text(s, out);
}

PG_FUNCTION_INFO_V1(rebound_parse_event);
Datum
rebound_parse_event(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	ev_out	   *out = rb_event_sink_begin(fcinfo, false);

	walk(out, &jb->root, 0);
	rb_event_sink_end(out);
	PG_RETURN_NULL();
}
