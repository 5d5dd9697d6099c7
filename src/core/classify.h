/*
 * classify.h
 *	  The built-in bounce classifier: reason, severity and infrastructure
 *	  flag from a diagnostic text and what else is known of the bounce.
 *
 * Plain C99, no PostgreSQL.  User rules (rebound.rule) are applied by the
 * glue (src/glue/classify.c) before these built-in tables.
 */
#ifndef REBOUND_CORE_CLASSIFY_H
#define REBOUND_CORE_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "reason.h"
#include "status.h"

typedef struct rb_classify_input
{
	const char *text;			/* diagnostic, any bytes; may be NULL */
	size_t		len;
	int			reply_code;		/* known from a report's structure, 0 =
								 * unknown */
	rb_status	status;			/* known from a report's Status: field, 0 =
								 * unknown */
	const char *rhost;			/* remote MTA host or NULL: the glue tests
								 * provider-scoped user rules with it; the
								 * built-in tables do not use it */
	size_t		rhost_len;
	const char *smtp_command;	/* the SMTP command the reply answered, as a
								 * report or a log names it ("RCPT", "DATA",
								 * any case), or NULL: says at which stage
								 * an "unknown user" was refused */
	size_t		smtp_command_len;
} rb_classify_input;

/* What decided a verdict's reason (rebound.explain() shows it). */
typedef enum rb_basis
{
	RB_BASIS_NOTHING,			/* no evidence: undefined */
	RB_BASIS_PHRASE,			/* a phrase of the table */
	RB_BASIS_STATUS,			/* the enhanced status code */
	RB_BASIS_CODE,				/* the reply code */
	RB_BASIS_SIGNALS,			/* the words of the text (core/signal.c) */
	RB_BASIS_RULE				/* a user rule (set by the glue) */
} rb_basis;

typedef struct rb_verdict
{
	int			reply_code;		/* 0 = none */
	rb_status	status;			/* 0 = none */
	rb_reason	reason;
	rb_severity severity;
	bool		infrastructure;
	/* why: for explanations, not needed to use the verdict */
	rb_basis	basis;
	const char *phrase;			/* the deciding or best phrase, or NULL */
	unsigned	signals;		/* RB_SIG_* read from the words, when read */
	int			rule;			/* index of the deciding user rule, or -1 */
} rb_verdict;

/* Classify with the built-in tables only.  Never fails, never allocates
 * (after the phrase automaton is built on first use). */
extern void rb_classify(const rb_classify_input *in, rb_verdict *out);

/*
 * The severity a reason has under rebound's rule, given the class (4 or 5,
 * 0 = unknown) of the codes and whether the text says the condition is
 * temporary or permanent.  Shared with the glue for user rules that give
 * no severity.
 */
extern rb_severity rb_severity_for(rb_reason reason, int klass,
								   bool temporary, bool permanent);

/* Whether a reason is compatible with a receiving-side infrastructure
 * failure (network_error, expired, system_error, ...). */
extern bool rb_reason_may_be_infrastructure(rb_reason reason);

#endif							/* REBOUND_CORE_CLASSIFY_H */
