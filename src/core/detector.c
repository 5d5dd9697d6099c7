/*
 * detector.c
 *	  Baselines, scores and runs of the incident detector (detector.h).
 *
 *	  The arithmetic follows, operation for operation, what the PL/pgSQL
 *	  detector of 0.1.0 did in float8 (medians as percentile_cont(0.5),
 *	  means as avg, rounding of the window as round()), so that the same
 *	  ledger gives the same baselines and scores to the last bit.
 */
#include "core/detector.h"
#include "core/detect.h"

#include <math.h>

#define SECS_PER_DAY 86400
#define SECS_PER_HOUR 3600
/* a ledger younger than a day judges from this much history on */
#define YOUNG_SECS (6 * SECS_PER_HOUR)

bool
rb_detect_config_valid(const rb_detect_config *cfg)
{
	return cfg->bucket_seconds > 0 &&
		SECS_PER_DAY % cfg->bucket_seconds == 0 &&
		cfg->baseline_days >= 1 && cfg->baseline_days <= RB_DETECT_MAX_DAYS &&
		cfg->baseline_weeks >= 0 && cfg->baseline_weeks <= RB_DETECT_MAX_WEEKS &&
		cfg->threshold == cfg->threshold;	/* not NaN */
}

int64_t
rb_detect_per_day(const rb_detect_config *cfg)
{
	return SECS_PER_DAY / cfg->bucket_seconds;
}

/*
 * Half a baseline window, in buckets: an hour, at least one bucket.
 * rint, as PostgreSQL's round(float8) (2.5 buckets of 24 minutes are 2).
 */
int64_t
rb_detect_span(const rb_detect_config *cfg)
{
	double		h = rint((double) SECS_PER_HOUR / (double) cfg->bucket_seconds);

	return h < 1.0 ? 1 : (int64_t) h;
}

int64_t
rb_detect_reach(const rb_detect_config *cfg)
{
	int64_t		days = cfg->baseline_days;

	if (7 * (int64_t) cfg->baseline_weeks > days)
		days = 7 * (int64_t) cfg->baseline_weeks;
	return days * rb_detect_per_day(cfg) + rb_detect_span(cfg) + 1;
}

void
rb_detect_running_sums(int64_t *a, size_t len)
{
	int64_t		sum = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		int64_t		n = a[i];

		a[i] = sum;
		sum += n;
	}
	a[len] = sum;
}

/* percentile_cont(0.5) of v[0 .. n - 1], n > 0; sorts v. */
static double
median(double *v, int n)
{
	double		pos;
	int			i,
				j,
				lo,
				hi;

	/* insertion sort: at most RB_DETECT_MAX_DAYS values */
	for (i = 1; i < n; i++)
	{
		double		x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	pos = 0.5 * (double) (n - 1);
	lo = (int) floor(pos);
	hi = (int) ceil(pos);
	if (lo == hi)
		return v[lo];
	return v[lo] + (pos - (double) lo) * (v[hi] - v[lo]);
}

static double
max2(double a, double b)
{
	return a > b ? a : b;
}

/* The sum of buckets from .. from + n - 1 of a running-sum array. */
static int64_t
window(const int64_t *sums, size_t from, size_t n)
{
	return sums[from + n] - sums[from];
}

bool
rb_detect_baseline(const rb_detect_config *cfg, const rb_detect_series *s,
				   size_t at, double *baseline)
{
	int64_t		per_day = rb_detect_per_day(cfg);
	int64_t		span = rb_detect_span(cfg);
	size_t		width = (size_t) (2 * span + 1);
	double		rates[RB_DETECT_MAX_DAYS];
	double		vols[RB_DETECT_MAX_DAYS];
	int			n = 0;
	int			k;
	double		vnow;
	double		by_day,
				f_day,
				by_week = 0.0,
				f_week = 1.0;
	bool		have_week = false;
	int64_t		first = s->first;

	if (!rb_detect_config_valid(cfg) || at >= s->len ||
		(int64_t) at < rb_detect_reach(cfg))
		return false;
	/*
	 * A first bucket before the series or after it compares with every
	 * window as -1 or len would (no window of a judged bucket starts before
	 * index 1): clamp it, so that no subtraction below can overflow.
	 */
	if (first < -1)
		first = -1;
	if (first > (int64_t) s->len)
		first = (int64_t) s->len;
	vnow = (double) window(s->volume, at, 1);

	/* the same hours of each previous day the ledger covers */
	for (k = 1; k <= cfg->baseline_days; k++)
	{
		int64_t		lo = (int64_t) at - k * per_day - span;

		if (lo > first)
		{
			rates[n] = (double) window(s->counted, (size_t) lo, width) / (double) width;
			vols[n] = (double) window(s->volume, (size_t) lo, width) / (double) width;
			n++;
		}
	}
	if (n > 0)
	{
		by_day = median(rates, n);
		f_day = max2(1.0, vnow / max2(1.0, median(vols, n)));
	}
	else
	{
		/*
		 * A young ledger: the mean rate of the buckets after its first up to
		 * the window before this one, from six hours of history on.
		 */
		int64_t		lo = (int64_t) at - span - 1;
		double		buckets = (double) (lo - first);

		if (buckets * (double) cfg->bucket_seconds < (double) YOUNG_SECS)
			return false;
		/* lo > first >= 1 here: no day window began after first */
		by_day = (double) (s->counted[lo + 1] - s->counted[first + 1]) / buckets;
		f_day = max2(1.0, vnow / max2(1.0,
									  (double) (s->volume[lo + 1] - s->volume[first + 1]) / buckets));
	}

	/* the same weekday and hours of each previous week: their mean */
	{
		double		sum_rate = 0.0,
					sum_vol = 0.0;
		int			m = 0;

		for (k = 1; k <= cfg->baseline_weeks; k++)
		{
			int64_t		lo = (int64_t) at - 7 * k * per_day - span;

			if (lo > first)
			{
				sum_rate += (double) window(s->counted, (size_t) lo, width) / (double) width;
				sum_vol += (double) window(s->volume, (size_t) lo, width) / (double) width;
				m++;
			}
		}
		if (m > 0)
		{
			have_week = true;
			by_week = sum_rate / (double) m;
			f_week = max2(1.0, vnow / max2(1.0, sum_vol / (double) m));
		}
	}

	*baseline = max2(max2(by_day * f_day, have_week ? by_week * f_week : 0.0), 1.0);
	return true;
}

double
rb_detect_score(int64_t counted, double baseline)
{
	double		score;

	if (counted <= 0)
		return 0.0;
	score = -rb_poisson_tail_log10((uint64_t) counted, baseline);
	return score > 0.0 ? score : 0.0;
}

void
rb_detect_run_init(rb_detect_run *run)
{
	run->open = false;
	run->anomalous = false;
	run->last = 0;
	run->gap_bounces = 0;
	run->gap_counted = 0;
	run->gap_baseline = 0.0;
	run->last_first_at = 0;
	run->last_bounces = 0;
	run->edge = false;
	run->edge_at = 0;
	run->quiet = false;
	run->quiet_bucket = 0;
	run->quiet_last_at = 0;
}

/*
 * Is a failure at distance gap (in the caller's unit) from the edge of a
 * bucket holding n failures between first_at and last_at contiguous with
 * them: no further than RB_DETECT_EDGE_SPACINGS mean spacings?  With one
 * failure there is no spacing: not contiguous.
 */
static bool
contiguous(int64_t gap, int64_t first_at, int64_t last_at, int64_t n)
{
	double		spacing;

	if (gap < 0 || n < 2 || last_at < first_at)
		return false;
	spacing = ((double) last_at - (double) first_at) / (double) (n - 1);
	return (double) gap <= RB_DETECT_EDGE_SPACINGS * spacing;
}

/* Close an open run; true (and *out) when it holds an anomalous bucket. */
static bool
close_run(rb_detect_run *run, rb_detect_incident *out)
{
	bool		incident = run->open && run->anomalous;

	if (incident)
	{
		*out = run->inc;
		/* the contiguous failure alone in the bucket after the run */
		if (run->edge && run->edge_at > out->last_at)
			out->last_at = run->edge_at;
		out->score = rb_detect_score(run->inc.counted, run->inc.baseline);
	}
	run->open = false;
	run->edge = false;
	return incident;
}

bool
rb_detect_run_add(const rb_detect_config *cfg, rb_detect_run *run,
				  const rb_detect_bucket *b, rb_detect_incident *out)
{
	bool		flagged = b->score >= RB_DETECT_GROW_SCORE;
	bool		ended = false;

	/* two quiet buckets, or a quiet one past the bucket after the run */
	if (run->open &&
		(b->bucket - run->last > 2 || (!flagged && b->bucket - run->last > 1)))
		ended = close_run(run, out);
	if (!flagged)
	{
		/* a quiet bucket inside a run belongs to its interval */
		run->gap_bounces = b->bounces;
		run->gap_counted = b->counted;
		run->gap_baseline = b->baseline;
		/* its first failure may be the run's last (a bucket boundary) */
		if (run->open && b->bucket == run->last + 1 &&
			contiguous(b->first_at - run->inc.last_at,
					   run->last_first_at, run->inc.last_at, run->last_bounces))
		{
			run->edge = true;
			run->edge_at = b->first_at;
		}
		run->quiet = true;
		run->quiet_bucket = b->bucket;
		run->quiet_last_at = b->last_at;
		return ended;
	}
	if (!run->open)
	{
		run->open = true;
		run->anomalous = false;
		run->edge = false;
		run->inc.bounces = 0;
		run->inc.counted = 0;
		run->inc.baseline = 0.0;
		run->inc.first_at = b->first_at;
		/* the quiet bucket just before may hold the run's first failure */
		if (run->quiet && run->quiet_bucket == b->bucket - 1 &&
			contiguous(b->first_at - run->quiet_last_at,
					   b->first_at, b->last_at, b->bounces))
			run->inc.first_at = run->quiet_last_at;
		run->inc.layers = 0;
	}
	else if (run->last == b->bucket - 2)
	{
		run->inc.bounces += run->gap_bounces;
		run->inc.counted += run->gap_counted;
		run->inc.baseline += run->gap_baseline;
	}
	run->gap_bounces = 0;
	run->gap_counted = 0;
	run->gap_baseline = 0.0;
	run->last = b->bucket;
	if (b->counted >= cfg->min_count && b->score >= cfg->threshold)
		run->anomalous = true;
	run->inc.bounces += b->bounces;
	run->inc.counted += b->counted;
	run->inc.baseline += b->baseline;
	run->inc.last_at = b->last_at;
	run->inc.layers |= b->layers;
	run->last_first_at = b->first_at;
	run->last_bounces = b->bounces;
	run->edge = false;
	run->quiet = false;
	return ended;
}

bool
rb_detect_run_over(const rb_detect_run *run, int64_t next)
{
	return !run->open || next - run->last > 2;
}

bool
rb_detect_run_end(rb_detect_run *run, rb_detect_incident *out)
{
	return close_run(run, out);
}

/*
 * The range arithmetic of the summary: both walks are linear in na + nb
 * (each step passes the end of a range of a or of b).
 */
size_t
rb_bucket_ranges_minus(const rb_bucket_range *a, size_t na,
					   const rb_bucket_range *b, size_t nb,
					   rb_bucket_range *out)
{
	size_t		n = 0,
				j = 0,
				i;

	for (i = 0; i < na; i++)
	{
		int64_t		lo = a[i].lo;

		/* the ranges of b that end before this one can end nothing later */
		while (j < nb && b[j].hi <= lo)
			j++;
		while (lo < a[i].hi)
		{
			size_t		k = j;

			/* the next range of b that overlaps what is left */
			while (k < nb && b[k].hi <= lo)
				k++;
			if (k == nb || b[k].lo >= a[i].hi)
			{
				out[n].lo = lo;
				out[n++].hi = a[i].hi;
				break;
			}
			if (b[k].lo > lo)
			{
				out[n].lo = lo;
				out[n++].hi = b[k].lo;
			}
			lo = b[k].hi;
			j = k;
		}
	}
	return n;
}

size_t
rb_bucket_ranges_meet(const rb_bucket_range *a, size_t na,
					  const rb_bucket_range *b, size_t nb,
					  rb_bucket_range *out)
{
	size_t		n = 0,
				i = 0,
				j = 0;

	while (i < na && j < nb)
	{
		int64_t		lo = a[i].lo > b[j].lo ? a[i].lo : b[j].lo;
		int64_t		hi = a[i].hi < b[j].hi ? a[i].hi : b[j].hi;

		if (lo < hi)
		{
			out[n].lo = lo;
			out[n++].hi = hi;
		}
		/* drop the range that ends first: nothing later overlaps it */
		if (a[i].hi < b[j].hi)
			i++;
		else
			j++;
	}
	return n;
}
