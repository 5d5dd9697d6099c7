/*
 * detect.c
 *	  SQL glue of incident detection: its settings, the failure kind of a
 *	  diagnostic text, and the Poisson score of a count.
 */
#include "rebound.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "core/detect.h"
#include "core/detector.h"

/* Settings (see the README, "Incident detection"). */
static int	rb_detect_bucket_minutes = 15;	/* minutes */
static int	rb_detect_min_count = 10;
static double rb_detect_threshold = 6.0;
static int	rb_detect_baseline_days = 7;
static int	rb_detect_baseline_weeks = 4;
static bool rb_detect_summary = true;

/*
 * Buckets are aligned on the Unix epoch, so that the same bucket of the
 * previous day and week exists: the width must divide a day.
 */
static bool
check_bucket(int *newval, void **extra, GucSource source)
{
	if (*newval <= 0 || (24 * 60) % *newval != 0)
	{
		GUC_check_errdetail("The bucket width must divide a day (1440 minutes), like 5, 10, 15, 20, 30 or 60 minutes.");
		return false;
	}
	return true;
}

void
rb_detect_init(void)
{
	DefineCustomIntVariable("rebound.detect_bucket",
							"Width of the time buckets in which incident detection counts failures.",
							"Must divide a day.",
							&rb_detect_bucket_minutes,
							15, 1, 24 * 60,
							PGC_USERSET, GUC_UNIT_MIN,
							check_bucket, NULL, NULL);
	DefineCustomBoolVariable("rebound.detect_summary",
							 "Whether incident detection reads closed buckets from the detection summary.",
							 "Off: every bucket is counted from the ledger, as a check of the summary or when in doubt.",
							 &rb_detect_summary,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("rebound.detect_min_count",
							"Fewest infrastructure hard bounces in a bucket that can make a provider incident.",
							"Each customer domain of the provider counts once per bucket; its own domains count every failure.",
							&rb_detect_min_count,
							10, 1, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomRealVariable("rebound.detect_threshold",
							 "Score (-log10 of the Poisson tail probability) above which a bucket is anomalous.",
							 "6 means a probability below one in a million under the provider's baseline.",
							 &rb_detect_threshold,
							 6.0, 0.0, 1000.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("rebound.detect_baseline_days",
							"Previous days whose same hours make a provider's baseline.",
							NULL,
							&rb_detect_baseline_days,
							7, 1, RB_DETECT_MAX_DAYS,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("rebound.detect_baseline_weeks",
							"Previous weeks whose same hours of the same weekday also make a provider's baseline.",
							NULL,
							&rb_detect_baseline_weeks,
							4, 0, RB_DETECT_MAX_WEEKS,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* The settings, for the detector (detector.c). */
void
rb_detect_current_config(rb_detect_config *cfg)
{
	cfg->bucket_seconds = rb_detect_bucket_minutes * 60;
	cfg->min_count = rb_detect_min_count;
	cfg->threshold = rb_detect_threshold;
	cfg->baseline_days = rb_detect_baseline_days;
	cfg->baseline_weeks = rb_detect_baseline_weeks;
}

/*
 * The settings as one typed row, so that the SQL side needs no parsing
 * and the module is loaded (its settings defined) before they are read.
 */
PG_FUNCTION_INFO_V1(rebound_detect_settings);
Datum
rebound_detect_settings(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	Interval   *bucket = palloc0(sizeof(Interval));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	bucket->time = (int64) rb_detect_bucket_minutes * USECS_PER_MINUTE;
	values[0] = IntervalPGetDatum(bucket);
	values[1] = Int32GetDatum(rb_detect_min_count);
	values[2] = Float8GetDatum(rb_detect_threshold);
	values[3] = Int32GetDatum(rb_detect_baseline_days);
	values[4] = Int32GetDatum(rb_detect_baseline_weeks);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* The layer family a diagnostic implicates: 'dns', 'connection' or NULL. */
PG_FUNCTION_INFO_V1(rebound_failure_kind);
Datum
rebound_failure_kind(PG_FUNCTION_ARGS)
{
	text	   *diag = PG_GETARG_TEXT_PP(0);
	const char *name;

	/* The phrases are ASCII, which every server encoding extends. */
	name = rb_failure_kind_name(rb_failure_kind_of(VARDATA_ANY(diag),
												   VARSIZE_ANY_EXHDR(diag)));
	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/* -log10 P(X >= n) for X ~ Poisson(lambda). */
PG_FUNCTION_INFO_V1(rebound_poisson_score);
Datum
rebound_poisson_score(PG_FUNCTION_ARGS)
{
	int64		n = PG_GETARG_INT64(0);
	float8		lambda = PG_GETARG_FLOAT8(1);
	double		score;

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid count \"" INT64_FORMAT "\"", n),
				 errdetail("A count of bounces cannot be negative.")));
	if (!(lambda > 0.0) || isinf(lambda))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid baseline \"%g\"", lambda),
				 errdetail("The expected count must be a positive finite number.")));
	score = -rb_poisson_tail_log10((uint64_t) n, lambda);
	/* no -0 */
	PG_RETURN_FLOAT8(score > 0.0 ? score : 0.0);
}

/*
 * Whether detection keeps and reads the summary of its counts.  Not on a
 * Citus cluster: the marks that keep it current are written by the
 * ledger's triggers, which there fire on the shards, on the workers, out
 * of the coordinator's sight; every detection there counts the ledger.
 */
bool
rb_detect_use_summary(void)
{
	return rb_detect_summary && !rb_ledger_distributed();
}

/* detect_summary_on(): rb_detect_use_summary() for the summariser's steps */
PG_FUNCTION_INFO_V1(rebound_detect_summary_on);
Datum
rebound_detect_summary_on(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rb_detect_use_summary());
}
