/*
 * test_detector.c
 *	  The incident detector over count arrays: the shape of its windows,
 *	  baselines worked out by hand, runs grown by hand; then properties on
 *	  random series: baselines equal those of a straightforward
 *	  re-implementation (windows summed bucket by bucket, medians by qsort),
 *	  do not depend on where the series starts, and scale with the counts;
 *	  runs equal the maximal chains of flagged buckets.
 */
#include "core/detector.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

static rb_detect_config
defaults(void)
{
	rb_detect_config cfg = {900, 10, 6.0, 7, 4};

	return cfg;
}

/* xorshift64*: reproducible without libc's rand() */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int64_t
rnd(int64_t n)
{
	return (int64_t) (rng() % (uint64_t) n);
}

/* A series of len buckets from per-bucket counts (copied). */
typedef struct series
{
	rb_detect_series s;
	int64_t    *counted;
	int64_t    *volume;
} series;

static series
make_series(const int64_t *counted, const int64_t *volume, size_t len, int64_t first)
{
	series		r;

	r.counted = malloc((len + 1) * sizeof(int64_t));
	r.volume = malloc((len + 1) * sizeof(int64_t));
	memcpy(r.counted, counted, len * sizeof(int64_t));
	memcpy(r.volume, volume, len * sizeof(int64_t));
	rb_detect_running_sums(r.counted, len);
	rb_detect_running_sums(r.volume, len);
	r.s.len = len;
	r.s.counted = r.counted;
	r.s.volume = r.volume;
	r.s.first = first;
	return r;
}

static void
free_series(series *r)
{
	free(r->counted);
	free(r->volume);
}

/* ------------------------------------------------------------------------
 * The reference: the algorithm as the README states it, bucket by bucket.
 */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static double
ref_median(double *v, int n)
{
	double		pos = 0.5 * (n - 1);
	int			lo = (int) floor(pos),
				hi = (int) ceil(pos);

	qsort(v, n, sizeof(double), cmp_double);
	return lo == hi ? v[lo] : v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

static int64_t
ref_sum(const int64_t *raw, int64_t from, int64_t n)
{
	int64_t		t = 0,
				i;

	for (i = from; i < from + n; i++)
		t += raw[i];
	return t;
}

static double
fmax3(double a, double b, double c)
{
	return fmax(fmax(a, b), c);
}

static bool
ref_baseline(const rb_detect_config *cfg, const int64_t *cnt, const int64_t *vol,
			 int64_t first, int64_t at, double *out)
{
	int64_t		per_day = 86400 / cfg->bucket_seconds;
	int64_t		span = (int64_t) fmax(1.0, rint(3600.0 / cfg->bucket_seconds));
	int64_t		width = 2 * span + 1;
	double		rates[RB_DETECT_MAX_DAYS],
				vols[RB_DETECT_MAX_DAYS];
	double		vnow = (double) vol[at];
	double		by_day,
				f_day,
				week = 0.0;
	double		sr = 0.0,
				sv = 0.0;
	int			n = 0,
				m = 0,
				k;

	for (k = 1; k <= cfg->baseline_days; k++)
	{
		int64_t		lo = at - k * per_day - span;

		if (lo > first)
		{
			rates[n] = (double) ref_sum(cnt, lo, width) / width;
			vols[n] = (double) ref_sum(vol, lo, width) / width;
			n++;
		}
	}
	if (n > 0)
	{
		by_day = ref_median(rates, n);
		f_day = fmax(1.0, vnow / fmax(1.0, ref_median(vols, n)));
	}
	else
	{
		int64_t		lo = at - span - 1;

		if ((double) (lo - first) * cfg->bucket_seconds < 6 * 3600.0)
			return false;
		by_day = (double) ref_sum(cnt, first + 1, lo - first) / (double) (lo - first);
		f_day = fmax(1.0, vnow / fmax(1.0, (double) ref_sum(vol, first + 1, lo - first) / (double) (lo - first)));
	}
	for (k = 1; k <= cfg->baseline_weeks; k++)
	{
		int64_t		lo = at - 7 * k * per_day - span;

		if (lo > first)
		{
			sr += (double) ref_sum(cnt, lo, width) / width;
			sv += (double) ref_sum(vol, lo, width) / width;
			m++;
		}
	}
	if (m > 0)
		week = (sr / m) * fmax(1.0, vnow / fmax(1.0, sv / m));
	*out = fmax3(by_day * f_day, week, 1.0);
	return true;
}

/* ------------------------------------------------------------------------
 * Runs, by hand and by the reference: maximal chains of flagged buckets
 * (score >= 2) no more than two apart, with the quiet judged bucket of a
 * gap of two; an incident when one of its flagged buckets is anomalous.
 */
static rb_detect_bucket
bk(int64_t bucket, int64_t counted, double baseline, double score)
{
	rb_detect_bucket b;

	b.bucket = bucket;
	b.bounces = counted + 1;
	b.counted = counted;
	b.baseline = baseline;
	b.score = score;
	b.first_at = bucket * 10;
	b.last_at = bucket * 10 + 9;
	b.layers = 1u << (((bucket % 5) + 5) % 5);
	return b;
}

/* Feed buckets; return the incidents found (at most max). */
static int
grow(const rb_detect_config *cfg, const rb_detect_bucket *b, int n,
	 rb_detect_incident *out, int max)
{
	rb_detect_run run;
	int			found = 0,
				i;

	rb_detect_run_init(&run);
	for (i = 0; i < n; i++)
		if (rb_detect_run_add(cfg, &run, &b[i], &out[found]) && found < max - 1)
			found++;
	if (rb_detect_run_end(&run, &out[found]) && found < max)
		found++;
	return found;
}

/* The edges' rule, written again: within 3 mean spacings of the bucket's. */
static bool
ref_contiguous(int64_t gap, const rb_detect_bucket *edge)
{
	if (gap < 0 || edge->bounces < 2)
		return false;
	return (double) gap * (double) (edge->bounces - 1) <=
		3.0 * (double) (edge->last_at - edge->first_at);
}

static int
ref_grow(const rb_detect_config *cfg, const rb_detect_bucket *b, int n,
		 rb_detect_incident *out)
{
	int			found = 0,
				i = 0;

	while (i < n)
	{
		int			j,
					last;
		bool		anomalous = false;
		rb_detect_incident inc = {0};

		if (b[i].score < RB_DETECT_GROW_SCORE)
		{
			i++;
			continue;
		}
		/* the chain from flagged bucket i */
		last = i;
		inc.first_at = b[i].first_at;
		/* a contiguous failure alone in the quiet bucket just before */
		if (i > 0 && b[i - 1].bucket == b[i].bucket - 1 &&
			b[i - 1].score < RB_DETECT_GROW_SCORE &&
			ref_contiguous(b[i].first_at - b[i - 1].last_at, &b[i]))
			inc.first_at = b[i - 1].last_at;
		for (j = i; j < n; j++)
		{
			if (b[j].bucket - b[last].bucket > 2)
				break;
			if (b[j].score < RB_DETECT_GROW_SCORE)
				continue;
			if (j != last && b[j].bucket - b[last].bucket == 2 && j - 1 > last)
			{
				/* the quiet bucket in between, judged */
				inc.bounces += b[j - 1].bounces;
				inc.counted += b[j - 1].counted;
				inc.baseline += b[j - 1].baseline;
			}
			inc.bounces += b[j].bounces;
			inc.counted += b[j].counted;
			inc.baseline += b[j].baseline;
			inc.last_at = b[j].last_at;
			inc.layers |= b[j].layers;
			anomalous |= b[j].counted >= cfg->min_count && b[j].score >= cfg->threshold;
			last = j;
		}
		/* and just after */
		if (last + 1 < n && b[last + 1].bucket == b[last].bucket + 1 &&
			ref_contiguous(b[last + 1].first_at - b[last].last_at, &b[last]))
			inc.last_at = b[last + 1].first_at;
		if (anomalous)
		{
			inc.score = rb_detect_score(inc.counted, inc.baseline);
			out[found++] = inc;
		}
		i = last + 1;
	}
	return found;
}

static bool
same_incident(const rb_detect_incident *a, const rb_detect_incident *b)
{
	return a->first_at == b->first_at && a->last_at == b->last_at &&
		a->bounces == b->bounces && a->counted == b->counted &&
		a->baseline == b->baseline && a->score == b->score && a->layers == b->layers;
}

int
main(void)
{
	rb_detect_config cfg = defaults();
	int			trial;

	/* ---- the windows */
	is_int(rb_detect_per_day(&cfg), 96, "96 buckets of 15 minutes a day");
	is_int(rb_detect_reach(&cfg), 28 * 96 + 4 + 1, "reach: four weeks and an hour of 15-minute buckets, and one");
	cfg.bucket_seconds = 24 * 60;
	is_int(rb_detect_reach(&cfg), 28 * 60 + 2 + 1, "24-minute buckets: 2.5 buckets an hour round to 2, as round(float8) does");
	cfg.bucket_seconds = 7200;
	is_int(rb_detect_reach(&cfg), 28 * 12 + 1 + 1, "2-hour buckets: a window of one bucket either side");
	cfg = defaults();
	cfg.baseline_weeks = 0;
	is_int(rb_detect_reach(&cfg), 7 * 96 + 5, "no weeks: a week of days");
	cfg = defaults();
	ok(rb_detect_config_valid(&cfg), "defaults valid");
	cfg.bucket_seconds = 7 * 60;
	ok(!rb_detect_config_valid(&cfg), "7 minutes do not divide a day");
	cfg = defaults();
	cfg.baseline_days = 0;
	ok(!rb_detect_config_valid(&cfg), "at least one day");
	cfg = defaults();

	/* ---- baselines by hand */
	{
		enum
		{
			LEN = 30 * 96
		};
		static int64_t cnt[LEN],
					vol[LEN];
		series		r;
		double		base;
		size_t		i,
					at = LEN - 1;

		/* a steady 3 failures a bucket for a month */
		for (i = 0; i < LEN; i++)
		{
			cnt[i] = 3;
			vol[i] = 100;
		}
		r = make_series(cnt, vol, LEN, -5);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base), "steady: judged");
		ok(base == 3.0, "steady: baseline 3");
		ok(!rb_detect_baseline(&cfg, &r.s, (size_t) rb_detect_reach(&cfg) - 1, &base),
		   "a bucket without its reach of history is not judged");
		ok(!rb_detect_baseline(&cfg, &r.s, LEN, &base), "nor one past the series");
		free_series(&r);

		/* twice the volume now: the baseline doubles */
		vol[at] = 200;
		r = make_series(cnt, vol, LEN, -5);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base) && base == 6.0, "a doubled volume doubles the baseline");
		free_series(&r);
		vol[at] = 100;

		/* a quiet history: never below one */
		for (i = 0; i < LEN; i++)
			cnt[i] = 0;
		r = make_series(cnt, vol, LEN, -5);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base) && base == 1.0, "an empty history gives 1");
		free_series(&r);

		/* one day of the seven at 9 a bucket: the median ignores it ... */
		for (i = at - 96 - 4; i <= at - 96 + 4; i++)
			cnt[i] = 9;
		cfg.baseline_weeks = 0;
		r = make_series(cnt, vol, LEN, -5);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base) && base == 1.0, "one odd day does not move the median");
		free_series(&r);
		/* ... and the mean of the weeks takes a week's: 9 / 4 */
		for (i = 0; i < LEN; i++)
			cnt[i] = 0;
		for (i = at - 7 * 96 - 4; i <= at - 7 * 96 + 4; i++)
			cnt[i] = 9;
		cfg.baseline_weeks = 4;
		r = make_series(cnt, vol, LEN, -5);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base) && base == 9.0 / 4.0, "the weeks' mean: 9 / 4");
		free_series(&r);
		/* two days of eight: the median of an even count interpolates */
		for (i = 0; i < LEN; i++)
			cnt[i] = 0;
		cfg.baseline_days = 2;
		cfg.baseline_weeks = 0;
		for (i = at - 96 - 4; i <= at - 96 + 4; i++)
			cnt[i] = 4;
		r = make_series(cnt, vol, LEN, -5);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base) && base == 2.0, "median of 4 and 0 is 2");
		free_series(&r);
		/* a ledger that began 10 hours ago: its mean rate since */
		for (i = 0; i < LEN; i++)
			cnt[i] = 5;
		r = make_series(cnt, vol, LEN, (int64_t) at - 40);
		ok(rb_detect_baseline(&cfg, &r.s, at, &base) && base == 5.0, "young ledger: the mean since it began");
		free_series(&r);
		r = make_series(cnt, vol, LEN, (int64_t) at - 28);
		ok(!rb_detect_baseline(&cfg, &r.s, at, &base), "younger than six hours of history: not judged");
		free_series(&r);
		cfg = defaults();
	}

	/* ---- scores */
	ok(rb_detect_score(0, 1.0) == 0.0, "no failures, score 0");
	ok(fabs(rb_detect_score(10, 1.0) - 7.0) < 0.1, "10 against 1: about 7");
	ok(rb_detect_score(3, 10.0) < 0.01 && !signbit(rb_detect_score(1, 1e6)), "fewer than expected: about 0, never -0");

	/* ---- runs by hand */
	{
		rb_detect_bucket b[8];
		rb_detect_incident inc[8];
		int			n;

		b[0] = bk(100, 20, 1.0, 12.0);	/* anomalous */
		b[1] = bk(101, 1, 2.0, 0.1);	/* quiet */
		b[2] = bk(102, 5, 1.0, 3.0);	/* flagged: the quiet one joins */
		b[3] = bk(104, 5, 1.0, 3.0);	/* gap of 2, nothing judged between */
		b[4] = bk(107, 30, 1.0, 20.0);	/* too far: a new run */
		n = grow(&cfg, b, 5, inc, 8);
		is_int(n, 2, "two incidents");
		is_int(inc[0].first_at, 1000, "first starts at the first bucket's first failure");
		is_int(inc[0].last_at, 1049, "and ends at the last flagged bucket's last");
		is_int(inc[0].counted, 20 + 1 + 5 + 5, "the quiet bucket between counts");
		ok(inc[0].baseline == 5.0, "baselines add up");
		is_int(inc[0].layers, (1u << 0) | (1u << 2) | (1u << 4), "layers of the flagged buckets");
		is_int(inc[1].counted, 30, "second run alone");

		b[0] = bk(100, 9, 1.0, 12.0);	/* fewer than min_count */
		b[1] = bk(101, 50, 30.0, 4.0);	/* below threshold */
		n = grow(&cfg, b, 2, inc, 8);
		is_int(n, 0, "a run without an anomalous bucket is no incident");

		b[0] = bk(100, 20, 1.0, 12.0);
		b[1] = bk(101, 1, 2.0, 0.1);	/* quiet */
		b[2] = bk(102, 1, 2.0, 0.1);	/* quiet again: the run ends */
		b[3] = bk(103, 20, 1.0, 12.0);
		n = grow(&cfg, b, 4, inc, 8);
		is_int(n, 2, "two quiet buckets end a run");
		is_int(inc[0].counted, 20, "the quiet bucket after a run is not in it");

		/*
		 * The edges (issue 18): an outage that ends on a bucket boundary
		 * leaves its last failure alone in the next bucket; one that
		 * starts just before one leaves its first in the previous bucket.
		 * Buckets of 1000 units, failures every 10 in the run.
		 */
		b[0] = bk(99, 1, 2.0, 0.1);
		b[0].first_at = 99000;
		b[0].last_at = 99995;	/* 5 before the run's first: contiguous */
		b[1] = bk(100, 100, 1.0, 50.0);
		b[1].bounces = 100;
		b[1].first_at = 100000;
		b[1].last_at = 100990;
		b[2] = bk(101, 1, 2.0, 0.1);
		b[2].bounces = 2;
		b[2].first_at = 101000; /* the boundary: 10 after the last */
		b[2].last_at = 101700;	/* a background failure later */
		n = grow(&cfg, b, 3, inc, 8);
		is_int(n, 1, "edges: one incident");
		is_int(inc[0].first_at, 99995, "edges: the failure just before the boundary starts it");
		is_int(inc[0].last_at, 101000, "edges: the failure on the boundary ends it, not the bucket's last");
		is_int(inc[0].counted, 100, "edges: the quiet buckets' counts stay out");
		b[0].last_at = 99900;	/* 100 before: 10 spacings, not contiguous */
		b[2].first_at = 101100;
		n = grow(&cfg, b, 3, inc, 8);
		is_int(inc[0].first_at, 100000, "edges: a failure further away is not the run's");
		is_int(inc[0].last_at, 100990, "edges: nor after it");
	}

	/* ---- property: baselines equal the reference's, on random series */
	{
		enum
		{
			LEN = 40 * 24
		};
		static int64_t cnt[LEN + 200],
					vol[LEN + 200];
		int			same = 1,
					judged = 0,
					shifted = 1,
					scaled = 1;

		for (trial = 0; trial < 400 && same; trial++)
		{
			rb_detect_config c;
			series		r,
						r2;
			int64_t		first;
			int64_t		shift = rnd(150);
			int64_t		len;
			int			j;
			static const int widths[] = {3600, 1800, 1440, 7200, 2400, 10800, 21600};

			c.bucket_seconds = widths[rnd(7)];
			c.min_count = 1 + rnd(12);
			c.threshold = (double) rnd(8);
			c.baseline_days = 1 + (int) rnd(9);
			c.baseline_weeks = (int) rnd(5);
			len = 60 + rnd(LEN - 60);
			for (j = 0; j < len; j++)
			{
				cnt[j] = rnd(4) == 0 ? rnd(40) : rnd(3);
				vol[j] = rnd(200);
			}
			first = rnd(3) == 0 ? -1 - rnd(3) : rnd(len);
			r = make_series(cnt, vol, (size_t) len, first);
			/* the same counts behind shift empty buckets */
			memmove(cnt + shift, cnt, len * sizeof(int64_t));
			memmove(vol + shift, vol, len * sizeof(int64_t));
			memset(cnt, 0, shift * sizeof(int64_t));
			memset(vol, 0, shift * sizeof(int64_t));
			r2 = make_series(cnt, vol, (size_t) (len + shift), first + shift);
			memmove(cnt, cnt + shift, len * sizeof(int64_t));
			memmove(vol, vol + shift, len * sizeof(int64_t));
			for (j = 0; j < len; j++)
			{
				double		got,
							want,
							moved,
							twice;
				bool		g = rb_detect_baseline(&c, &r.s, (size_t) j, &got);
				bool		w = j >= rb_detect_reach(&c) &&
					ref_baseline(&c, cnt, vol, first, j, &want);
				bool		m = rb_detect_baseline(&c, &r2.s, (size_t) (j + shift), &moved);

				if (g != w || (g && got != want))
				{
					same = 0;
					printf("# trial %d bucket %d: judged %d/%d, %.17g against %.17g\n",
						   trial, j, g, w, g ? got : 0.0, w ? want : 0.0);
					break;
				}
				/* shifting the series: the same judgement, wherever it begins */
				if (j >= rb_detect_reach(&c) && (m != g || (g && moved != got)))
					shifted = 0;
				judged += g;
				if (g && got > 1.0)
				{
					/* counts twice as high: a baseline twice as high */
					int64_t    *c2 = malloc((len + 1) * sizeof(int64_t));
					series		r3;
					int			x;

					for (x = 0; x < len; x++)
						c2[x] = 2 * cnt[x];
					r3 = make_series(c2, vol, (size_t) len, first);
					if (!rb_detect_baseline(&c, &r3.s, (size_t) j, &twice) ||
						fabs(twice - 2.0 * got) > 1e-9 * got)
						scaled = 0;
					free_series(&r3);
					free(c2);
				}
			}
			free_series(&r);
			free_series(&r2);
		}
		ok(same, "random series: baselines equal the reference's, bit for bit");
		ok(judged > 1000, "and many buckets were judged");
		ok(shifted, "a series shifted in time gives the same baselines");
		ok(scaled, "doubling the counts doubles a baseline above 1");
	}

	/* ---- property: runs equal the reference's maximal chains */
	{
		rb_detect_bucket b[200];
		rb_detect_incident got[200],
					want[200];
		int			same = 1,
					incidents = 0;

		for (trial = 0; trial < 2000 && same; trial++)
		{
			int			n = (int) rnd(60),
						i,
						g,
						w;
			int64_t		at = rnd(1000) - 500;

			for (i = 0; i < n; i++)
			{
				at += 1 + (rnd(4) == 0 ? rnd(4) : 0);
				b[i] = bk(at, rnd(25), 0.5 + (double) rnd(8), (double) rnd(14) * 0.5);
			}
			g = grow(&cfg, b, n, got, 200);
			w = ref_grow(&cfg, b, n, want);
			if (g != w)
				same = 0;
			for (i = 0; same && i < g; i++)
				if (!same_incident(&got[i], &want[i]))
					same = 0;
			if (!same)
				printf("# trial %d: %d incidents against %d\n", trial, g, w);
			incidents += g;
		}
		ok(same, "random buckets: runs equal the reference's chains");
		ok(incidents > 500, "and many were incidents");
	}

	/* ---- a run is over two buckets after its last */
	{
		rb_detect_run run;
		rb_detect_incident inc;
		rb_detect_bucket b = bk(10, 20, 1.0, 12.0);

		rb_detect_run_init(&run);
		ok(rb_detect_run_over(&run, 0), "no run is over");
		rb_detect_run_add(&cfg, &run, &b, &inc);
		ok(!rb_detect_run_over(&run, 12), "a bucket two after may extend it");
		ok(rb_detect_run_over(&run, 13), "three after cannot");
		ok(rb_detect_run_end(&run, &inc) && inc.counted == 20, "ended: an incident");
		ok(!rb_detect_run_end(&run, &inc), "ended twice: nothing more");
	}

	/* ---- the summary's range arithmetic, by hand */
	{
		rb_bucket_range a[] = {{0, 10}, {20, 30}};
		rb_bucket_range b[] = {{-5, 2}, {4, 6}, {9, 21}, {29, 40}};
		rb_bucket_range out[6];
		size_t		n;

		n = rb_bucket_ranges_minus(a, 2, b, 4, out);
		ok(n == 3 && out[0].lo == 2 && out[0].hi == 4 && out[1].lo == 6 && out[1].hi == 9 &&
		   out[2].lo == 21 && out[2].hi == 29, "minus: the holes between b's ranges");
		n = rb_bucket_ranges_meet(a, 2, b, 4, out);
		ok(n == 5 && out[0].lo == 0 && out[0].hi == 2 && out[2].lo == 9 && out[2].hi == 10 &&
		   out[3].lo == 20 && out[3].hi == 21 && out[4].lo == 29 && out[4].hi == 30,
		   "meet: the overlaps");
		ok(rb_bucket_ranges_minus(a, 2, NULL, 0, out) == 2 && out[1].hi == 30, "minus nothing: a");
		ok(rb_bucket_ranges_meet(a, 2, NULL, 0, out) == 0, "meet nothing: nothing");
	}

	/*
	 * ---- property: against a bitmap, over random sorted disjoint ranges;
	 * minus and meet partition a, as the glue relies on (each bucket read
	 * once, from the ledger or from the summary)
	 */
	{
		enum
		{
			W = 64
		};
		int			bad = 0;

		srand(13);
		for (trial = 0; trial < 20000; trial++)
		{
			rb_bucket_range a[W],
						b[W],
						m[2 * W],
						x[2 * W];
			size_t		na = 0,
						nb = 0,
						nm,
						nx,
						k;
			bool		in_a[W] = {false},
						in_b[W] = {false},
						in_m[W] = {false},
						in_x[W] = {false};
			int			i;

			for (i = 0; i < W; i++)
			{
				in_a[i] = rand() % 3 != 0;
				in_b[i] = rand() % 2 == 0;
			}
			for (i = 0; i < W; i++)
			{
				if (in_a[i] && (i == 0 || !in_a[i - 1]))
					a[na++].lo = i;
				if (in_a[i] && (i == W - 1 || !in_a[i + 1]))
					a[na - 1].hi = i + 1;
				if (in_b[i] && (i == 0 || !in_b[i - 1]))
					b[nb++].lo = i;
				if (in_b[i] && (i == W - 1 || !in_b[i + 1]))
					b[nb - 1].hi = i + 1;
			}
			nm = rb_bucket_ranges_minus(a, na, b, nb, m);
			nx = rb_bucket_ranges_meet(a, na, b, nb, x);
			for (k = 0; k < nm; k++)
			{
				if (m[k].lo >= m[k].hi || (k > 0 && m[k].lo <= m[k - 1].hi))
					bad++;
				for (i = (int) m[k].lo; i < (int) m[k].hi; i++)
					in_m[i] = true;
			}
			for (k = 0; k < nx; k++)
			{
				if (x[k].lo >= x[k].hi || (k > 0 && x[k].lo < x[k - 1].hi))
					bad++;
				for (i = (int) x[k].lo; i < (int) x[k].hi; i++)
					in_x[i] = true;
			}
			for (i = 0; i < W; i++)
				if (in_m[i] != (in_a[i] && !in_b[i]) || in_x[i] != (in_a[i] && in_b[i]))
					bad++;
		}
		ok(bad == 0, "minus and meet agree with a bitmap on 20000 random pairs");
	}

	return tap_done();
}
