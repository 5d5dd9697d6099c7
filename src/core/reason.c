/*
 * reason.c
 *	  Names of the reasons and severities.
 */
#include "reason.h"

#include <string.h>

static const char *const reason_names[RB_REASON_COUNT] = {
	[RB_REASON_AUTH_FAILURE] = "auth_failure",
	[RB_REASON_BAD_REPUTATION] = "bad_reputation",
	[RB_REASON_BLOCKED] = "blocked",
	[RB_REASON_CONTENT_ERROR] = "content_error",
	[RB_REASON_DELIVERED] = "delivered",
	[RB_REASON_EMAIL_TOO_LARGE] = "email_too_large",
	[RB_REASON_EXCEED_LIMIT] = "exceed_limit",
	[RB_REASON_EXPIRED] = "expired",
	[RB_REASON_FAILED_STARTTLS] = "failed_starttls",
	[RB_REASON_FEEDBACK] = "feedback",
	[RB_REASON_FILTERED] = "filtered",
	[RB_REASON_HAS_MOVED] = "has_moved",
	[RB_REASON_HOST_UNKNOWN] = "host_unknown",
	[RB_REASON_MAILBOX_FULL] = "mailbox_full",
	[RB_REASON_MAILER_ERROR] = "mailer_error",
	[RB_REASON_MESG_TOO_BIG] = "mesg_too_big",
	[RB_REASON_NETWORK_ERROR] = "network_error",
	[RB_REASON_NO_RELAYING] = "no_relaying",
	[RB_REASON_NOT_ACCEPT] = "not_accept",
	[RB_REASON_NOT_COMPLIANT_RFC] = "not_compliant_rfc",
	[RB_REASON_ON_HOLD] = "on_hold",
	[RB_REASON_POLICY_VIOLATION] = "policy_violation",
	[RB_REASON_RATE_LIMITED] = "rate_limited",
	[RB_REASON_REJECTED] = "rejected",
	[RB_REASON_REQUIRE_PTR] = "require_ptr",
	[RB_REASON_SECURITY_ERROR] = "security_error",
	[RB_REASON_SPAM_DETECTED] = "spam_detected",
	[RB_REASON_SPEEDING] = "speeding",
	[RB_REASON_SUPPRESSED] = "suppressed",
	[RB_REASON_SUSPEND] = "suspend",
	[RB_REASON_SYNTAX_ERROR] = "syntax_error",
	[RB_REASON_SYSTEM_ERROR] = "system_error",
	[RB_REASON_SYSTEM_FULL] = "system_full",
	[RB_REASON_TOO_MANY_CONN] = "too_many_conn",
	[RB_REASON_UNDEFINED] = "undefined",
	[RB_REASON_USER_UNKNOWN] = "user_unknown",
	[RB_REASON_VACATION] = "vacation",
	[RB_REASON_VIRUS_DETECTED] = "virus_detected",
};

static const char *const severity_names[RB_SEVERITY_COUNT] = {
	[RB_SEVERITY_HARD] = "hard",
	[RB_SEVERITY_SOFT] = "soft",
	[RB_SEVERITY_UNDETERMINED] = "undetermined",
};

const char *
rb_reason_name(rb_reason r)
{
	if ((int) r < 0 || r >= RB_REASON_COUNT)
		return NULL;
	return reason_names[r];
}

int
rb_reason_lookup(const char *name, size_t len)
{
	for (int i = 0; i < RB_REASON_COUNT; i++)
	{
		if (strlen(reason_names[i]) == len && memcmp(reason_names[i], name, len) == 0)
			return i;
	}
	return -1;
}

const char *
rb_severity_name(rb_severity s)
{
	if ((int) s < 0 || s >= RB_SEVERITY_COUNT)
		return NULL;
	return severity_names[s];
}
