/*
 * log_line.c
 *	  rebound.parse_log_line(line, header): the recipient events of one MTA
 *	  log line (Postfix, Exim, PowerMTA accounting CSV, KumoMTA JSON), in
 *	  parse_event's columns plus the queue id.
 *
 * The text formats are read by the core (core/logline.h); a KumoMTA record
 * is JSON and goes through the server's jsonb reader (src/glue/event.c).  Times
 * are read with the server's date parser; syslog's year-less time is put
 * in the year that makes it the latest moment not after now (plus a day's
 * slack for clocks and time zones), as log readers do.
 */
#include "rebound.h"
#include "event.h"

#include "access/xact.h"
#include "core/logline.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* The PowerMTA header of the previous call, kept for the next ones. */
typedef struct header_cache
{
	char	   *text;
	size_t		len;
	bool		valid;
	rb_pmta_header header;
} header_cache;

static char *
span_str(rb_span s)
{
	return s.len ? pnstrdup(s.ptr, s.len) : NULL;
}

/* Text to the server's encoding; log lines are read as UTF-8 bytes. */
static char *
span_server(rb_span s)
{
	if (s.len == 0)
		return NULL;
	return pg_any_to_server(pnstrdup(s.ptr, s.len), (int) s.len, PG_UTF8);
}

static bool
year_less_time(rb_span t, TimestampTz *out)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TimestampTz limit = now + USECS_PER_DAY;
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	int			year;

	if (timestamp2tm(now, &tz, &tm, &fsec, NULL, NULL) != 0)
		return false;
	year = tm.tm_year;

	/* this year, or last year when that would be in the future */
	for (int y = year; y >= year - 1; y--)
	{
		char	   *s = psprintf("%.*s %d", (int) t.len, t.ptr, y);

		if (rb_event_time_text(s, out) && *out <= limit)
			return true;
	}
	return false;
}

PG_FUNCTION_INFO_V1(rebound_parse_log_line);
Datum
rebound_parse_log_line(PG_FUNCTION_ARGS)
{
	text	   *line_t;
	size_t		len;
	char	   *line;
	const rb_pmta_header *pmta = NULL;
	rb_event_sink *sink;
	rb_log_record r;
	rb_event	e;
	size_t		i;

	if (PG_ARGISNULL(0))
	{
		/* no line, no rows (the header's default is NULL: not STRICT) */
		rb_event_sink_end(rb_event_sink_begin(fcinfo, true));
		PG_RETURN_NULL();
	}
	line_t = PG_GETARG_TEXT_PP(0);
	line = rb_text_to_utf8(line_t, &len);

	/* the header, parsed once per distinct text */
	if (!PG_ARGISNULL(1))
	{
		text	   *h = PG_GETARG_TEXT_PP(1);
		size_t		hlen = VARSIZE_ANY_EXHDR(h);
		header_cache *cache = fcinfo->flinfo->fn_extra;

		if (cache == NULL)
			cache = fcinfo->flinfo->fn_extra =
				MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(header_cache));
		if (cache->text == NULL || cache->len != hlen || memcmp(cache->text, VARDATA_ANY(h), hlen) != 0)
		{
			if (cache->text)
				pfree(cache->text);
			cache->text = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, hlen + 1);
			memcpy(cache->text, VARDATA_ANY(h), hlen);
			cache->text[hlen] = '\0';
			cache->len = hlen;
			cache->valid = rb_pmta_header_parse(cache->text, hlen, &cache->header);
		}
		if (!cache->valid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("header is not a PowerMTA accounting header: \"%s\"", rb_quote_text(h)),
					 errdetail("A header names the CSV fields, among them type and rcpt: \"type,timeLogged,orig,rcpt,...\".")));
		pmta = &cache->header;
	}

	sink = rb_event_sink_begin(fcinfo, true);
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i < len && line[i] == '{')
	{
		/* JSON is read in the server's encoding, as any jsonb */
		char	   *json = text_to_cstring(line_t);

		rb_event_json_line(sink, json, strlen(json));
		rb_event_sink_end(sink);
		PG_RETURN_NULL();
	}

	if (rb_log_parse(line, len, pmta, &r) != RB_LOG_NONE)
	{
		memset(&e, 0, sizeof(e));
		e.esp = r.format;
		e.event = r.event == RB_LOG_BOUNCE ? "bounce" :
			r.event == RB_LOG_DEFERRAL ? "deferral" :
			r.event == RB_LOG_COMPLAINT ? "complaint" :
			r.event == RB_LOG_DELIVERY ? "delivery" : "other";
		e.source_severity = r.source_severity == RB_LOG_SEV_HARD ? RB_EVENT_SEV_HARD :
			r.source_severity == RB_LOG_SEV_SOFT ? RB_EVENT_SEV_SOFT : RB_EVENT_SEV_NONE;
		e.recipient = span_server(r.recipient);
		e.queue_id = span_server(r.queue_id);
		e.status = span_str(r.status);
		e.remote_mta = span_server(r.remote_mta);
		e.command = span_str(r.command);
		e.message_id = span_server(r.message_id);
		if (r.diagnostic.len)
		{
			char	   *buf = palloc(r.diagnostic.len + 1);
			size_t		n = rb_csv_unquote(r.diagnostic, buf);

			buf[n] = '\0';		/* pg_any_to_server may return buf itself */

			e.diagnostic = n ? pg_any_to_server(buf, (int) n, PG_UTF8) : NULL;
		}
		if (r.time.len)
		{
			if (r.time_has_year)
			{
				char	   *s = span_str(r.time);

				e.has_at = rb_event_time_text(s, &e.at);
			}
			else
				e.has_at = year_less_time(r.time, &e.at);
		}
		rb_event_put(sink, &e);
	}
	rb_event_sink_end(sink);
	PG_RETURN_NULL();
}
