/*
 * detector.h
 *	  The incident detector over count arrays: per provider, the counted
 *	  failures and the sending volume of each time bucket, for the buckets
 *	  to judge and the history their baselines need.  It decides which
 *	  buckets are improbable under the provider's baseline and grows them
 *	  into runs (incidents).  Knows nothing of where the counts come from:
 *	  the glue (src/glue/detect.c) gathers them with one query per stretch of
 *	  time.
 *
 *	  Buckets are numbered from the Unix epoch (bucket b covers
 *	  [b * width, (b + 1) * width) seconds), so that the same bucket of the
 *	  previous day and week is always b - per_day and b - 7 * per_day.
 */
#ifndef REBOUND_CORE_DETECTOR_H
#define REBOUND_CORE_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bounds of the settings (src/glue/detect.c defines the GUCs with them). */
#define RB_DETECT_MAX_DAYS 90
#define RB_DETECT_MAX_WEEKS 26

/* Buckets with a score at least this grow a run (p < 0.01). */
#define RB_DETECT_GROW_SCORE 2.0

typedef struct rb_detect_config
{
	int			bucket_seconds; /* bucket width; divides a day */
	int64_t		min_count;		/* fewest counted failures of an anomaly */
	double		threshold;		/* score an anomalous bucket reaches */
	int			baseline_days;	/* 1 .. RB_DETECT_MAX_DAYS */
	int			baseline_weeks; /* 0 .. RB_DETECT_MAX_WEEKS */
} rb_detect_config;

/* Is cfg within the bounds above (width dividing a day, and so on)? */
extern bool rb_detect_config_valid(const rb_detect_config *cfg);

/* Buckets in a day. */
extern int64_t rb_detect_per_day(const rb_detect_config *cfg);

/* Half the width of a baseline window, in buckets: an hour, at least one. */
extern int64_t rb_detect_span(const rb_detect_config *cfg);

/*
 * How many buckets of history before a judged bucket its baseline reads:
 * a judged bucket needs the series to start at least this far before it.
 */
extern int64_t rb_detect_reach(const rb_detect_config *cfg);

/*
 * A provider's counts over consecutive buckets, as running sums: sums[i]
 * is the total of the first i buckets, so a series of len buckets has
 * len + 1 sums and any window is two subscripts.
 */
typedef struct rb_detect_series
{
	size_t		len;			/* buckets in the series */
	const int64_t *counted;		/* len + 1 running sums of the counted failures */
	const int64_t *volume;		/* len + 1 running sums of the sending volume */
	int64_t		first;			/* index of the ledger's first bucket; may lie
								 * outside the series */
} rb_detect_series;

/*
 * Turn per-bucket counts into running sums, in place: on entry
 * a[0 .. len - 1] are the counts (a has room for len + 1); on return a[i]
 * is the sum of the first i of them.
 */
extern void rb_detect_running_sums(int64_t *a, size_t len);

/*
 * The baseline (expected count) of the bucket at index at, which needs
 * rb_detect_reach(cfg) <= at < s->len.  The larger of the median rate of
 * the same hours of the previous days and the mean rate of the same
 * weekday and hours of the previous weeks (windows of an hour either side
 * of the bucket), each raised in proportion to a rise of the volume, and
 * never below 1.  Windows that begin at or before the ledger's first
 * bucket are not used; with no previous day at all, the mean rate since
 * the ledger began stands in for the days, from six hours of history on.
 * Returns false when the bucket cannot be judged (earlier than that, or at
 * out of bounds).
 */
extern bool rb_detect_baseline(const rb_detect_config *cfg,
							   const rb_detect_series *s, size_t at,
							   double *baseline);

/* -log10 P(X >= counted) for X ~ Poisson(baseline), never -0. */
extern double rb_detect_score(int64_t counted, double baseline);

/*
 * A judged bucket.  first_at, last_at (the times of its first and last
 * failures, in any unit) and layers (a bit set) are the caller's and only
 * carried into the runs.
 */
typedef struct rb_detect_bucket
{
	int64_t		bucket;			/* number since the epoch */
	int64_t		bounces;		/* all the failures */
	int64_t		counted;		/* those counted (customer domains once) */
	double		baseline;
	double		score;
	int64_t		first_at;
	int64_t		last_at;
	uint32_t	layers;
} rb_detect_bucket;

/* An incident: a run of buckets that holds an anomalous one. */
typedef struct rb_detect_incident
{
	int64_t		first_at;		/* of the run's first flagged bucket, or of
								 * a contiguous failure just before it */
	int64_t		last_at;		/* of its last flagged bucket, or of a
								 * contiguous failure just after it */
	int64_t		bounces;
	int64_t		counted;
	double		baseline;		/* expected count over the run's buckets */
	double		score;			/* of counted against baseline */
	uint32_t	layers;			/* of its flagged buckets */
} rb_detect_incident;

/*
 * The run being grown for one provider, fed its judged buckets in order.
 * A bucket scoring at least RB_DETECT_GROW_SCORE extends the run or starts
 * one; one quiet bucket (judged below that, or not judged) between two
 * such buckets belongs to the run; a second ends it.  The run is an
 * incident when one of its buckets counts at least min_count with a score
 * at least threshold.
 */
typedef struct rb_detect_run
{
	bool		open;
	bool		anomalous;		/* holds an anomalous bucket */
	int64_t		last;			/* its last flagged bucket */
	rb_detect_incident inc;		/* what it holds so far */
	/* the quiet bucket just after last, if any */
	int64_t		gap_bounces;
	int64_t		gap_counted;
	double		gap_baseline;

	/*
	 * The edges (issue 18): a failure contiguous with the run belongs to
	 * it even when it falls alone in the bucket before or after.
	 * Contiguous: no further from the run's first (last) failure than
	 * RB_DETECT_EDGE_SPACINGS times the mean spacing of the failures of
	 * the run's first (last) bucket.
	 */
	int64_t		last_first_at;	/* first failure of the last flagged bucket */
	int64_t		last_bounces;	/* its failures */
	bool		edge;			/* edge_at extends the run's end */
	int64_t		edge_at;
	bool		quiet;			/* the last bucket fed was quiet: */
	int64_t		quiet_bucket;	/* its number */
	int64_t		quiet_last_at;	/* its last failure */
} rb_detect_run;

/* How many mean spacings away a failure still is contiguous with a run. */
#define RB_DETECT_EDGE_SPACINGS 3

extern void rb_detect_run_init(rb_detect_run *run);

/*
 * Feed the provider's next judged bucket (in increasing bucket order).
 * Returns true when the bucket ended an incident, written to *out.
 */
extern bool rb_detect_run_add(const rb_detect_config *cfg, rb_detect_run *run,
							  const rb_detect_bucket *b, rb_detect_incident *out);

/*
 * Could no bucket from number next on extend the run?  Then it is over
 * and rb_detect_run_end may close it.
 */
extern bool rb_detect_run_over(const rb_detect_run *run, int64_t next);

/* End the run (no more buckets); true when it is an incident, in *out. */
extern bool rb_detect_run_end(rb_detect_run *run, rb_detect_incident *out);

/*
 * Stretches of buckets, for the summary (src/glue/detector.c): a judged
 * stretch is read partly from the counts summarised once per closed bucket,
 * partly from the ledger.  Arrays of them are sorted and disjoint, each
 * half-open [lo, hi) and not empty.
 */
typedef struct rb_bucket_range
{
	int64_t		lo;
	int64_t		hi;
} rb_bucket_range;

/*
 * a minus b, into out (room for na + nb ranges); returns how many.  Both
 * sorted and disjoint; so is the result.
 */
extern size_t rb_bucket_ranges_minus(const rb_bucket_range *a, size_t na,
									 const rb_bucket_range *b, size_t nb,
									 rb_bucket_range *out);

/* a intersected with b, into out (room for na + nb ranges); how many. */
extern size_t rb_bucket_ranges_meet(const rb_bucket_range *a, size_t na,
									const rb_bucket_range *b, size_t nb,
									rb_bucket_range *out);

#endif							/* REBOUND_CORE_DETECTOR_H */
