/*
 * detector.c
 *	  SQL glue of the incident detector: detect_buckets and
 *	  detect_incidents.  The SQL gathers, the C decides: one set-based query
 *	  per stretch of time counts each provider's signal and the sending
 *	  volume per bucket, and src/core/detector.c judges the buckets and
 *	  grows the runs.
 *
 *	  Memory stays bounded whatever the interval asked for: it is judged in
 *	  stretches (chunks) of a few weeks, each read with the history its
 *	  baselines need, stretches without any infrastructure failure skipped;
 *	  query results are fetched through a cursor, and rows go out through
 *	  a tuplestore, which spills to disk.  Only the runs still open at the
 *	  end of a chunk are carried over to the next.
 *
 *	  The whole buckets the detection summary holds (src/sql/code/detect.sql,
 *	  "The detection summary") are read from it, the rest from the ledger,
 *	  through the same counting query (detect_counts): each bucket once,
 *	  from one or the other (rb_bucket_ranges_minus and _meet).  Both are
 *	  read as the extension's owner, once the caller was found allowed to
 *	  read the ledger and the provider map they are made of.
 */
#include "rebound.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "core/detector.h"

/* Layers, in the order of their bits (and alphabetical). */
static const char *const layer_names[] = {
	"domain", "gateway", "gateway_ip", "mx", "mx_ip", "ns", "ns_ip"
};

#define NLAYERS lengthof(layer_names)

/* Rows fetched from the cursor at a time. */
#define FETCH_ROWS 1000

/* A run still open at the end of a chunk, for the next one. */
typedef struct OpenRun
{
	char	   *provider;
	rb_detect_run run;
} OpenRun;

typedef struct Detection
{
	rb_detect_config cfg;
	bool		incidents;		/* detect_incidents, not detect_buckets */
	const char *schema;		/* the extension's, quoted */
	SPIPlanPtr	chunk_plan;
	SPIPlanPtr	next_plan;
	int64		first;			/* bucket of the ledger's first hard bounce */
	Tuplestorestate *out;
	TupleDesc	desc;
	TypeCacheEntry *range_type;
	MemoryContext long_cxt;		/* for the open runs */
	List	   *open;			/* OpenRun * */
	rb_bucket_range *covered;	/* whole buckets the summary holds */
	size_t		ncovered;
} Detection;

/*
 * Epoch seconds and bucket numbers computed as the SQL of 0.1.0 did
 * (floor(date_part('epoch', t) / w)), so that every bounce falls in the
 * same bucket as it did there and as it does in the chunk query.
 */
static double
epoch_of(TimestampTz t)
{
	return (double) (t - SetEpochTimestamp()) / 1000000.0;
}

static int64
bucket_floor(const Detection *d, TimestampTz t)
{
	return (int64) floor(epoch_of(t) / (double) d->cfg.bucket_seconds);
}

static int64
bucket_ceil(const Detection *d, TimestampTz t)
{
	return (int64) ceil(epoch_of(t) / (double) d->cfg.bucket_seconds);
}

/* The start of bucket b (to_timestamp(b * w)). */
static TimestampTz
bucket_start(const Detection *d, int64 b)
{
	return (b * d->cfg.bucket_seconds) * USECS_PER_SEC + SetEpochTimestamp();
}

/* Refuse at once a role that may not read what detection reads. */
static void
check_readable(Oid nsp, const char *relname)
{
	Oid			relid = get_relname_relid(relname, nsp);
	AclResult	acl;

	if (!OidIsValid(relid))
		elog(ERROR, "table %s of rebound is missing", relname);
	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, relname);
}

static Datum
layers_datum(uint32 bits)
{
	Datum		elems[NLAYERS];
	int			n = 0;
	int			i;

	for (i = 0; i < (int) NLAYERS; i++)
		if (bits & (1u << i))
			elems[n++] = CStringGetTextDatum(layer_names[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
round2(double x)
{
	return DirectFunctionCall2(numeric_round,
							   DirectFunctionCall1(float8_numeric, Float8GetDatum(x)),
							   Int32GetDatum(2));
}

static void
emit_bucket(Detection *d, const char *provider, const rb_detect_bucket *b)
{
	Datum		values[9];
	bool		nulls[9] = {false};

	values[0] = CStringGetTextDatum(provider);
	values[1] = TimestampTzGetDatum(bucket_start(d, b->bucket));
	values[2] = Int64GetDatum(b->bounces);
	values[3] = Int64GetDatum(b->counted);
	values[4] = Float8GetDatum(b->baseline);
	values[5] = Float8GetDatum(b->score);
	values[6] = TimestampTzGetDatum(b->first_at);
	values[7] = TimestampTzGetDatum(b->last_at);
	values[8] = layers_datum(b->layers);
	tuplestore_putvalues(d->out, d->desc, values, nulls);
}

static void
emit_incident(Detection *d, const char *provider, const rb_detect_incident *inc)
{
	Datum		values[6];
	bool		nulls[6] = {false};
	RangeBound	lower,
				upper;

	lower.val = TimestampTzGetDatum(inc->first_at);
	lower.infinite = false;
	lower.inclusive = true;
	lower.lower = true;
	upper.val = TimestampTzGetDatum(inc->last_at);
	upper.infinite = false;
	upper.inclusive = true;
	upper.lower = false;
	values[0] = CStringGetTextDatum(provider);
#if PG_VERSION_NUM >= 160000
	/* 16 added a soft-error context: NULL, an invalid range is a bug here */
	values[1] = RangeTypePGetDatum(make_range(d->range_type, &lower, &upper, false, NULL));
#else
	values[1] = RangeTypePGetDatum(make_range(d->range_type, &lower, &upper, false));
#endif
	values[2] = Int64GetDatum(inc->bounces);
	values[3] = round2(inc->baseline);
	values[4] = round2(inc->score);
	values[5] = layers_datum(inc->layers);
	tuplestore_putvalues(d->out, d->desc, values, nulls);
}

/* The open run of a provider, taken out of the list (or a new one). */
static OpenRun *
take_run(Detection *d, const char *provider)
{
	ListCell   *lc;
	OpenRun    *r;

	foreach(lc, d->open)
	{
		r = lfirst(lc);
		if (strcmp(r->provider, provider) == 0)
		{
			d->open = foreach_delete_current(d->open, lc);
			return r;
		}
	}
	r = MemoryContextAlloc(d->long_cxt, sizeof(OpenRun));
	r->provider = MemoryContextStrdup(d->long_cxt, provider);
	rb_detect_run_init(&r->run);
	return r;
}

/* Keep a run that a bucket from next on may extend; end the others. */
static void
keep_or_end(Detection *d, OpenRun *r, int64 next)
{
	rb_detect_incident inc;
	MemoryContext old;

	if (!rb_detect_run_over(&r->run, next))
	{
		old = MemoryContextSwitchTo(d->long_cxt);
		d->open = lappend(d->open, r);
		MemoryContextSwitchTo(old);
		return;
	}
	if (rb_detect_run_end(&r->run, &inc))
		emit_incident(d, r->provider, &inc);
	pfree(r->provider);
	pfree(r);
}

/*
 * Judge one provider's buckets of a chunk: counted holds its counts per
 * bucket from grid_lo (len of them, room for len + 1), candidates the
 * buckets with signal in the judged part.
 */
static void
judge_provider(Detection *d, const char *provider, int64 grid_lo, size_t len,
			   int64 *counted, const int64 *volume,
			   rb_detect_bucket *candidates, int n, int64 chunk_hi)
{
	rb_detect_series s;
	OpenRun    *r = NULL;
	int			i;

	rb_detect_running_sums(counted, len);
	s.len = len;
	s.counted = counted;
	s.volume = volume;
	s.first = d->first - grid_lo;
	if (d->incidents)
		r = take_run(d, provider);
	for (i = 0; i < n; i++)
	{
		rb_detect_bucket *b = &candidates[i];
		rb_detect_incident inc;

		if (!rb_detect_baseline(&d->cfg, &s, (size_t) (b->bucket - grid_lo), &b->baseline))
			continue;
		b->score = rb_detect_score(b->counted, b->baseline);
		if (!d->incidents)
			emit_bucket(d, provider, b);
		else if (rb_detect_run_add(&d->cfg, &r->run, b, &inc))
			emit_incident(d, provider, &inc);
	}
	if (r != NULL)
		keep_or_end(d, r, chunk_hi);
}

static int
cmp_stretch(const void *a, const void *b)
{
	int64		x = ((const int64 *) a)[0],
				y = ((const int64 *) b)[0];

	return x < y ? -1 : x > y;
}

/*
 * The stretches of time the judgements of buckets lo .. hi - 1 read, as
 * sorted disjoint ranges of buckets (returns how many, in *out): the
 * buckets themselves and the day before them (the first day's windows, and
 * the mean of a young ledger), and the windows of each previous day and
 * week.  A short interval (a heal('1 day') run) then reads its own day,
 * the week before it and three days of the weeks before that, not five
 * weeks.
 */
static size_t
stretches(const Detection *d, int64 lo, int64 hi, rb_bucket_range **out)
{
	int64		per_day = rb_detect_per_day(&d->cfg);
	int64		span = rb_detect_span(&d->cfg);
	int			n = 0,
				m = 0,
				k,
				i;
	int64		(*st)[2] = palloc((2 + d->cfg.baseline_days + d->cfg.baseline_weeks) * sizeof(*st));
	rb_bucket_range *r;

	st[n][0] = lo - per_day - span;
	st[n++][1] = hi;
	for (k = 2; k <= d->cfg.baseline_days; k++)
	{
		st[n][0] = lo - k * per_day - span;
		st[n++][1] = hi - k * per_day + span;
	}
	for (k = 1; k <= d->cfg.baseline_weeks; k++)
	{
		st[n][0] = lo - 7 * k * per_day - span;
		st[n++][1] = hi - 7 * k * per_day + span;
	}
	qsort(st, n, sizeof(*st), cmp_stretch);
	/* merge those that overlap or touch */
	for (i = 1; i < n; i++)
	{
		if (st[i][0] <= st[m][1])
			st[m][1] = Max(st[m][1], st[i][1]);
		else
		{
			m++;
			st[m][0] = st[i][0];
			st[m][1] = st[i][1];
		}
	}
	n = m + 1;
	r = palloc(n * sizeof(rb_bucket_range));
	for (i = 0; i < n; i++)
	{
		r[i].lo = st[i][0];
		r[i].hi = st[i][1];
	}
	*out = r;
	return n;
}

/*
 * The ledger's part of the stretches, as two arrays of the starts and ends
 * of their times: the last ends with the chunk, at until, which may cut a
 * bucket.
 */
static void
time_args(const Detection *d, const rb_bucket_range *r, size_t n, int64 hi,
		  TimestampTz until, Datum *args)
{
	Datum	   *starts = palloc((n + 1) * sizeof(Datum));
	Datum	   *ends = palloc((n + 1) * sizeof(Datum));
	size_t		i;

	for (i = 0; i < n; i++)
	{
		starts[i] = TimestampTzGetDatum(bucket_start(d, r[i].lo));
		ends[i] = TimestampTzGetDatum(r[i].hi >= hi ? until : bucket_start(d, r[i].hi));
	}
	args[0] = PointerGetDatum(construct_array(starts, (int) n, TIMESTAMPTZOID, sizeof(TimestampTz),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_array(ends, (int) n, TIMESTAMPTZOID, sizeof(TimestampTz),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* The summary's part, as two arrays of bucket numbers. */
static void
bucket_args(const rb_bucket_range *r, size_t n, Datum *args)
{
	Datum	   *los = palloc((n + 1) * sizeof(Datum));
	Datum	   *his = palloc((n + 1) * sizeof(Datum));
	size_t		i;

	for (i = 0; i < n; i++)
	{
		los[i] = Int64GetDatum(r[i].lo);
		his[i] = Int64GetDatum(r[i].hi);
	}
	args[0] = PointerGetDatum(construct_array(los, (int) n, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_array(his, (int) n, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Judge the buckets lo .. hi - 1, reading the bounces of the stretches
 * their baselines need, up to until (the end of bucket hi - 1, or the end
 * of the interval when it comes first).
 */
static void
detect_chunk(Detection *d, int64 lo, int64 hi, TimestampTz until,
			 MemoryContext chunk_cxt)
{
	int64		grid_lo = lo - rb_detect_reach(&d->cfg);
	size_t		len = (size_t) (hi - grid_lo);
	int64	   *volume,
			   *counted;
	rb_detect_bucket *candidates;
	int			ncand = 0;
	char	   *provider = NULL;
	Datum		args[6];
	Portal		portal;
	rb_bucket_range *st,
			   *from_ledger,
			   *from_summary,
			   *covered;
	size_t		nst,
				nledger,
				nsummary,
				ncovered;
	rb_bucket_range whole;
	MemoryContext old;
	List	   *carried;
	ListCell   *lc;

	old = MemoryContextSwitchTo(chunk_cxt);
	volume = palloc0((len + 1) * sizeof(int64));
	counted = palloc0((len + 1) * sizeof(int64));
	candidates = palloc((hi - lo) * sizeof(rb_detect_bucket));

	nst = stretches(d, lo, hi, &st);

	/*
	 * The summary holds whole buckets: one that until cuts is the ledger's
	 * (its bounces after until are not judged).
	 */
	whole.lo = PG_INT64_MIN / 4;
	whole.hi = until == bucket_start(d, hi) ? hi : hi - 1;
	covered = palloc((d->ncovered + 1) * sizeof(rb_bucket_range));
	ncovered = rb_bucket_ranges_meet(d->covered, d->ncovered, &whole, 1, covered);
	from_ledger = palloc((nst + ncovered) * sizeof(rb_bucket_range));
	from_summary = palloc((nst + ncovered) * sizeof(rb_bucket_range));
	nledger = rb_bucket_ranges_minus(st, nst, covered, ncovered, from_ledger);
	nsummary = rb_bucket_ranges_meet(st, nst, covered, ncovered, from_summary);
	time_args(d, from_ledger, nledger, hi, until, args);
	args[2] = Float8GetDatum((double) d->cfg.bucket_seconds);
	args[3] = Int32GetDatum(d->cfg.bucket_seconds);
	bucket_args(from_summary, nsummary, args + 4);
	portal = SPI_cursor_open(NULL, d->chunk_plan, args, NULL, true);
	for (;;)
	{
		uint64		row;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (row = 0; row < SPI_processed; row++)
		{
			HeapTuple	tup = SPI_tuptable->vals[row];
			TupleDesc	td = SPI_tuptable->tupdesc;
			bool		no_provider,
						isnull;
			Datum		prov = SPI_getbinval(tup, td, 1, &no_provider);
			int64		b = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
			int64		n = DatumGetInt64(SPI_getbinval(tup, td, 3, &isnull));
			char	   *name;
			rb_detect_bucket *c;

			/* a bounce rounded into bucket hi is the next chunk's */
			if (b < grid_lo || b >= hi)
				continue;
			if (no_provider)
			{
				/* the volume: these rows come first */
				volume[b - grid_lo] = n;
				continue;
			}
			name = TextDatumGetCString(prov);
			if (provider == NULL || strcmp(name, provider) != 0)
			{
				if (provider != NULL)
					judge_provider(d, provider, grid_lo, len, counted, volume,
								   candidates, ncand, hi);
				else
					rb_detect_running_sums(volume, len);
				provider = name;
				memset(counted, 0, (len + 1) * sizeof(int64));
				ncand = 0;
			}
			else
				pfree(name);
			counted[b - grid_lo] = DatumGetInt64(SPI_getbinval(tup, td, 4, &isnull));
			if (b < lo)
				continue;
			c = &candidates[ncand++];
			c->bucket = b;
			c->bounces = n;
			c->counted = counted[b - grid_lo];
			c->first_at = DatumGetTimestampTz(SPI_getbinval(tup, td, 5, &isnull));
			c->last_at = DatumGetTimestampTz(SPI_getbinval(tup, td, 6, &isnull));
			c->layers = (uint32) DatumGetInt32(SPI_getbinval(tup, td, 7, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	if (provider != NULL)
		judge_provider(d, provider, grid_lo, len, counted, volume,
					   candidates, ncand, hi);

	/* the runs of providers without signal in this chunk */
	carried = d->open;
	d->open = NIL;
	foreach(lc, carried)
		keep_or_end(d, lfirst(lc), hi);
	list_free(carried);

	MemoryContextSwitchTo(old);
	MemoryContextReset(chunk_cxt);
}

/*
 * Per provider and bucket, the counts of the chunk: from the ledger over
 * its part of the stretches, from the summary over its part; the volume
 * (provider NULL) first.
 */
static const char chunk_query[] =
	"SELECT * FROM rebound_internal.detect_counts($1, $2, $3)"
	" UNION ALL"
	" SELECT * FROM rebound_internal.detect_summary_rows($4, $5, $6)"
	" ORDER BY 1 NULLS FIRST, 2";

/* The first infrastructure failure from $1 on, before $2: where to go on. */
static const char next_query[] =
	"SELECT pg_catalog.min(x.occurred_at) FROM %s.bounce x"
	" WHERE x.hard AND x.infrastructure"
	"  AND x.occurred_at OPERATOR(pg_catalog.>=) $1 AND x.occurred_at OPERATOR(pg_catalog.<) $2";

/* A timestamptz from a one-column query, or false for NULL. */
static bool
query_time(SPIPlanPtr plan, Datum *args, TimestampTz *t)
{
	bool		isnull;
	Datum		v;

	if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "rebound: detection query failed");
	v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		*t = DatumGetTimestampTz(v);
	SPI_freetuptable(SPI_tuptable);
	return !isnull;
}

/* The whole buckets of this width the summary holds, none marked stale. */
static void
read_covered(Detection *d)
{
	Oid			types[1] = {INT4OID};
	Datum		args[1];
	uint64		i;

	args[0] = Int32GetDatum(d->cfg.bucket_seconds);
	if (SPI_execute_with_args("SELECT lo, hi FROM rebound_internal.detect_covered($1)",
							  1, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "rebound: reading the detection summary failed");
	d->covered = palloc((SPI_processed + 1) * sizeof(rb_bucket_range));
	d->ncovered = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		bool		n1,
					n2;
		Datum		lo = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &n1);
		Datum		hi = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &n2);

		/* an unbounded end is not a summarised one */
		if (n1 || n2)
			continue;
		d->covered[d->ncovered].lo = DatumGetInt64(lo);
		d->covered[d->ncovered++].hi = DatumGetInt64(hi);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* An argument as RAISE prints it: in the DateStyle, or <NULL>. */
static char *
time_text(FunctionCallInfo fcinfo, int arg)
{
	if (PG_ARGISNULL(arg))
		return "<NULL>";
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(arg)));
}

static void
detect(FunctionCallInfo fcinfo, bool incidents)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	Detection	d;
	TimestampTz since,
				until,
				start;
	Oid			types[3] = {TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT8OID};
	Oid			chunk_types[6] = {TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, FLOAT8OID,
	INT4OID, INT8ARRAYOID, INT8ARRAYOID};
	rb_owner_switch sw;
	int64		lo,
				until_b,
				chunk;
	MemoryContext chunk_cxt;
	char	   *sql;
	ListCell   *lc;
	rb_detect_incident inc;

	/* who may not read the ledger and the map learns it before any work */
	check_readable(nsp, "bounce");
	check_readable(nsp, "domain_host");
	check_readable(nsp, "host_address");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) ||
		PG_GETARG_TIMESTAMPTZ(0) >= PG_GETARG_TIMESTAMPTZ(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid detection interval from \"%s\" to \"%s\"",
						time_text(fcinfo, 0), time_text(fcinfo, 1)),
				 errdetail("Both ends must be given and the start must come before the end.")));
	since = PG_GETARG_TIMESTAMPTZ(0);
	until = PG_GETARG_TIMESTAMPTZ(1);

	memset(&d, 0, sizeof(d));
	rb_detect_current_config(&d.cfg);
	if (!rb_detect_config_valid(&d.cfg))
		elog(ERROR, "rebound: invalid detection settings");
	d.incidents = incidents;
	InitMaterializedSRF(fcinfo, 0);
	d.out = rsinfo->setResult;
	d.desc = rsinfo->setDesc;
	d.range_type = lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO);
	d.schema = quote_identifier(get_namespace_name(nsp));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rb_become_extension_owner(&sw);
	d.long_cxt = CurrentMemoryContext;
	chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "rebound detection chunk",
									  ALLOCSET_DEFAULT_SIZES);
	sql = psprintf("SELECT pg_catalog.min(x.occurred_at) FROM %s.bounce x WHERE x.hard", d.schema);
	if (!query_time(SPI_prepare(sql, 0, NULL), NULL, &start))
	{
		rb_restore_user(&sw);
		SPI_finish();
		return;					/* an empty ledger */
	}
	d.first = bucket_floor(&d, start);
	if (rb_detect_use_summary())
		read_covered(&d);
	d.chunk_plan = SPI_prepare(chunk_query, 6, chunk_types);
	d.next_plan = SPI_prepare(psprintf(next_query, d.schema), 2, types);
	if (d.chunk_plan == NULL || d.next_plan == NULL)
		elog(ERROR, "rebound: cannot prepare the detection queries: %s",
			 SPI_result_code_string(SPI_result));

	/*
	 * Nothing before the ledger's first bounce has signal; an unbounded end
	 * stops at its last.  Chunks as long as the history read before them
	 * (five weeks by default) read each bounce at most twice.
	 */
	lo = TIMESTAMP_NOT_FINITE(since) ? d.first : Max(bucket_floor(&d, since), d.first);
	until_b = TIMESTAMP_NOT_FINITE(until) ? PG_INT64_MAX / 4 : bucket_ceil(&d, until);
	chunk = Max(rb_detect_reach(&d.cfg), 7 * rb_detect_per_day(&d.cfg));
	while (lo < until_b)
	{
		Datum		args[2];
		TimestampTz next,
					end;
		int64		hi;

		/* skip stretches without signal (years of quiet ledger) */
		args[0] = TimestampTzGetDatum(bucket_start(&d, lo));
		args[1] = TimestampTzGetDatum(until);
		if (!query_time(d.next_plan, args, &next))
			break;
		lo = Max(lo, bucket_floor(&d, next));
		if (lo >= until_b)
			break;
		hi = Min(lo + chunk, until_b);
		end = hi == until_b ? until : bucket_start(&d, hi);
		detect_chunk(&d, lo, hi, end, chunk_cxt);
		lo = hi;
	}
	foreach(lc, d.open)
	{
		OpenRun    *r = lfirst(lc);

		if (rb_detect_run_end(&r->run, &inc))
			emit_incident(&d, r->provider, &inc);
	}
	rb_restore_user(&sw);
	SPI_finish();
}

/*
 * detect_buckets(since, until): per provider and judged bucket with
 * signal, its counts, baseline and score.
 */
PG_FUNCTION_INFO_V1(rebound_detect_buckets);
Datum
rebound_detect_buckets(PG_FUNCTION_ARGS)
{
	detect(fcinfo, false);
	return (Datum) 0;
}

/*
 * detect_incidents(since, until): the runs of buckets that hold an
 * anomalous one, per provider.
 */
PG_FUNCTION_INFO_V1(rebound_detect_incidents);
Datum
rebound_detect_incidents(PG_FUNCTION_ARGS)
{
	detect(fcinfo, true);
	return (Datum) 0;
}
