/*
 * test_history.c
 *	  Unit and property tests of core/history.c: the merge of one
 *	  observation into a key's history.
 *
 * The property test takes small random sets of observations (distinct
 * times) and feeds each set in every order.  Whatever the order, the
 * history must be well formed and must answer, at every instant, what the
 * observations it still knows say (checked against a brute force over
 * them); in the orders the README promises exact (time order, reverse time
 * order, a newer batch then an older archive, each in time order), what all
 * the observations say.  Other orders may forget a confirmation that an
 * older import then contradicts: rows keep only the first and last
 * observation of a run of confirmations.
 */
#include "core/history.h"
#include "tap.h"
#include "history_check.h"

#define T(day) ((rb_htime) (day) * 86400000000LL)
#define LO RB_HTIME_UNBOUNDED_LO
#define HI RB_HTIME_UNBOUNDED_HI

static rb_hrow rows[1024];
static int	nrows;

static void
observe(rb_htime t, unsigned set)
{
	hc_obs		o = {t, set};

	if (!hc_observe(rows, &nrows, &o, -1))
		printf("# refused\n");
}

/* "v[lo,hi) f l" for every row, sorted, as one string */
static const char *
dump(void)
{
	static char buf[4096];
	char		items[64][96];
	int			n = 0;
	size_t		len = 0;

	for (int i = 0; i < nrows && n < 64; i++, n++)
	{
		const rb_hrow *r = &rows[i];
		char		lo[24],
					hi[24];

		if (r->lo == LO)
			lo[0] = 0;
		else
			snprintf(lo, sizeof(lo), "%lld", (long long) (r->lo / T(1)));
		if (r->hi == HI)
			hi[0] = 0;
		else
			snprintf(hi, sizeof(hi), "%lld", (long long) (r->hi / T(1)));
		snprintf(items[n], sizeof(items[n]), "%d[%s,%s)%lld-%lld", r->value, lo, hi,
				 (long long) (r->first_seen / T(1)), (long long) (r->last_seen / T(1)));
	}
	/* insertion sort: a few rows */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--)
		{
			char		tmp[96];

			memcpy(tmp, items[j], 96);
			memcpy(items[j], items[j - 1], 96);
			memcpy(items[j - 1], tmp, 96);
		}
	buf[0] = 0;
	for (int i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", items[i]);
	return buf;
}

static void
test_cases(void)
{
	rb_hseen	two[2] = {{1, 10}, {1, 20}};
	rb_hchange	ch[8];
	rb_hrow		r1 = {1, -1, 5, 5, 5, 5};

	/* first observation: stands before and after */
	nrows = 0;
	observe(T(10), 0x6);
	is_str(dump(), "1[,)10-10 2[,)10-10", "first observation: unbounded both ways");
	/* confirmation in time order: extended, no row */
	observe(T(20), 0x6);
	is_str(dump(), "1[,)10-20 2[,)10-20", "confirmation extends last_seen");
	/* a change: close at t, open at t */
	observe(T(30), 0xa);
	is_str(dump(), "1[,)10-30 2[,30)10-20 3[30,)30-30", "change: closed and opened at t");
	/* an older import in the middle: holds until the next known instant */
	observe(T(25), 0x10);
	is_str(dump(), "1[,25)10-10 1[30,)30-30 2[,25)10-20 3[30,)30-30 4[25,30)25-25",
		   "older import cut in between");
	/* earlier than all: becomes the first */
	observe(T(5), 0x1);
	is_str(dump(), "0[,10)5-5 1[10,25)10-10 1[30,)30-30 2[10,25)10-20 3[30,)30-30 4[25,30)25-25",
		   "an earlier first observation stands before it");
	/* the same observation again changes nothing */
	{
		rb_hseen	s = {0, -1};

		is_int(rb_history_merge(rows, nrows, &s, 1, T(5), ch), 0, "repeating an observation: no change");
	}
	/* an observation at the instant a row was opened replaces it */
	nrows = 0;
	observe(T(10), 0x2);
	observe(T(20), 0x4);
	observe(T(20), 0x8);
	is_str(dump(), "1[,20)10-10 3[20,)20-20", "a row opened at t is replaced at t");

	/* MX preference: the latest in time order */
	{
		rb_hseen	s = {1, 10};
		int			n;

		nrows = 0;
		n = rb_history_merge(rows, 0, &s, 1, T(1), ch);
		nrows = rb_history_apply(rows, 0, ch, n, rows);
		s.pref = 20;
		n = rb_history_merge(rows, nrows, &s, 1, T(2), ch);
		is_int(n, 1, "a new preference is one update");
		is_int(ch[0].kind, RB_HCHANGE_UPDATE, "an update");
		is_int(ch[0].to.pref, 20, "of the preference");
		s.pref = 30;
		n = rb_history_merge(rows, nrows, &s, 1, T(0), ch);
		nrows = rb_history_apply(rows, nrows, ch, n, rows);
	}

	/* refusals */
	is_int(rb_history_merge(NULL, 0, two, 0, T(1), ch), -1, "an empty observed set is refused");
	is_int(rb_history_merge(NULL, 0, two, 2, T(1), ch), -1, "a value twice is refused");
	is_int(rb_history_merge(NULL, 0, two, 1, HI, ch), -1, "an infinite time is refused");
	is_int(rb_history_merge(&r1, 1, two, 1, T(1), ch), -1, "an empty row is refused");

	/* change order: deletes, updates, inserts */
	{
		int			n;
		int			order_ok = 1;

		nrows = 0;
		observe(T(10), 0x2);
		observe(T(30), 0x4);
		observe(T(20), 0x4);	/* splits row 2 */
		{
			rb_hseen	s = {3, -1};

			n = rb_history_merge(rows, nrows, &s, 1, T(30), ch);
		}
		for (int i = 1; i < n; i++)
			if (ch[i].kind < ch[i - 1].kind)
				order_ok = 0;
		ok(n > 0 && order_ok, "changes come as deletes, updates, inserts");
	}
}

/* permutations */
static hc_obs obs[8];
static int	nobs;
static int	perm[8];
static bool used[8];
static long orders,
			bad_invariant,
			bad_remembered,
			bad_exact,
			forgetting;

static void
run_order(void)
{
	hc_obs		seq[8];
	bool		use[8];
	rb_htime	at;
	int			runs = 1;
	bool		descending = true;
	const char *err;

	nrows = 0;
	for (int i = 0; i < nobs; i++)
	{
		seq[i] = obs[perm[i]];
		observe(seq[i].t, seq[i].set);
	}
	orders++;
	err = hc_invariants(rows, nrows, obs, nobs);
	if (err)
	{
		if (bad_invariant++ == 0)
			printf("# %s\n", err);
	}
	hc_remembered(rows, nrows, obs, nobs, use);
	if (hc_differs(rows, nrows, obs, use, nobs, &at))
		bad_remembered++;
	for (int i = 1; i < nobs; i++)
	{
		if (seq[i].t < seq[i - 1].t)
			runs++;
		if (seq[i].t > seq[i - 1].t)
			descending = false;
	}
	if (hc_differs(rows, nrows, obs, NULL, nobs, &at))
	{
		if (descending || runs == 1 || (runs == 2 && seq[nobs - 1].t < seq[0].t))
			bad_exact++;
		else
			forgetting++;
	}
}

static void
permute(int depth)
{
	if (depth == nobs)
	{
		run_order();
		return;
	}
	for (int i = 0; i < nobs; i++)
		if (!used[i])
		{
			used[i] = true;
			perm[depth] = i;
			permute(depth + 1);
			used[i] = false;
		}
}

static void
test_permutations(void)
{
	unsigned	seed = 20171109;

	for (int trial = 0; trial < 400; trial++)
	{
		nobs = 1 + trial % 6;
		for (int i = 0; i < nobs; i++)
		{
			seed = seed * 1103515245u + 12345u;
			obs[i].t = T(10 * (i + 1)) + (rb_htime) ((seed >> 8) % 1000);
			seed = seed * 1103515245u + 12345u;
			/* a quarter of the answers empty, the rest 1..3 of 3 hosts */
			obs[i].set = ((seed >> 16) % 4 == 0) ? 0x1 : (((seed >> 20) % 7 + 1) << 1);
		}
		permute(0);
	}
	printf("# %ld orders, %ld forgot a confirmation an older import contradicted\n",
		   orders, forgetting);
	is_int(bad_invariant, 0, "every order: rows well formed, instants all observed");
	is_int(bad_remembered, 0, "every order: the history is what the observations it keeps say");
	is_int(bad_exact, 0, "time order, reverse order, newer batch then archive: exact");
	ok(forgetting < orders / 20, "other orders: rarely anything forgotten");
}

int
main(void)
{
	test_cases();
	test_permutations();
	return tap_done();
}
