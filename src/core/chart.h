/*
 * chart.h
 *	  The incident chart as SVG text: per time bucket the failures charged
 *	  to the provider (bars), the baseline as a band (expected count plus or
 *	  minus two standard deviations of a Poisson count, carried over the
 *	  buckets the detector did not judge), the incident's window shaded,
 *	  the bounces it forgave overlaid (narrow bars), a y scale of round
 *	  steps and a time axis ticked on whole local hours.
 *
 *	  Knows nothing of where the series comes from nor of time zones: the
 *	  caller passes the buckets as arrays and two functions that convert
 *	  between epoch seconds and the local calendar (the glue, src/glue/incident_chart.c,
 *	  uses the session's TimeZone).  Deterministic: the same input gives
 *	  the same bytes.
 */
#ifndef REBOUND_CORE_CHART_H
#define REBOUND_CORE_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The frame, in pixels (test/chart/check_png.py reads the same numbers). */
#define RB_CHART_WIDTH 800
#define RB_CHART_HEIGHT 360
#define RB_CHART_X0 64
#define RB_CHART_X1 784
#define RB_CHART_Y0 44
#define RB_CHART_Y1 284

/* A local calendar time, as struct tm but with the month 1 .. 12. */
typedef struct rb_chart_tm
{
	int			year;
	int			mon;			/* 1 .. 12 */
	int			mday;			/* 1 .. 31 */
	int			hour;
	int			min;
	double		sec;			/* with its fraction */
	int			wday;			/* 0 = Sunday; ignored by from_local */
} rb_chart_tm;

typedef struct rb_chart_clock
{
	/* the local time of an instant (epoch seconds) */
	void		(*to_local) (double epoch, rb_chart_tm *tm, void *arg);
	/* the instant of a local time, at the zone's offset then */
	double		(*from_local) (const rb_chart_tm *tm, void *arg);
	void	   *arg;
} rb_chart_clock;

typedef struct rb_chart_input
{
	/* shown in the title: written as given, escaped for XML */
	const char *incident;		/* its id */
	const char *provider;
	const char *during;			/* the window as text */
	const char *zone;			/* the time zone's name */
	double		lo;				/* the window's start, epoch seconds */
	double		length;			/* and its length, seconds */
	double		bucket;			/* width of a bucket, seconds (> 0) */
	size_t		n;				/* buckets, at least one */
	const double *start;		/* n bucket starts, epoch seconds, ascending */
	const int64_t *failures;	/* n counts charged to the provider */
	const double *baseline;		/* n expected counts; NaN where not judged */
	const int64_t *forgiven;	/* n counts the incident forgave */
} rb_chart_input;

/* Receives the SVG text piece by piece. */
typedef void (*rb_chart_write_fn) (const char *s, size_t len, void *arg);

/*
 * Writes the chart of in.  False (and nothing written) when the input
 * cannot be drawn: no bucket, a bucket width or time span that is not a
 * positive finite number, or a count below zero.
 */
extern bool rb_chart_svg(const rb_chart_input *in, const rb_chart_clock *clock,
						 rb_chart_write_fn write, void *arg);

/*
 * The two ways the chart writes a number, as PostgreSQL's numeric would
 * (the chart was first drawn by SQL): round(x::numeric, 1), and
 * x::numeric, where the float8 is first cut to 15 significant digits.
 * buf needs RB_CHART_NUMBUF bytes.
 */
#define RB_CHART_NUMBUF 400
extern const char *rb_chart_round1(double x, char *buf);
extern const char *rb_chart_plain(double x, char *buf);

#endif							/* REBOUND_CORE_CHART_H */
