/*
 * history.c
 *	  Merging one observation into a key's observed history.
 *
 * This is the algorithm that observe_domain and observe_host ran, each in
 * its own copy, as PL/pgSQL up to 0.1.0; the rules are unchanged, so a
 * history written by 0.1.0 goes on as it would have.  An observation at t
 * replaces the key's state from t up to nxt, the next instant at which the
 * key is known to have been observed (a finite bound, a first_seen or a
 * last_seen).  Rows are cut around it, never merged, so that those instants
 * stay known for observations that arrive later still.
 *
 * The comparisons spell out what SQL did with unbounded ends: lower() and
 * upper() of an unbounded end are NULL there, and a comparison with NULL
 * is not true.
 */
#include "core/history.h"

#include <stdbool.h>
#include <stdlib.h>

#define LO_FINITE(r) ((r)->lo != RB_HTIME_UNBOUNDED_LO)
#define HI_FINITE(r) ((r)->hi != RB_HTIME_UNBOUNDED_HI)

/* observed @> t */
static bool
holds_at(const rb_hrow *r, rb_htime t)
{
	return (!LO_FINITE(r) || r->lo <= t) && (!HI_FINITE(r) || t < r->hi);
}

/* The row knows an instant after t. */
static bool
knows_after(const rb_hrow *r, rb_htime t)
{
	return (LO_FINITE(r) && r->lo > t) || (HI_FINITE(r) && r->hi > t) ||
		r->first_seen > t || r->last_seen > t;
}

/* The row knows an instant at or before t. */
static bool
knows_until(const rb_hrow *r, rb_htime t)
{
	return r->first_seen <= t || (LO_FINITE(r) && r->lo <= t) ||
		(HI_FINITE(r) && r->hi <= t);
}

static rb_htime
min_time(rb_htime a, rb_htime b)
{
	return a < b ? a : b;
}

static rb_htime
max_time(rb_htime a, rb_htime b)
{
	return a > b ? a : b;
}

/* The earliest instant the row knows after t, or UNBOUNDED_HI. */
static rb_htime
next_after(const rb_hrow *r, rb_htime t, rb_htime best)
{
	if (LO_FINITE(r) && r->lo > t)
		best = min_time(best, r->lo);
	if (HI_FINITE(r) && r->hi > t)
		best = min_time(best, r->hi);
	if (r->first_seen > t)
		best = min_time(best, r->first_seen);
	if (r->last_seen > t)
		best = min_time(best, r->last_seen);
	return best;
}

static int
seen_index(const rb_hseen *seen, int nseen, int value)
{
	for (int k = 0; k < nseen; k++)
		if (seen[k].value == value)
			return k;
	return -1;
}

static bool
same_row(const rb_hrow *a, const rb_hrow *b)
{
	return a->value == b->value && a->pref == b->pref && a->lo == b->lo &&
		a->hi == b->hi && a->first_seen == b->first_seen &&
		a->last_seen == b->last_seen;
}

static rb_hrow
make_row(int value, int32_t pref, rb_htime lo, rb_htime hi,
		 rb_htime first_seen, rb_htime last_seen)
{
	rb_hrow		r;

	r.value = value;
	r.pref = pref;
	r.lo = lo;
	r.hi = hi;
	r.first_seen = first_seen;
	r.last_seen = last_seen;
	return r;
}

/*
 * The merge works on the new state of the rows: work[i] is what becomes of
 * rows[i] (alive[i] false: deleted), and the rows it adds are collected in
 * added.  The changes are the difference, so that a row cut in two is one
 * update and one insert rather than a delete and two inserts.
 */
int
rb_history_merge(const rb_hrow *rows, int nrows,
				 const rb_hseen *seen, int nseen, rb_htime t,
				 rb_hchange *changes)
{
	rb_hrow    *work;
	bool	   *alive;
	rb_hrow    *added;
	int			nadded = 0;
	int			nchanges = 0;
	bool		later = false;

	if (nrows < 0 || nseen < 1 || t == RB_HTIME_UNBOUNDED_LO || t == RB_HTIME_UNBOUNDED_HI)
		return -1;
	for (int k = 0; k < nseen; k++)
		if (seen_index(seen, k, seen[k].value) >= 0)
			return -1;
	for (int i = 0; i < nrows; i++)
		if (rows[i].lo >= rows[i].hi)
			return -1;

	/* A key seen for the first time: its set holds at all times. */
	if (nrows == 0)
	{
		for (int k = 0; k < nseen; k++)
		{
			changes[nchanges].kind = RB_HCHANGE_INSERT;
			changes[nchanges].row = -1;
			changes[nchanges].to = make_row(seen[k].value, seen[k].pref,
											RB_HTIME_UNBOUNDED_LO, RB_HTIME_UNBOUNDED_HI,
											t, t);
			nchanges++;
		}
		return nchanges;
	}

	work = malloc(sizeof(rb_hrow) * nrows);
	alive = malloc(sizeof(bool) * nrows);
	added = malloc(sizeof(rb_hrow) * (nrows + nseen));
	if (work == NULL || alive == NULL || added == NULL)
	{
		free(work);
		free(alive);
		free(added);
		return -1;
	}
	for (int i = 0; i < nrows; i++)
	{
		work[i] = rows[i];
		alive[i] = true;
		if (knows_after(&rows[i], t))
			later = true;
	}

	if (!later)
	{
		/*
		 * In time order (nothing known after t, the daily refresh): extend
		 * what t confirms; if the set changed, close at t what t no longer
		 * sees (a row opened at t itself is replaced) and open at t what it
		 * sees anew.
		 */
		bool	   *held = calloc(nseen, sizeof(bool));
		bool		changed = false;
		int			nheld = 0;

		if (held == NULL)
		{
			free(work);
			free(alive);
			free(added);
			return -1;
		}
		for (int i = 0; i < nrows; i++)
		{
			int			k;

			if (!holds_at(&rows[i], t))
				continue;
			k = seen_index(seen, nseen, rows[i].value);
			if (k >= 0)
			{
				held[k] = true;
				nheld++;
				work[i].last_seen = t;
				work[i].pref = seen[k].pref;
			}
			else
				changed = true;
		}
		if (nheld != nseen)
			changed = true;
		if (changed)
		{
			for (int i = 0; i < nrows; i++)
			{
				if (!holds_at(&rows[i], t) || seen_index(seen, nseen, rows[i].value) >= 0)
					continue;
				if (LO_FINITE(&rows[i]) && rows[i].lo == t)
					alive[i] = false;
				else
					work[i].hi = t;
			}
			for (int k = 0; k < nseen; k++)
				if (!held[k])
					added[nadded++] = make_row(seen[k].value, seen[k].pref,
											   t, RB_HTIME_UNBOUNDED_HI, t, t);
		}
		free(held);
	}
	else
	{
		rb_htime	nxt = RB_HTIME_UNBOUNDED_HI;
		bool		is_first = true;

		/* the instants at which the key was observed, seen from t */
		for (int i = 0; i < nrows; i++)
		{
			nxt = next_after(&rows[i], t, nxt);
			if (knows_until(&rows[i], t))
				is_first = false;
		}

		/*
		 * Rows true at t that t contradicts: cut t..nxt out of them.  Before
		 * the first observation, the first one stands: nothing is kept
		 * before t.
		 */
		for (int i = 0; i < nrows; i++)
		{
			const rb_hrow *prev = &rows[i];
			bool		left,
						right;
			rb_hrow		lpiece,
						rpiece;

			if (!holds_at(prev, t) || seen_index(seen, nseen, prev->value) >= 0)
				continue;
			left = !is_first && (!LO_FINITE(prev) || prev->lo < t);
			right = nxt != RB_HTIME_UNBOUNDED_HI && (!HI_FINITE(prev) || prev->hi > nxt);
			lpiece = make_row(prev->value, prev->pref, prev->lo, t,
							  min_time(prev->first_seen, t),
							  prev->last_seen < t ? prev->last_seen : min_time(prev->first_seen, t));
			rpiece = make_row(prev->value, prev->pref, nxt, prev->hi,
							  max_time(prev->first_seen, nxt), max_time(prev->last_seen, nxt));
			if (left)
			{
				work[i] = lpiece;
				if (right)
					added[nadded++] = rpiece;
			}
			else if (right)
				work[i] = rpiece;
			else
				alive[i] = false;
		}

		/* Values seen at t: extend the row that holds at t, or open one. */
		for (int k = 0; k < nseen; k++)
		{
			int			cur = -1;

			for (int i = 0; i < nrows; i++)
				if (rows[i].value == seen[k].value && holds_at(&rows[i], t))
				{
					cur = i;
					break;
				}
			if (cur >= 0)
			{
				const rb_hrow *c = &rows[cur];

				if (t >= c->last_seen)
				{
					/* in time order: extend */
					work[cur].last_seen = t;
					work[cur].pref = seen[k].pref;
				}
				else if (t != c->first_seen)
				{
					/*
					 * Out of order: split the row at the instant that would
					 * be forgotten otherwise, so that later imports still
					 * see it.
					 */
					rb_htime	lo = t < c->first_seen ? c->first_seen : t;

					work[cur].lo = lo;
					work[cur].first_seen = lo;
					added[nadded++] = make_row(c->value, c->pref, c->lo, lo,
											   min_time(t, c->first_seen),
											   min_time(t, c->first_seen));
				}
				continue;
			}
			/*
			 * New here: open t..nxt.  Adjacent rows of one value are not
			 * merged: their bounds are instants of observation to remember.
			 */
			added[nadded++] = make_row(seen[k].value, seen[k].pref,
									   is_first ? RB_HTIME_UNBOUNDED_LO : t, nxt, t, t);
		}
	}

	for (int i = 0; i < nrows; i++)
		if (!alive[i])
		{
			changes[nchanges].kind = RB_HCHANGE_DELETE;
			changes[nchanges].row = i;
			nchanges++;
		}
	for (int i = 0; i < nrows; i++)
		if (alive[i] && !same_row(&work[i], &rows[i]))
		{
			changes[nchanges].kind = RB_HCHANGE_UPDATE;
			changes[nchanges].row = i;
			changes[nchanges].to = work[i];
			nchanges++;
		}
	for (int j = 0; j < nadded; j++)
	{
		changes[nchanges].kind = RB_HCHANGE_INSERT;
		changes[nchanges].row = -1;
		changes[nchanges].to = added[j];
		nchanges++;
	}
	free(work);
	free(alive);
	free(added);
	return nchanges;
}

int
rb_history_apply(const rb_hrow *rows, int nrows,
				 const rb_hchange *changes, int nchanges, rb_hrow *out)
{
	int			n = 0;

	for (int i = 0; i < nrows; i++)
	{
		bool		deleted = false;
		const rb_hrow *r = &rows[i];

		for (int c = 0; c < nchanges; c++)
		{
			if (changes[c].row != i)
				continue;
			if (changes[c].kind == RB_HCHANGE_DELETE)
				deleted = true;
			else if (changes[c].kind == RB_HCHANGE_UPDATE)
				r = &changes[c].to;
		}
		if (!deleted)
			out[n++] = *r;
	}
	for (int c = 0; c < nchanges; c++)
		if (changes[c].kind == RB_HCHANGE_INSERT)
			out[n++] = changes[c].to;
	return n;
}

int
rb_history_at(const rb_hrow *rows, int nrows, rb_htime x, int *out)
{
	int			n = 0;

	for (int i = 0; i < nrows; i++)
		if (holds_at(&rows[i], x))
			out[n++] = rows[i].value;
	return n;
}
