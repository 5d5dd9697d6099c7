/*
 * history.h
 *	  The observed history of one key (a domain's MX or NS role, a host's
 *	  addresses): merging one observation into the rows already known.
 *
 * Plain C99, no PostgreSQL.  A key's rows encode a step function of time:
 * each row says that one value (a host, an address, or the "none" value
 * the caller chooses for an empty answer) was part of the key's set during
 * [lo, hi).  first_seen and last_seen are the earliest and latest
 * observations that confirmed the row; together with the finite bounds they
 * are the instants at which the key is known to have been observed, which
 * is what lets an observation arrive out of order.  An unbounded lower end
 * marks the first observation, which stands for all the time before it; an
 * unbounded upper end, a row no observation has contradicted yet.
 *
 * Values are small integers chosen by the caller (an index into its list of
 * distinct hosts or addresses): the merge only compares them.  Times are
 * any int64 clock (the glue passes PostgreSQL's microseconds); the two
 * extreme values stand for the unbounded ends and are never observation
 * times.
 */
#ifndef REBOUND_CORE_HISTORY_H
#define REBOUND_CORE_HISTORY_H

#include <stdint.h>

typedef int64_t rb_htime;

#define RB_HTIME_UNBOUNDED_LO INT64_MIN
#define RB_HTIME_UNBOUNDED_HI INT64_MAX

typedef struct rb_hrow
{
	int			value;			/* the caller's id of the host or address */
	int32_t		pref;			/* MX preference, -1 for none */
	rb_htime	lo;				/* [lo, hi) */
	rb_htime	hi;
	rb_htime	first_seen;
	rb_htime	last_seen;
} rb_hrow;

/* One element of an observed set. */
typedef struct rb_hseen
{
	int			value;
	int32_t		pref;
} rb_hseen;

typedef enum rb_hchange_kind
{
	RB_HCHANGE_DELETE,
	RB_HCHANGE_UPDATE,
	RB_HCHANGE_INSERT
} rb_hchange_kind;

typedef struct rb_hchange
{
	rb_hchange_kind kind;
	int			row;			/* DELETE, UPDATE: index into the rows; INSERT: -1 */
	rb_hrow		to;				/* UPDATE, INSERT: the row as it must be */
} rb_hchange;

/* Room rb_history_merge() may need for its changes. */
#define RB_HISTORY_MAX_CHANGES(nrows, nseen) (2 * (nrows) + (nseen))

/*
 * Merge the observation "the key's set was seen[0..nseen) at t" into the
 * key's rows[0..nrows).  Writes the changes to make to the rows into
 * changes (room for RB_HISTORY_MAX_CHANGES) and returns their number: the
 * deletes first, then the updates, then the inserts, an order in which a
 * unique index on (value, lo) never sees two rows with the same key.
 *
 * seen must hold at least one element and no value twice (the caller gives
 * an empty answer as its "none" value); t must be finite; the rows of one
 * value must not overlap, as the merge leaves them.  Returns -1, and writes
 * no change, for an empty set, a value twice, an unbounded t or an empty
 * row (overlapping rows are not looked for), or when out of memory.
 *
 * As in 0.1.0, two observations of a key at one instant that disagree,
 * followed by an older one, can make the merge ask for an empty row; the
 * tables' range check then refuses it.
 */
extern int	rb_history_merge(const rb_hrow *rows, int nrows,
							 const rb_hseen *seen, int nseen, rb_htime t,
							 rb_hchange *changes);

/*
 * Apply changes to rows[0..nrows) into out (room for nrows + nchanges) and
 * return the number of rows: unchanged and updated rows keep their order,
 * inserted ones follow.  For tests, fuzzers, and callers that keep the rows
 * in memory.
 */
extern int	rb_history_apply(const rb_hrow *rows, int nrows,
							 const rb_hchange *changes, int nchanges,
							 rb_hrow *out);

/*
 * The set of the key at instant x: writes the values of the rows holding
 * at x to out (room for nrows) in row order, returns their number.
 */
extern int	rb_history_at(const rb_hrow *rows, int nrows, rb_htime x, int *out);

#endif
