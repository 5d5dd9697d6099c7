/*
 * test_chart.c
 *	  The incident chart (core/chart.c): numbers written as PostgreSQL's
 *	  numeric writes them, a small chart checked by hand (scale, bars, band,
 *	  ticks, escaping), refused input; then properties on random series
 *	  under two clocks: the SVG is well-formed XML, every bucket with
 *	  failures (or forgiven bounces) gets exactly one bar inside the plot,
 *	  the band has a point pair per bucket, at most a dozen or so ticks,
 *	  and the same input gives the same bytes.
 */
#include "core/chart.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

/* xorshift64*: reproducible without libc's rand() */
static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

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

/* A clock at a fixed offset from UTC (seconds east), through gmtime. */
static void
fixed_to_local(double epoch, rb_chart_tm *tm, void *arg)
{
	time_t		t = (time_t) floor(epoch) + *(int *) arg;
	struct tm	g;

	gmtime_r(&t, &g);
	tm->year = g.tm_year + 1900;
	tm->mon = g.tm_mon + 1;
	tm->mday = g.tm_mday;
	tm->hour = g.tm_hour;
	tm->min = g.tm_min;
	tm->sec = g.tm_sec + (epoch - floor(epoch));
	tm->wday = g.tm_wday;
}

static double
fixed_from_local(const rb_chart_tm *tm, void *arg)
{
	struct tm	g = {0};

	g.tm_year = tm->year - 1900;
	g.tm_mon = tm->mon - 1;
	g.tm_mday = tm->mday;
	g.tm_hour = tm->hour;
	g.tm_min = tm->min;
	g.tm_sec = (int) floor(tm->sec);
	return (double) timegm(&g) + (tm->sec - floor(tm->sec)) - *(int *) arg;
}

typedef struct buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} buf;

static void
buf_write(const char *s, size_t len, void *arg)
{
	buf		   *b = arg;

	if (b->len + len + 1 > b->cap)
	{
		b->cap = (b->len + len + 1) * 2;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			abort();
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static char *
draw(const rb_chart_input *in, int offset, bool *drawn)
{
	rb_chart_clock clock = {fixed_to_local, fixed_from_local, &offset};
	buf			b = {NULL, 0, 0};

	buf_write("", 0, &b);
	*drawn = rb_chart_svg(in, &clock, buf_write, &b);
	return b.data;
}

static int
count(const char *s, const char *what)
{
	int			n = 0;

	for (s = strstr(s, what); s; s = strstr(s + 1, what))
		n++;
	return n;
}

/* ---------------------------------------------------------------------
 * A well-formedness check of the XML the chart writes: one root element,
 * tags nested and closed, attributes quoted, entities known, no markup
 * character loose in text.  (No DTD, comments or CDATA: the chart has none.)
 */
static bool
entity_ok(const char **p)
{
	static const char *const known[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	int			i;

	for (i = 0; i < 5; i++)
		if (strncmp(*p, known[i], strlen(known[i])) == 0)
		{
			*p += strlen(known[i]);
			return true;
		}
	return false;
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' || c == ':';
}

static bool
well_formed(const char *p)
{
	const char *stack[64];
	size_t		stack_len[64];
	int			depth = 0,
				roots = 0;

	while (*p)
	{
		if (*p == '&')
		{
			if (!entity_ok(&p))
				return false;
			continue;
		}
		if (*p == '>' || ((unsigned char) *p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r'))
			return false;
		if (*p != '<')
		{
			if (depth == 0 && *p != '\n')
				return false;	/* text outside the root */
			p++;
			continue;
		}
		p++;
		if (*p == '/')
		{
			const char *name = ++p;

			while (name_char(*p))
				p++;
			if (depth == 0 || (size_t) (p - name) != stack_len[depth - 1] ||
				strncmp(name, stack[depth - 1], p - name) != 0 || *p != '>')
				return false;
			depth--;
			p++;
			continue;
		}
		{
			const char *name = p;
			size_t		len;

			while (name_char(*p))
				p++;
			len = p - name;
			if (len == 0)
				return false;
			for (;;)
			{
				const char *attr;

				while (*p == ' ' || *p == '\n')
					p++;
				if (*p == '/' && p[1] == '>')
				{
					p += 2;
					if (depth == 0)
						roots++;
					break;
				}
				if (*p == '>')
				{
					p++;
					if (depth == 0)
						roots++;
					if (depth == 64)
						return false;
					stack[depth] = name;
					stack_len[depth++] = len;
					break;
				}
				attr = p;
				while (name_char(*p))
					p++;
				if (p == attr || *p++ != '=' || *p++ != '"')
					return false;
				while (*p != '"')
				{
					if (*p == '\0' || *p == '<')
						return false;
					if (*p == '&')
					{
						if (!entity_ok(&p))
							return false;
					}
					else
						p++;
				}
				p++;
			}
		}
	}
	return depth == 0 && roots == 1;
}

/* The numbers of a rect's attribute (x, y, width, height) */
static double
attr(const char *tag, const char *name)
{
	char		key[32];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(tag, key);
	return p ? atof(p + strlen(key)) : NAN;
}

/* Every bar of a class inside the plot, and how many there are. */
static int
bars_inside(const char *svg, const char *cls, bool *inside)
{
	char		key[64];
	const char *p;
	int			n = 0;

	snprintf(key, sizeof(key), "<rect class=\"%s\"", cls);
	for (p = strstr(svg, key); p; p = strstr(p + 1, key))
	{
		double		x = attr(p, "x"),
					y = attr(p, "y"),
					w = attr(p, "width"),
					h = attr(p, "height");

		n++;
		if (!(x >= RB_CHART_X0 - 0.05 && x + w <= RB_CHART_X1 + 0.15 &&
			  y >= RB_CHART_Y0 - 0.15 && y + h <= RB_CHART_Y1 + 0.15 && h >= 0))
			*inside = false;
	}
	return n;
}

/* The points of the element that starts with key. */
static int
points(const char *svg, const char *key)
{
	const char *p = strstr(svg, key),
			   *end;
	int			n = 0;

	if (p == NULL)
		return 0;
	p = strstr(p, "points=\"") + 8;
	end = strchr(p, '"');
	for (; p < end; p++)
		n += *p == ',';
	return n;
}

static void
test_numbers(void)
{
	char		b[RB_CHART_NUMBUF];

	is_str(rb_chart_round1(64, b), "64.0", "round1: an integer");
	is_str(rb_chart_round1(279.25, b), "279.3", "round1: half away from zero");
	is_str(rb_chart_round1(-279.25, b), "-279.3", "round1: negative half away from zero");
	is_str(rb_chart_round1(9.95, b), "10.0", "round1: 15 digits first (9.95 is 9.949999... in binary)");
	is_str(rb_chart_round1(0.05, b), "0.1", "round1: 0.05");
	is_str(rb_chart_round1(0.0449, b), "0.0", "round1: below half");
	is_str(rb_chart_round1(-0.04, b), "0.0", "round1: no negative zero");
	is_str(rb_chart_round1(0, b), "0.0", "round1: zero");
	is_str(rb_chart_round1(1e20, b), "100000000000000000000.0", "round1: large");
	is_str(rb_chart_round1(NAN, b), "0.0", "round1: NaN written as zero");
	is_str(rb_chart_plain(0.5, b), "0.5", "plain: 0.5");
	is_str(rb_chart_plain(3 * 0.1, b), "0.3", "plain: 15 digits (3 * 0.1)");
	is_str(rb_chart_plain(10, b), "10", "plain: an integer");
	is_str(rb_chart_plain(0, b), "0", "plain: zero");
	is_str(rb_chart_plain(1e15, b), "1000000000000000", "plain: no exponent");
	is_str(rb_chart_plain(1.5e-05, b), "0.000015", "plain: small, no exponent");
	is_str(rb_chart_plain(-2.5, b), "-2.5", "plain: negative");
}

static void
test_by_hand(void)
{
	/* 2026-12-05 23:00 UTC, four buckets of 15 minutes */
	double		start[] = {1796511600, 1796512500, 1796513400, 1796514300};
	int64_t		failures[] = {0, 5, 0, 2};
	double		baseline[] = {NAN, 1, NAN, 2};
	int64_t		forgiven[] = {0, 3, 0, 0};
	rb_chart_input in = {"7", "a<b&c", "[x,y)", "Etc/UTC\x01", 1796512500, 1800,
	900, 4, start, failures, baseline, forgiven};
	bool		drawn;
	char	   *svg = draw(&in, 0, &drawn);

	ok(drawn, "by hand: drawn");
	ok(well_formed(svg), "by hand: well-formed");
	is_int(count(svg, "<rect class=\"failures\""), 2, "by hand: a bar per bucket with failures");
	is_int(count(svg, "<rect class=\"forgiven\""), 1, "by hand: a bar per bucket with forgiven bounces");
	/* ymax 5 * 1.1 = 5.5: step 2, top 6; the plot is 720 px over an hour */
	ok(strstr(svg, "text-anchor=\"end\">6</text>") != NULL &&
	   strstr(svg, "text-anchor=\"end\">8</text>") == NULL, "by hand: y scale in steps of 2 up to 6");
	ok(strstr(svg, "<rect id=\"window\" x=\"244.0\" y=\"44\" width=\"360.0\" height=\"240\"") != NULL,
	   "by hand: the window shaded where it is");
	ok(strstr(svg, "<rect class=\"failures\" x=\"262.0\" y=\"84.0\" width=\"144.0\" height=\"200.0\"") != NULL,
	   "by hand: the bar of 5 failures");
	ok(strstr(svg, "Incident 7: a&lt;b&amp;c — ") != NULL, "by hand: the provider escaped");
	ok(strstr(svg, "time (Etc/UTC\xEF\xBF\xBD)") != NULL, "by hand: a control character replaced");
	is_int(points(svg, "<polygon id=\"baseline\""), 16, "by hand: the band, carried over unjudged buckets");
	is_int(points(svg, "<polyline"), 8, "by hand: the baseline line");
	/* the carried baselines: bucket 0 takes bucket 1's, bucket 2 takes bucket 1's */
	ok(strstr(svg, "<polyline points=\"64.0,244.0 244.0,244.0 244.0,244.0 424.0,244.0 424.0,244.0 604.0,244.0 604.0,204.0 784.0,204.0\"") != NULL,
	   "by hand: baselines carried backward then forward");
	ok(strstr(svg, ">23:00</text>") != NULL && strstr(svg, ">00:00</text>") != NULL,
	   "by hand: hourly ticks");
	ok(strstr(svg, ">Sat 05 Dec 2026</text>") != NULL && strstr(svg, ">Sun 06 Dec 2026</text>") != NULL,
	   "by hand: the date under the first tick of each day");
	free(svg);

	/* the same at UTC+05:30: ticks on whole local hours, at half past UTC */
	svg = draw(&in, 5 * 3600 + 1800, &drawn);
	ok(strstr(svg, ">05:00</text>") != NULL && strstr(svg, "<line x1=\"424.0\" y1=\"284\"") != NULL,
	   "by hand: a half-hour zone ticks on its own hours");
	free(svg);

	in.n = 0;
	svg = draw(&in, 0, &drawn);
	ok(!drawn && svg[0] == '\0', "refused: no bucket, nothing written");
	free(svg);
	in.n = 4;
	in.bucket = 0;
	svg = draw(&in, 0, &drawn);
	ok(!drawn, "refused: a bucket of no width");
	free(svg);
	in.bucket = 900;
	failures[2] = -1;
	svg = draw(&in, 0, &drawn);
	ok(!drawn, "refused: a negative count");
	free(svg);
	failures[2] = 0;
	in.length = INFINITY;
	svg = draw(&in, 0, &drawn);
	ok(!drawn, "refused: an infinite window");
	free(svg);
}

static void
test_random(void)
{
	int			round,
				bad_xml = 0,
				bad_bars = 0,
				bad_band = 0,
				bad_ticks = 0,
				bad_repeat = 0;

	for (round = 0; round < 400; round++)
	{
		size_t		n = 1 + rnd(round % 10 == 0 ? 3000 : 200),
					i;
		double		width = 60.0 * (1 + rnd(60));
		double	   *start = malloc(sizeof(double) * n);
		double	   *baseline = malloc(sizeof(double) * n);
		int64_t    *failures = malloc(sizeof(int64_t) * n);
		int64_t    *forgiven = malloc(sizeof(int64_t) * n);
		int64_t		scale = (int64_t) 1 << rnd(40);
		int			nonzero_f = 0,
					nonzero_g = 0,
					offset = (int) (rnd(27) - 12) * 1800;
		bool		judged = false,
					drawn,
					inside = true;
		char	   *svg,
				   *again;
		rb_chart_input in;

		for (i = 0; i < n; i++)
		{
			start[i] = 1.7e9 + width * (double) i;
			failures[i] = rnd(3) == 0 ? 0 : rnd(scale + 1);
			forgiven[i] = rnd(2) == 0 ? 0 : rnd(failures[i] + 1);
			baseline[i] = rnd(3) == 0 ? NAN : (double) rnd(scale + 1) / (1 + rnd(7));
			nonzero_f += failures[i] != 0;
			nonzero_g += forgiven[i] != 0;
			judged |= !isnan(baseline[i]);
		}
		in = (rb_chart_input) {"1", "ovh", "[a,b)", "Europe/Paris", start[rnd(n)],
			width * (double) (1 + rnd(n)), width, n, start, failures, baseline, forgiven};
		svg = draw(&in, offset, &drawn);
		again = draw(&in, offset, &drawn);
		if (!drawn || !well_formed(svg))
			bad_xml++;
		if (bars_inside(svg, "failures", &inside) != nonzero_f ||
			bars_inside(svg, "forgiven", &inside) != nonzero_g || !inside)
			bad_bars++;
		if (points(svg, "<polygon id=\"baseline\"") != (judged ? 4 * (int) n : 0) ||
			points(svg, "<polyline") != (judged ? 2 * (int) n : 0))
			bad_band++;
		if (count(svg, "y2=\"288\"") > 13)
			bad_ticks++;
		if (strcmp(svg, again) != 0)
			bad_repeat++;
		free(svg);
		free(again);
		free(start);
		free(baseline);
		free(failures);
		free(forgiven);
	}
	is_int(bad_xml, 0, "random series: drawn, well-formed XML");
	is_int(bad_bars, 0, "random series: one bar inside the plot per bucket with failures, and with forgiven bounces");
	is_int(bad_band, 0, "random series: the band has a point pair per bucket when a bucket was judged");
	is_int(bad_ticks, 0, "random series: at most 13 time ticks");
	is_int(bad_repeat, 0, "random series: the same input, the same bytes");
}

int
main(void)
{
	test_numbers();
	test_by_hand();
	test_random();
	return tap_done();
}
