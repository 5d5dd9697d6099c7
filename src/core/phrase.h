/*
 * phrase.h
 *	  The built-in phrase table and the one-pass matcher over it.
 *
 * Plain C99, no PostgreSQL.  The table (phrase_table.c) is data: each entry
 * is a phrase in lower case with single spaces, the reason it signals, its
 * rank (which phrase wins when several match), flags, and its origin (the
 * provider or MTA whose wording it is).  The matcher (phrase.c) is a
 * Vectorscan literal database built once per process on first use; the
 * text is matched in one pass, caseless, after runs of white space and the
 * "550-5.1.1 " prefixes of continuation lines are collapsed, so phrases
 * match across the line breaks of multi-line replies.
 */
#ifndef REBOUND_CORE_PHRASE_H
#define REBOUND_CORE_PHRASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "reason.h"

/* reason of an entry that only sets flags */
#define RB_PHRASE_NO_REASON (-1)

/* Flags of a phrase */
#define RB_PF_INFRA		0x01	/* receiving side's DNS/network/servers failed */
#define RB_PF_TEMP		0x02	/* the condition is said to be temporary */
#define RB_PF_DATA		0x04	/* the reply answered the DATA command */
#define RB_PF_DNS		0x08	/* a DNS lookup is what failed */
#define RB_PF_PERM		0x10	/* the condition is said to be permanent */
#define RB_PF_RCPT		0x20	/* the reply answered the RCPT command */

/*
 * Ranks.  A phrase of rank >= RB_RANK_STRONG beats a specific status code;
 * a weaker one only beats a generic status code (see classify.c).
 */
#define RB_RANK_VAGUE	1		/* says little: "access denied" */
#define RB_RANK_STAGE	2		/* SMTP stage only: "after MAIL FROM" */
#define RB_RANK_WEAK	3		/* loose wording: "does not exist" */
#define RB_RANK_STRONG	5		/* clear wording: "user unknown" */
#define RB_RANK_PROVIDER 7		/* a provider's own, unambiguous wording */
#define RB_RANK_OVERRIDE 9		/* wording that overrides a clear phrase */

typedef struct rb_phrase
{
	const char *text;			/* lower case, single spaces */
	int			reason;			/* rb_reason, or RB_PHRASE_NO_REASON */
	int			rank;
	unsigned	flags;
	const char *origin;			/* ends with "[labelled: KEY]" when written
								 * from the labelled source KEY of
								 * test/data/labelled/ (test/loso.sh) */
} rb_phrase;

extern const rb_phrase rb_phrase_table[];

#ifdef RB_LOSO
/*
 * Only in the leave-one-source-out build (test/loso.sh), never in the
 * extension: whether an entry is left out of the matcher (its origin is
 * tagged with the source being scored, or names that provider or MTA).
 */
extern bool rb_loso_excluded(const char *origin);
/* the same for a word of core/signal.c: its '|'-separated source list */
extern bool rb_loso_word_excluded(const char *sources);
#endif
extern const size_t rb_phrase_count;

/*
 * The wordings of a failure kind (phrase_table.c, after the table above):
 * which layer of the receiving side's infrastructure a failure points at.
 * Lower case; matched as written, ignoring ASCII case, by detect.c.
 */
typedef struct rb_failure_phrase
{
	const char *text;
	rb_failure_kind kind;		/* RB_FAILURE_DNS or RB_FAILURE_CONNECTION */
	const char *origin;
} rb_failure_phrase;

extern const rb_failure_phrase rb_failure_phrase_table[];
extern const size_t rb_failure_phrase_count;

/*
 * Called once per phrase found, in the order of their ends: the entry, and
 * the offset just past it in the normalized text.
 */
typedef void (*rb_phrase_hit_fn) (const rb_phrase *p, size_t end, void *arg);

/*
 * Builds the matcher if needed; false when it cannot be built (out of
 * memory, tried again at the next call; or a CPU Vectorscan does not
 * support).  Nothing partial is kept.  rb_phrase_scan() finds nothing
 * without a matcher: callers check this first rather than classify
 * without the phrase table.
 */
extern bool rb_phrase_init(void);

/*
 * Report every table phrase found in text[0..len).  With multi_line (the
 * reply parser saw several "550-5.1.1" prefixes), the prefixes are dropped
 * wherever they stand, not only at the start of a line: ESPs often unfold
 * a multi-line reply into one line ("... multiple 550-5.7.1 addresses in
 * From: ...").  Uses per-process buffers and Vectorscan scratch space: one
 * scan at a time (PostgreSQL backends are single-threaded).
 */
extern void rb_phrase_scan(const char *text, size_t len, bool multi_line,
						   rb_phrase_hit_fn hit, void *arg);

/* Bytes the matcher occupies (for the design notes and the benchmark). */
extern size_t rb_phrase_memory(void);

#endif							/* REBOUND_CORE_PHRASE_H */
