/*
 * status.h
 *	  RFC 3463 enhanced mail system status codes ("5.1.1").
 *
 * Plain C99: this file knows nothing of PostgreSQL.  A code is packed into
 * one uint32 so that integer order is the natural order (class, then
 * subject, then detail) and so that it fits a pass-by-value Datum.
 */
#ifndef REBOUND_CORE_STATUS_H
#define REBOUND_CORE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 3463 section 3.1: subject and detail are 1*3digit. */
#define RB_STATUS_PART_MAX	999

/* Longest text form: "5.999.999" */
#define RB_STATUS_TEXT_MAX	9

typedef uint32_t rb_status;

#define RB_STATUS_MAKE(c, s, d) \
	((rb_status) ((uint32_t) (c) * 1000000u + (uint32_t) (s) * 1000u + (uint32_t) (d)))
#define RB_STATUS_CLASS(st)		((int) ((st) / 1000000u))
#define RB_STATUS_SUBJECT(st)	((int) ((st) / 1000u % 1000u))
#define RB_STATUS_DETAIL(st)	((int) ((st) % 1000u))

typedef enum rb_status_error
{
	RB_STATUS_OK = 0,
	RB_STATUS_EMPTY,			/* nothing but white space */
	RB_STATUS_BAD_CLASS,		/* class is not 2, 4 or 5 */
	RB_STATUS_BAD_SYNTAX,		/* not digits.digits.digits */
	RB_STATUS_PART_TOO_LONG		/* subject or detail over three digits */
} rb_status_error;

/* True when the three parts form a code RFC 3463 allows. */
extern bool rb_status_valid(int klass, int subject, int detail);

/*
 * Parse the whole of buf[0..len) as a status code, allowing surrounding
 * white space.  Does not need a terminating NUL.
 */
extern rb_status_error rb_status_parse(const char *buf, size_t len,
									   rb_status *result);

/* Writes the text form and its NUL; out must hold RB_STATUS_TEXT_MAX + 1. */
extern size_t rb_status_format(rb_status st, char *out);

/* One English sentence saying what is wrong, for error details. */
extern const char *rb_status_strerror(rb_status_error err);

#endif							/* REBOUND_CORE_STATUS_H */
