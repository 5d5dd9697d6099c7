/*
 * history_check.h
 *	  A brute-force oracle and invariant checks for core/history.c, shared
 *	  by the unit/property test and the fuzzer.
 *
 * Observations are (time, set of values as a bit mask); value 0 is the
 * "none" value, seen alone when the answer was empty.  The oracle answers
 * "the set at instant x" straight from the observations: the latest one at
 * or before x, and before them all the first one.
 */
#ifndef REBOUND_HISTORY_CHECK_H
#define REBOUND_HISTORY_CHECK_H

#include "core/history.h"

#include <stdbool.h>
#include <stdlib.h>

#define HC_MAXVALUES 8

typedef struct hc_obs
{
	rb_htime	t;
	unsigned	set;			/* bit v: value v seen; never 0 */
} hc_obs;

/* The set of a history at x, as a bit mask; -1 when a value is there twice. */
static int
hc_rows_at(const rb_hrow *rows, int n, rb_htime x)
{
	int			vals[256];
	int			k = rb_history_at(rows, n, x, vals);
	unsigned	set = 0;

	for (int i = 0; i < k; i++)
	{
		if (set & (1u << vals[i]))
			return -1;
		set |= 1u << vals[i];
	}
	return (int) set;
}

/* The oracle's set at x over the observations o[i] with use[i] (or all). */
static int
hc_oracle_at(const hc_obs *o, const bool *use, int n, rb_htime x)
{
	int			best = -1,
				first = -1;

	for (int i = 0; i < n; i++)
	{
		if (use && !use[i])
			continue;
		if (o[i].t <= x && (best < 0 || o[i].t > o[best].t))
			best = i;
		if (first < 0 || o[i].t < o[first].t)
			first = i;
	}
	if (best < 0)
		best = first;
	return best < 0 ? 0 : (int) o[best].set;
}

/*
 * Merge one observation into rows[0..*n) (room for enough rows), checking
 * that the merge accepts it.  Returns false on a refusal.
 */
static bool
hc_observe(rb_hrow *rows, int *n, const hc_obs *o, int32_t pref)
{
	rb_hseen	seen[HC_MAXVALUES];
	int			nseen = 0;
	rb_hchange *changes;
	rb_hrow    *out;
	int			nchanges;

	for (int v = 0; v < HC_MAXVALUES; v++)
		if (o->set & (1u << v))
		{
			seen[nseen].value = v;
			seen[nseen].pref = pref;
			nseen++;
		}
	changes = malloc(sizeof(rb_hchange) * RB_HISTORY_MAX_CHANGES(*n, nseen));
	nchanges = rb_history_merge(rows, *n, seen, nseen, o->t, changes);
	if (nchanges < 0)
	{
		free(changes);
		return false;
	}
	out = malloc(sizeof(rb_hrow) * (*n + nchanges + 1));
	*n = rb_history_apply(rows, *n, changes, nchanges, out);
	for (int i = 0; i < *n; i++)
		rows[i] = out[i];
	free(out);
	free(changes);
	return true;
}

static bool
hc_is_instant(const hc_obs *o, int n, rb_htime x)
{
	for (int i = 0; i < n; i++)
		if (o[i].t == x)
			return true;
	return false;
}

/*
 * What every history must be, whatever the order of its observations:
 * non-empty rows, no value twice at one instant (and no two rows of a value
 * with the same start, the unique index), every instant a row knows one of
 * the observations, first_seen <= last_seen within the row.  Returns a
 * description of the first broken rule, or NULL.
 */
static const char *
hc_invariants(const rb_hrow *rows, int n, const hc_obs *o, int nobs)
{
	for (int i = 0; i < n; i++)
	{
		const rb_hrow *r = &rows[i];

		if (r->lo >= r->hi)
			return "empty row";
		if (r->lo != RB_HTIME_UNBOUNDED_LO && !hc_is_instant(o, nobs, r->lo))
			return "a lower bound that is no observation";
		if (r->hi != RB_HTIME_UNBOUNDED_HI && !hc_is_instant(o, nobs, r->hi))
			return "an upper bound that is no observation";
		if (!hc_is_instant(o, nobs, r->first_seen) || !hc_is_instant(o, nobs, r->last_seen))
			return "first_seen or last_seen that is no observation";
		if (r->first_seen > r->last_seen)
			return "first_seen after last_seen";
		for (int j = i + 1; j < n; j++)
		{
			const rb_hrow *s = &rows[j];

			if (s->value != r->value)
				continue;
			if (s->lo == r->lo)
				return "two rows of a value with one start";
			if (s->lo < r->hi && r->lo < s->hi)
				return "overlapping rows of a value";
		}
	}
	return NULL;
}

/*
 * Compare the history with the oracle over the observations with use[i]
 * (NULL: all) at every instant where either can change: each observation
 * and row bound, and just before it.  Returns the first instant that
 * differs, through *at, or false when none does.
 */
static bool
hc_differs(const rb_hrow *rows, int n, const hc_obs *o, const bool *use, int nobs, rb_htime *at)
{
	for (int pass = 0; pass < 2; pass++)
	{
		int			m = pass == 0 ? nobs : n;

		for (int i = 0; i < m; i++)
		{
			rb_htime	xs[4];
			int			nx = 0;

			if (pass == 0)
			{
				xs[nx++] = o[i].t;
				xs[nx++] = o[i].t - 1;
			}
			else
			{
				if (rows[i].lo != RB_HTIME_UNBOUNDED_LO)
				{
					xs[nx++] = rows[i].lo;
					xs[nx++] = rows[i].lo - 1;
				}
				if (rows[i].hi != RB_HTIME_UNBOUNDED_HI)
				{
					xs[nx++] = rows[i].hi;
					xs[nx++] = rows[i].hi - 1;
				}
			}
			for (int k = 0; k < nx; k++)
				if (hc_rows_at(rows, n, xs[k]) != hc_oracle_at(o, use, nobs, xs[k]))
				{
					*at = xs[k];
					return true;
				}
		}
	}
	return false;
}

/*
 * The observations a history still knows: those whose instant is a bound,
 * first_seen or last_seen of a row.
 */
static void
hc_remembered(const rb_hrow *rows, int n, const hc_obs *o, int nobs, bool *use)
{
	for (int i = 0; i < nobs; i++)
	{
		use[i] = false;
		for (int j = 0; j < n && !use[i]; j++)
			use[i] = rows[j].lo == o[i].t || rows[j].hi == o[i].t ||
				rows[j].first_seen == o[i].t || rows[j].last_seen == o[i].t;
	}
}

#endif
