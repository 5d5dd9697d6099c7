/*
 * reason.h
 *	  Why a message bounced, and how bad it is: the core's names for the
 *	  values of the SQL enums rebound.reason and rebound.severity.
 *
 * The order of rb_reason is the order of the labels of rebound.reason in
 * the install script; reason.c checks the names, a pgTAP test checks the
 * order against the catalogue.
 */
#ifndef REBOUND_CORE_REASON_H
#define REBOUND_CORE_REASON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rb_reason
{
	RB_REASON_AUTH_FAILURE = 0,
	RB_REASON_BAD_REPUTATION,
	RB_REASON_BLOCKED,
	RB_REASON_CONTENT_ERROR,
	RB_REASON_DELIVERED,
	RB_REASON_EMAIL_TOO_LARGE,
	RB_REASON_EXCEED_LIMIT,
	RB_REASON_EXPIRED,
	RB_REASON_FAILED_STARTTLS,
	RB_REASON_FEEDBACK,
	RB_REASON_FILTERED,
	RB_REASON_HAS_MOVED,
	RB_REASON_HOST_UNKNOWN,
	RB_REASON_MAILBOX_FULL,
	RB_REASON_MAILER_ERROR,
	RB_REASON_MESG_TOO_BIG,
	RB_REASON_NETWORK_ERROR,
	RB_REASON_NO_RELAYING,
	RB_REASON_NOT_ACCEPT,
	RB_REASON_NOT_COMPLIANT_RFC,
	RB_REASON_ON_HOLD,
	RB_REASON_POLICY_VIOLATION,
	RB_REASON_RATE_LIMITED,
	RB_REASON_REJECTED,
	RB_REASON_REQUIRE_PTR,
	RB_REASON_SECURITY_ERROR,
	RB_REASON_SPAM_DETECTED,
	RB_REASON_SPEEDING,
	RB_REASON_SUPPRESSED,
	RB_REASON_SUSPEND,
	RB_REASON_SYNTAX_ERROR,
	RB_REASON_SYSTEM_ERROR,
	RB_REASON_SYSTEM_FULL,
	RB_REASON_TOO_MANY_CONN,
	RB_REASON_UNDEFINED,
	RB_REASON_USER_UNKNOWN,
	RB_REASON_VACATION,
	RB_REASON_VIRUS_DETECTED
} rb_reason;

#define RB_REASON_COUNT (RB_REASON_VIRUS_DETECTED + 1)

typedef enum rb_severity
{
	RB_SEVERITY_HARD = 0,
	RB_SEVERITY_SOFT,
	RB_SEVERITY_UNDETERMINED
} rb_severity;

#define RB_SEVERITY_COUNT (RB_SEVERITY_UNDETERMINED + 1)

/* The SQL label ("user_unknown"); NULL when out of range. */
extern const char *rb_reason_name(rb_reason r);

/* The reason with SQL label name[0..len), or -1. */
extern int	rb_reason_lookup(const char *name, size_t len);

/* The SQL label ("hard"); NULL when out of range. */
extern const char *rb_severity_name(rb_severity s);

#endif							/* REBOUND_CORE_REASON_H */
