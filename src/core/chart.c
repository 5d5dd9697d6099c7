/*
 * chart.c
 *	  The incident chart as SVG text (chart.h).
 *
 *	  The chart was first drawn by PL/pgSQL (rebound 0.2.0's
 *	  incident_chart); this is the same drawing, operation for operation in
 *	  float8 and with numbers written as numeric wrote them, so that a
 *	  ledger gives the same bytes as before.
 */
#include "core/chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X0 RB_CHART_X0
#define X1 RB_CHART_X1
#define Y0 RB_CHART_Y0
#define Y1 RB_CHART_Y1

/* Tick spacings of the time axis, in hours: the first giving at most 12. */
static const int tick_hours[] = {1, 2, 3, 6, 12, 24, 48, 168};

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

typedef struct out
{
	rb_chart_write_fn write;
	void	   *arg;
} out;

static void
put(out *o, const char *s)
{
	o->write(s, strlen(s), o->arg);
}

/* printf into a line of the chart; no line of it is longer than this */
static void
putf(out *o, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
putf(out *o, const char *fmt,...)
{
	char		buf[2048];
	va_list		ap;
	int			len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t) len >= sizeof(buf))
		len = sizeof(buf) - 1;
	o->write(buf, (size_t) len, o->arg);
}

/*
 * Text as XML character data: the markup characters escaped, and the
 * control characters XML 1.0 does not allow (a time zone or provider name
 * is the user's) written as U+FFFD.  Bytes of 0x80 and above pass through:
 * the database's text is UTF-8 there (the glue converts it).
 */
static void
put_text(out *o, const char *s)
{
	const char *run = s;

	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;
		const char *rep;

		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			rep = "\xEF\xBF\xBD";
		else
			continue;
		if (s > run)
			o->write(run, (size_t) (s - run), o->arg);
		put(o, rep);
		run = s + 1;
	}
	if (s > run)
		o->write(run, (size_t) (s - run), o->arg);
}

/*
 * The 15 significant digits of |x| that float8-to-numeric keeps ("%.15g"),
 * as digits[0..14] and the power of ten of the first: |x| is
 * d0.d1d2... * 10^exp.  False for zero.
 */
static bool
digits15(double x, char *digits, int *exp)
{
	char		buf[64];
	char	   *e;
	int			i,
				n = 0;

	snprintf(buf, sizeof(buf), "%.14e", fabs(x));
	for (i = 0; buf[i] && buf[i] != 'e'; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[n++] = buf[i];
	digits[n] = '\0';
	e = strchr(buf, 'e');
	*exp = e ? atoi(e + 1) : 0;
	return digits[0] != '0';
}

const char *
rb_chart_round1(double x, char *buf)
{
	char		d[32];
	char		m[RB_CHART_NUMBUF];
	int			exp,
				k,
				len,
				i;
	bool		up = false;
	char	   *p = buf;

	if (!isfinite(x) || !digits15(x, d, &exp))
		return strcpy(buf, "0.0");
	/* |x| * 10 = 0.d0d1... * 10^k: its integer part is the first k digits */
	k = exp + 2;
	if (k <= 0)
	{
		strcpy(m, "0");
		up = k == 0 && d[0] >= '5';
	}
	else if (k >= 15)
	{
		memcpy(m, d, 15);
		memset(m + 15, '0', k - 15);
		m[k] = '\0';
	}
	else
	{
		memcpy(m, d, k);
		m[k] = '\0';
		up = d[k] >= '5';
	}
	len = strlen(m);
	/* half away from zero, as numeric's round() */
	if (up)
	{
		for (i = len - 1; i >= 0 && m[i] == '9'; i--)
			m[i] = '0';
		if (i >= 0)
			m[i]++;
		else
		{
			memmove(m + 1, m, len + 1);
			m[0] = '1';
			len++;
		}
	}
	if (x < 0 && strspn(m, "0") < (size_t) len)
		*p++ = '-';
	if (len == 1)
		*p++ = '0';
	else
	{
		memcpy(p, m, len - 1);
		p += len - 1;
	}
	*p++ = '.';
	*p++ = m[len - 1];
	*p = '\0';
	return buf;
}

const char *
rb_chart_plain(double x, char *buf)
{
	char		d[32];
	int			exp,
				len,
				i;
	char	   *p = buf;

	if (!isfinite(x) || !digits15(x, d, &exp))
		return strcpy(buf, "0");
	len = strlen(d);
	while (len > 1 && d[len - 1] == '0')
		len--;
	if (x < 0)
		*p++ = '-';
	if (exp >= 0)
	{
		for (i = 0; i <= exp; i++)
			*p++ = i < len ? d[i] : '0';
		if (len > exp + 1)
		{
			*p++ = '.';
			for (i = exp + 1; i < len; i++)
				*p++ = d[i];
		}
	}
	else
	{
		*p++ = '0';
		*p++ = '.';
		for (i = 0; i < -exp - 1; i++)
			*p++ = '0';
		memcpy(p, d, len);
		p += len;
	}
	*p = '\0';
	return buf;
}

/*
 * The baseline of bucket i, carried over unjudged buckets: that of the
 * last judged bucket before it (*last, kept by a left-to-right walk), or of
 * the first judged one (first) for the buckets before it.  NaN when no
 * bucket was judged.
 */
static double
carry_forward(const rb_chart_input *in, size_t i, size_t first, double *last)
{
	if (!isnan(in->baseline[i]))
		*last = in->baseline[i];
	if (!isnan(*last))
		return *last;
	return first < in->n ? in->baseline[first] : NAN;
}

/* "%s min": the bucket width in whole minutes (float8 to int4 is rint) */
static int
minutes(double seconds)
{
	return (int) rint(seconds / 60);
}

bool
rb_chart_svg(const rb_chart_input *in, const rb_chart_clock *clock,
			 rb_chart_write_fn write, void *arg)
{
	out			o = {write, arg};
	size_t		n = in->n,
				i;
	double		w = in->bucket,
				t_lo,
				t_hi,
				span,
				ymax,
				ystep,
				bw,
				y,
				x,
				last;
	char		a[RB_CHART_NUMBUF],
				b[RB_CHART_NUMBUF],
				c[RB_CHART_NUMBUF],
				e[RB_CHART_NUMBUF];
	size_t		first;
	int			lines,
				k,
				tick = 0;

	if (n == 0 || !(w > 0) || !isfinite(w))
		return false;
	t_lo = in->start[0];
	t_hi = in->start[n - 1] + w;
	span = t_hi - t_lo;
	if (!isfinite(t_lo) || !(span > 0) || !isfinite(span) ||
		!isfinite(in->lo) || !isfinite(in->length))
		return false;
	for (i = 0; i < n; i++)
		if (in->failures[i] < 0 || in->forgiven[i] < 0 ||
			in->baseline[i] < 0 || isinf(in->baseline[i]))
			return false;

	/*
	 * The y scale: a round step (1, 2 or 5 times a power of ten, at most
	 * five steps), the top a little above the tallest thing drawn.  The
	 * baselines are carried forward, then backward, over unjudged buckets:
	 * first is the first judged bucket (n if none).
	 */
	for (first = 0; first < n && isnan(in->baseline[first]); first++)
		;
	ymax = 1;
	last = NAN;
	for (i = 0; i < n; i++)
	{
		double		lam = carry_forward(in, i, first, &last);

		if ((double) in->failures[i] > ymax)
			ymax = (double) in->failures[i];
		if ((double) in->forgiven[i] > ymax)
			ymax = (double) in->forgiven[i];
		if (!isnan(lam) && lam + 2 * sqrt(lam) > ymax)
			ymax = lam + 2 * sqrt(lam);
	}
	ymax = ymax * 1.1;
	ystep = pow(10, floor(log10(ymax / 5)));
	if (ymax / ystep <= 5)
		;
	else if (ymax / (2 * ystep) <= 5)
		ystep = 2 * ystep;
	else if (ymax / (5 * ystep) <= 5)
		ystep = 5 * ystep;
	else
		ystep = 10 * ystep;
	ymax = ceil(ymax / ystep) * ystep;
	bw = (X1 - X0) * w / span;

	putf(&o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n",
		 RB_CHART_WIDTH, RB_CHART_HEIGHT, RB_CHART_WIDTH, RB_CHART_HEIGHT);
	put(&o, "<title>Incident ");
	put_text(&o, in->incident);
	put(&o, ": ");
	put_text(&o, in->provider);
	put(&o, ", ");
	put_text(&o, in->during);
	put(&o, "</title>\n");
	putf(&o, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		 RB_CHART_WIDTH, RB_CHART_HEIGHT);
	putf(&o, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Incident ", X0);
	put_text(&o, in->incident);
	put(&o, ": ");
	put_text(&o, in->provider);
	put(&o, " — infrastructure hard bounces charged to ");
	put_text(&o, in->provider);
	putf(&o, ", per %d min</text>\n", minutes(w));
	/* the window, shaded */
	putf(&o, "<rect id=\"window\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"%d\" fill=\"#f6c6c6\"/>\n",
		 rb_chart_round1(X0 + (X1 - X0) * (in->lo - t_lo) / span, a), Y0,
		 rb_chart_round1((X1 - X0) * in->length / span, b), Y1 - Y0);

	/* the grid and the y axis */
	lines = (int) rint(ymax / ystep);
	for (k = 0; k <= lines; k++)
	{
		y = Y1 - (double) ((Y1 - Y0) * k) * ystep / ymax;
		rb_chart_round1(y, a);
		putf(&o, "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"#dddddd\" stroke-width=\"1\"/>\n",
			 X0, a, X1, a);
		putf(&o, "<text x=\"%d\" y=\"%s\" text-anchor=\"end\">%s</text>\n",
			 X0 - 6, rb_chart_round1(y + 4, b), rb_chart_plain(k * ystep, c));
	}

	/*
	 * The baseline band (the top edge left to right, the bottom edge right
	 * to left) and its middle line, when some bucket was judged.
	 */
	if (first < n)
	{
		const char *sep = "";
		size_t		q;

		put(&o, "<polygon id=\"baseline\" points=\"");
		last = NAN;
		for (i = 0; i < n; i++)
		{
			double		lam = carry_forward(in, i, first, &last);

			x = X0 + bw * (double) i;
			y = Y1 - (Y1 - Y0) * (lam + 2 * sqrt(lam)) / ymax;
			rb_chart_round1(y, c);
			putf(&o, "%s%s,%s %s,%s", sep, rb_chart_round1(x, a), c, rb_chart_round1(x + bw, b), c);
			sep = " ";
		}

		/*
		 * Right to left, the value carried to bucket i is that of the last
		 * judged bucket q <= i (of the first one when none): q only moves
		 * left, so the edge is linear.
		 */
		q = n;
		for (i = n; i-- > 0;)
		{
			double		lam;

			while (q > 0 && (q - 1 > i || isnan(in->baseline[q - 1])))
				q--;
			lam = in->baseline[q > 0 ? q - 1 : first];
			x = X0 + bw * (double) i;
			y = Y1 - (Y1 - Y0) * fmax(0, lam - 2 * sqrt(lam)) / ymax;
			rb_chart_round1(y, c);
			putf(&o, " %s,%s %s,%s", rb_chart_round1(x + bw, b), c, rb_chart_round1(x, a), c);
		}
		put(&o, "\" fill=\"#8fbf8f\" fill-opacity=\"0.55\" stroke=\"none\"/>\n");
		put(&o, "<polyline points=\"");
		sep = "";
		last = NAN;
		for (i = 0; i < n; i++)
		{
			double		lam = carry_forward(in, i, first, &last);

			x = X0 + bw * (double) i;
			y = Y1 - (Y1 - Y0) * lam / ymax;
			rb_chart_round1(y, c);
			putf(&o, "%s%s,%s %s,%s", sep, rb_chart_round1(x, a), c, rb_chart_round1(x + bw, b), c);
			sep = " ";
		}
		put(&o, "\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"1.5\"/>\n");
	}

	/* the failures, then the forgiven bounces over them */
	for (i = 0; i < n; i++)
	{
		double		h = (double) (Y1 - Y0) * (double) in->failures[i] / ymax;

		if (in->failures[i] == 0)
			continue;
		putf(&o, "<rect class=\"failures\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"#3b5b92\"/>\n",
			 rb_chart_round1(X0 + bw * (double) i + bw * 0.1, a), rb_chart_round1(Y1 - h, b),
			 rb_chart_round1(bw * 0.8, c), rb_chart_round1(h, e));
	}
	for (i = 0; i < n; i++)
	{
		double		h = (double) (Y1 - Y0) * (double) in->forgiven[i] / ymax;

		if (in->forgiven[i] == 0)
			continue;
		putf(&o, "<rect class=\"forgiven\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"#f28e2b\"/>\n",
			 rb_chart_round1(X0 + bw * (double) i + bw * 0.3, a), rb_chart_round1(Y1 - h, b),
			 rb_chart_round1(bw * 0.4, c), rb_chart_round1(h, e));
	}

	/* the axes */
	putf(&o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"1\"/>\n", X0, Y1, X1, Y1);
	putf(&o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"1\"/>\n", X0, Y0, X0, Y1);

	/*
	 * Time ticks on whole hours of the local time, at most a dozen; the
	 * date under the first tick of each day.  Past twelve weeks no spacing
	 * fits and the axis has no ticks.
	 */
	for (k = 0; k < (int) (sizeof(tick_hours) / sizeof(tick_hours[0])); k++)
		if (span / (3600.0 * tick_hours[k]) <= 12)
		{
			tick = tick_hours[k];
			break;
		}
	if (tick > 0)
	{
		rb_chart_tm tm;
		double		t;
		int			prev_year = 0,
					prev_mon = 0,
					prev_mday = 0;

		/* the first bucket's start, truncated to the hour (or the day) */
		clock->to_local(t_lo, &tm, clock->arg);
		tm.min = 0;
		tm.sec = 0;
		if (tick >= 24)
			tm.hour = 0;
		t = clock->from_local(&tm, clock->arg);
		/* a clock that answers nonsense gets no ticks, not a long loop */
		if (!(t <= t_lo && t > t_lo - 8 * 86400.0))
			t = t_hi + 1;
		for (; t <= t_hi; t += (tick >= 24 ? tick : 1) * 3600.0)
		{
			if (t < t_lo)
				continue;
			clock->to_local(t, &tm, clock->arg);
			if (tick < 24 && tm.hour % tick != 0)
				continue;
			x = X0 + (X1 - X0) * (t - t_lo) / span;
			rb_chart_round1(x, a);
			putf(&o, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"1\"/>\n",
				 a, Y1, a, Y1 + 4);
			putf(&o, "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\">%02d:%02d</text>\n",
				 a, Y1 + 16, tm.hour, tm.min);
			if (tm.year != prev_year || tm.mon != prev_mon || tm.mday != prev_mday)
			{
				prev_year = tm.year;
				prev_mon = tm.mon;
				prev_mday = tm.mday;
				putf(&o, "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\" fill=\"#555555\">%s %02d %s %04d</text>\n",
					 a, Y1 + 29, day_names[((tm.wday % 7) + 7) % 7], tm.mday,
					 month_names[(tm.mon - 1 + 12) % 12], tm.year);
			}
		}
	}

	putf(&o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (", (X0 + X1) / 2, Y1 + 44);
	put_text(&o, in->zone);
	put(&o, ")</text>\n");
	putf(&o, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">bounces per %d min</text>\n",
		 (Y0 + Y1) / 2, (Y0 + Y1) / 2, minutes(w));
	/* the legend */
	putf(&o, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"#3b5b92\"/><text x=\"%d\" y=\"37\">failures charged to ",
		 X0, X0 + 14);
	put_text(&o, in->provider);
	put(&o, "</text>\n");
	putf(&o, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"#f28e2b\"/><text x=\"%d\" y=\"37\">forgiven by the incident</text>\n",
		 X0 + 200, X0 + 214);
	putf(&o, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"#8fbf8f\"/><text x=\"%d\" y=\"37\">baseline ± 2σ</text>\n",
		 X0 + 380, X0 + 394);
	putf(&o, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"#f6c6c6\"/><text x=\"%d\" y=\"37\">incident window</text>\n",
		 X0 + 500, X0 + 514);
	put(&o, "</svg>\n");
	return true;
}
