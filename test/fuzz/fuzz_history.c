/*
 * fuzz_history.c
 *	  libFuzzer harness for core/history.c, checked against a brute force.
 *	  The input is a sequence of observations, two bytes each: a time (0 to
 *	  63; a time already used is skipped, see below) and a set of up to five
 *	  values (bit mask; 0 is the empty answer).  After every merge the
 *	  history must be well formed, must be what the observations it keeps
 *	  say, and must be what all of them say when they came in one of the
 *	  orders the README promises exact.  Applying the changes one by one,
 *	  in their order, must never put two rows of one value with the same
 *	  start, as the unique index would refuse.
 *
 * Times are distinct: two observations at one instant that disagree have
 * no order-free meaning (and 0.1.0's rules can then leave an empty row; see
 * the CHANGELOG).
 */
#include "core/history.h"
#include "../unit/history_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAXOBS 24
#define MAXROWS 512

static bool
unique_starts(const rb_hrow *rows, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (rows[i].value == rows[j].value && rows[i].lo == rows[j].lo)
				return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static rb_hrow rows[MAXROWS],
				step[MAXROWS];
	hc_obs		obs[MAXOBS];
	int			nobs = 0,
				nrows = 0,
				runs = 1;
	bool		descending = true;
	bool		timeused[64] = {false};

	for (size_t p = 0; p + 1 < size && nobs < MAXOBS; p += 2)
	{
		hc_obs		o;
		rb_hseen	seen[HC_MAXVALUES];
		rb_hchange	changes[RB_HISTORY_MAX_CHANGES(MAXROWS, HC_MAXVALUES)];
		int			nseen = 0,
					nchanges,
					nstep;
		bool		use[MAXOBS];
		rb_htime	at;
		const char *err;

		if (timeused[data[p] & 63])
			continue;
		timeused[data[p] & 63] = true;
		o.t = (rb_htime) (data[p] & 63) * 1000;
		o.set = (data[p + 1] & 0x1f) << 1;
		if (o.set == 0)
			o.set = 1;
		for (int v = 0; v < HC_MAXVALUES; v++)
			if (o.set & (1u << v))
			{
				seen[nseen].value = v;
				seen[nseen].pref = data[p + 1] >> 5;
				nseen++;
			}
		if (nrows + 2 * nrows + nseen > MAXROWS)
			break;
		nchanges = rb_history_merge(rows, nrows, seen, nseen, o.t, changes);
		if (nchanges < 0)
			abort();
		/* one change at a time, as the glue sends them */
		memcpy(step, rows, sizeof(rb_hrow) * nrows);
		nstep = nrows;
		for (int c = 0; c < nchanges; c++)
		{
			bool		dead[MAXROWS] = {false};
			int			n = 0;

			for (int d = 0; d <= c; d++)
				if (changes[d].kind == RB_HCHANGE_DELETE)
					dead[changes[d].row] = true;
			for (int i = 0; i < nrows; i++)
			{
				if (dead[i])
					continue;
				step[n] = rows[i];
				for (int d = 0; d <= c; d++)
					if (changes[d].kind == RB_HCHANGE_UPDATE && changes[d].row == i)
						step[n] = changes[d].to;
				n++;
			}
			for (int d = 0; d <= c; d++)
				if (changes[d].kind == RB_HCHANGE_INSERT)
					step[n++] = changes[d].to;
			nstep = n;
			if (!unique_starts(step, nstep))
			{
				fprintf(stderr, "change %d of %d: two rows of a value with one start\n", c, nchanges);
				abort();
			}
		}
		nrows = rb_history_apply(rows, nrows, changes, nchanges, step);
		memcpy(rows, step, sizeof(rb_hrow) * nrows);

		if (nobs > 0)
		{
			if (o.t < obs[nobs - 1].t)
				runs++;
			if (o.t > obs[nobs - 1].t)
				descending = false;
		}
		obs[nobs++] = o;

		err = hc_invariants(rows, nrows, obs, nobs);
		if (err)
		{
			fprintf(stderr, "after %d observations: %s\n", nobs, err);
			abort();
		}
		hc_remembered(rows, nrows, obs, nobs, use);
		if (hc_differs(rows, nrows, obs, use, nobs, &at))
		{
			fprintf(stderr, "after %d observations: differs at %lld from what it keeps\n",
					nobs, (long long) at);
			abort();
		}
		if ((descending || runs == 1 || (runs == 2 && o.t < obs[0].t)) &&
			hc_differs(rows, nrows, obs, NULL, nobs, &at))
		{
			fprintf(stderr, "after %d observations in an exact order: differs at %lld\n",
					nobs, (long long) at);
			abort();
		}
	}
	return 0;
}
