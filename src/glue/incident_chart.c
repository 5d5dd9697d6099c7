/*
 * incident_chart.c
 *	  SQL glue of the incident chart: gathers the incident and its series
 *	  (rebound.incident_series) and has the core (core/chart.c) draw them,
 *	  with the session's TimeZone for the time axis.
 */
#include "rebound.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "core/chart.h"

/* Epoch seconds (as date_part('epoch', ...) gives them) and back. */
#define EPOCH_OFFSET_US ((double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

static void
chart_to_local(double epoch, rb_chart_tm *out, void *arg)
{
	TimestampTz ts = (TimestampTz) rint(epoch * USECS_PER_SEC - EPOCH_OFFSET_US);
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	out->year = tm.tm_year;
	out->mon = tm.tm_mon;
	out->mday = tm.tm_mday;
	out->hour = tm.tm_hour;
	out->min = tm.tm_min;
	out->sec = tm.tm_sec + fsec / (double) USECS_PER_SEC;
	out->wday = j2day(date2j(tm.tm_year, tm.tm_mon, tm.tm_mday));
}

/* As date_trunc() does: the zone's offset at that local time. */
static double
chart_from_local(const rb_chart_tm *in, void *arg)
{
	struct pg_tm tm = {0};
	fsec_t		fsec;
	int			tz;
	double		whole = floor(in->sec);
	TimestampTz ts;

	tm.tm_year = in->year;
	tm.tm_mon = in->mon;
	tm.tm_mday = in->mday;
	tm.tm_hour = in->hour;
	tm.tm_min = in->min;
	tm.tm_sec = (int) whole;
	fsec = (fsec_t) rint((in->sec - whole) * USECS_PER_SEC);
	tz = DetermineTimeZoneOffset(&tm, session_timezone);
	if (tm2timestamp(&tm, fsec, &tz, &ts) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return ((double) ts + EPOCH_OFFSET_US) / USECS_PER_SEC;
}

static void
chart_write(const char *s, size_t len, void *arg)
{
	CHECK_FOR_INTERRUPTS();
	appendBinaryStringInfo((StringInfo) arg, s, (int) len);
}

/* A text column of the current SPI row, as UTF-8 (NUL-terminated). */
static char *
spi_utf8(int col)
{
	char	   *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);

	if (s == NULL)
		return "";
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

static double
spi_float8(HeapTuple tup, int col, bool *isnull)
{
	return DatumGetFloat8(SPI_getbinval(tup, SPI_tuptable->tupdesc, col, isnull));
}

/*
 * rebound.incident_chart(incident bigint) → text: the SVG of an incident.
 * Runs as its caller, who reads the incident and its series.
 */
PG_FUNCTION_INFO_V1(rebound_incident_chart);
Datum
rebound_incident_chart(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	char	   *schema = rb_extension_schema_quoted();
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	rb_chart_input in = {0};
	rb_chart_clock clock = {chart_to_local, chart_from_local, NULL};
	StringInfoData svg;
	MemoryContext caller = CurrentMemoryContext;
	double	   *start,
			   *baseline;
	int64	   *failures,
			   *forgiven;
	bool		isnull;
	char	   *utf8,
			   *out;
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("SELECT i.id::pg_catalog.text, i.provider, i.during::pg_catalog.text,"
									   " pg_catalog.date_part('epoch', pg_catalog.lower(i.during)),"
									   " pg_catalog.date_part('epoch', pg_catalog.upper(i.during) OPERATOR(pg_catalog.-) pg_catalog.lower(i.during)),"
									   " (SELECT pg_catalog.date_part('epoch', s.bucket) FROM %s.detect_settings() s)"
									   " FROM %s.incident i WHERE i.id OPERATOR(pg_catalog.=) $1",
									   schema, schema),
							  1, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("incident " INT64_FORMAT " does not exist", id)));
	in.incident = spi_utf8(1);
	in.provider = spi_utf8(2);
	in.during = spi_utf8(3);
	in.lo = spi_float8(SPI_tuptable->vals[0], 4, &isnull);
	in.length = spi_float8(SPI_tuptable->vals[0], 5, &isnull);
	in.bucket = spi_float8(SPI_tuptable->vals[0], 6, &isnull);
	utf8 = GetConfigOptionByName("TimeZone", NULL, false);
	in.zone = pg_server_to_any(utf8, strlen(utf8), PG_UTF8);

	if (SPI_execute_with_args(psprintf("SELECT pg_catalog.date_part('epoch', s.bucket), s.bounces, s.baseline, s.forgiven"
									   " FROM %s.incident_series($1) s ORDER BY s.bucket",
									   schema),
							  1, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed");
	in.n = SPI_processed;
	start = (double *) palloc(sizeof(double) * (in.n + 1));
	baseline = (double *) palloc(sizeof(double) * (in.n + 1));
	failures = (int64 *) palloc(sizeof(int64) * (in.n + 1));
	forgiven = (int64 *) palloc(sizeof(int64) * (in.n + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;

		start[i] = spi_float8(tup, 1, &isnull);
		failures[i] = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
		baseline[i] = spi_float8(tup, 3, &isnull);
		if (isnull)
			baseline[i] = NAN;
		forgiven[i] = DatumGetInt64(SPI_getbinval(tup, td, 4, &isnull));
	}
	in.start = start;
	in.baseline = baseline;
	in.failures = failures;
	in.forgiven = forgiven;

	initStringInfo(&svg);
	if (!rb_chart_svg(&in, &clock, chart_write, &svg))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("incident " INT64_FORMAT " cannot be drawn", id),
				 errdetail("Its window or series is not finite.")));
	out = pg_any_to_server(svg.data, svg.len, PG_UTF8);

	/* the result outlives SPI's memory */
	MemoryContextSwitchTo(caller);
	out = pstrdup(out);
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}
