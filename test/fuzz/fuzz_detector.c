/*
 * fuzz_detector.c
 *	  libFuzzer harness for the incident detector over count arrays: any
 *	  settings and counts (the first bytes pick the settings, the rest are
 *	  the counts and volumes of a series) judge only within the series,
 *	  give finite baselines of at least 1 and scores of at least 0, and
 *	  runs whose counts add up to no more than their buckets'.
 */
#include "core/detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const int widths[] = {60, 300, 900, 1440, 2400, 3600, 7200, 21600, 86400};

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_detect_config cfg;
	rb_detect_series s;
	rb_detect_run run;
	rb_detect_incident inc;
	int64_t    *counted,
			   *volume;
	size_t		len,
				i;
	int64_t		total = 0,
				found = 0;

	if (size < 6)
		return 0;
	cfg.bucket_seconds = widths[data[0] % (sizeof(widths) / sizeof(widths[0]))];
	cfg.baseline_days = 1 + data[1] % RB_DETECT_MAX_DAYS;
	cfg.baseline_weeks = data[2] % (RB_DETECT_MAX_WEEKS + 1);
	cfg.min_count = data[3] % 16;
	cfg.threshold = (double) (data[4] % 20) / 2.0;
	data += 6;
	size -= 6;

	/* each byte a bucket: its high bits the count, its low bits the volume */
	len = size;
	counted = malloc((len + 1) * sizeof(int64_t));
	volume = malloc((len + 1) * sizeof(int64_t));
	if (counted == NULL || volume == NULL)
		abort();
	for (i = 0; i < len; i++)
	{
		counted[i] = data[i] >> 4;
		volume[i] = (data[i] & 15) * 7;
	}
	rb_detect_running_sums(counted, len);
	rb_detect_running_sums(volume, len);
	s.len = len;
	s.counted = counted;
	s.volume = volume;
	s.first = (int64_t) data[-1] * 37 - 200;

	rb_detect_run_init(&run);
	for (i = 0; i <= len; i++)
	{
		rb_detect_bucket b;
		double		baseline;

		if (!rb_detect_baseline(&cfg, &s, i, &baseline))
			continue;
		if ((int64_t) i < rb_detect_reach(&cfg) || i >= len)
			abort();			/* judged without its history */
		if (!isfinite(baseline) || baseline < 1.0)
			abort();
		b.bucket = (int64_t) i;
		b.counted = counted[i + 1] - counted[i];
		b.bounces = b.counted;
		b.baseline = baseline;
		b.score = rb_detect_score(b.counted, baseline);
		if (!(b.score >= 0.0) || signbit(b.score))
			abort();
		b.first_at = b.last_at = (int64_t) i;
		b.layers = 1;
		total += b.counted;
		if (rb_detect_run_add(&cfg, &run, &b, &inc))
			found += inc.counted;
	}
	if (rb_detect_run_end(&run, &inc))
		found += inc.counted;
	if (found > total)
		abort();				/* a bucket counted in two incidents */
	free(counted);
	free(volume);
	return 0;
}
