/*
 * capture.h
 *	  The bulk path of capture_bounce's statement form (capture.c), and the
 *	  error both forms give for a row the ledger cannot take (ledger.c).
 */
#ifndef REBOUND_CAPTURE_H
#define REBOUND_CAPTURE_H

#include "postgres.h"
#include "commands/trigger.h"

/* The columns of the CRM table a capture_bounce trigger reads. */
typedef struct RbCaptureColumns
{
	const char *trigger;		/* names, for the error messages */
	const char *table;
	const char *source;			/* the trigger's first argument */
	const char *address_column;
	const char *time_column;
	AttrNumber	address;		/* attribute numbers in the CRM table */
	AttrNumber	time;
	AttrNumber	diagnostic;
	AttrNumber	severity;		/* 0: no severity_column */
	Oid			address_type;	/* base types (domains looked through) */
	Oid			time_type;
	Oid			diagnostic_type;
	Oid			severity_type;
} RbCaptureColumns;

/*
 * Records the rows of the statement's transition table in the ledger with
 * a COPY-style multi-insert, and returns true; or returns false, having
 * done nothing, when the ledger is not the plain heap table rebound
 * installs (a trigger someone added, row security, Citus): the caller
 * then uses its SQL insert, which the executor handles in full.
 */
extern bool rb_capture_bulk(TriggerData *td, const RbCaptureColumns *cols);

/* A row without an address (or without a time): the statement fails. */
extern void rb_capture_missing(const char *trigger, const char *table,
							   const char *column, bool address) pg_attribute_noreturn();

#endif							/* REBOUND_CAPTURE_H */
