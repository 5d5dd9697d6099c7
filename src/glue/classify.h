/*
 * classify.h
 *	  PostgreSQL glue of the classifier: user rules (rebound.rule) before
 *	  the built-in tables, and the Datums of its results.
 *
 * Used by rebound.classify() and by the DSN parser, which passes the
 * status, reply code and remote MTA it read from a report's structure.
 */
#ifndef REBOUND_CLASSIFY_H
#define REBOUND_CLASSIFY_H

#include "postgres.h"
#include "fmgr.h"

#include "core/classify.h"

/* Number of attributes of rebound.classification */
#define RB_CLASSIFICATION_NATTS 5

/* Registers the cache invalidation callbacks; called by _PG_init. */
extern void rb_classify_init(void);

/*
 * The user's rules of rebound.rule first (highest priority first, the first
 * that matches decides), then the built-in tables.  in->text must be what
 * rb_text_to_utf8() gives (UTF-8; raw bytes in a SQL_ASCII database), as
 * regex rules decode it that way.  Provider rules apply only when
 * in->rhost is set and rebound.host_provider(rhost) names their provider.
 * May run SPI (to load the rules once per backend): call it inside a
 * transaction, outside a critical section.
 */
extern void rb_classify_with_rules(const rb_classify_input *in, rb_verdict *out);

/* The enum value Datums (OIDs looked up once per backend, cached). */
extern Datum rb_reason_datum(rb_reason r);
extern Datum rb_severity_datum(rb_severity s);

/*
 * The five values of rebound.classification (reply_code, status, reason,
 * severity, infrastructure) with their null flags: reply_code and status
 * are NULL when 0.
 */
extern void rb_verdict_values(const rb_verdict *v, Datum *values, bool *nulls);

/* A rebound.classification composite Datum. */
extern Datum rb_classification_datum(const rb_verdict *v);

#endif							/* REBOUND_CLASSIFY_H */
