/*
 * classify.c
 *	  The built-in classifier: codes and phrases combined by a fixed
 *	  precedence.
 *
 * Precedence, highest first (README, "Design notes"):
 *	 1. a phrase of rank >= RB_RANK_STRONG (clear wording beats codes:
 *		providers reuse 5.1.1 or 5.7.1 for many things, but "mailbox full"
 *		means what it says);
 *	 2. a specific status code (X.1.1 user_unknown, X.2.2 mailbox_full,
 *		X.7.26 auth_failure, ...), then a specific reply code (521/556
 *		not_accept, 525 suspend, 523/524/538 failed_starttls);
 *	 3. a weaker phrase ("access denied", "does not exist");
 *	 4. the SMTP stage named in the text ("after MAIL FROM": the sender was
 *		refused; "after initial connection": the client was);
 *	 5. a generic status code (X.7.1 security_error, X.2.0 filtered, ...),
 *		then a generic reply code (500-507: syntax_error);
 *	 6. nothing: undefined.
 * Then three general corrections: a user unknown "after DATA" is a filter
 * (the recipient was accepted at RCPT), a domain lookup said to be
 * temporary is a network error, and the infrastructure flag is kept only
 * when the reason is one a receiving-side failure can cause.
 */
#include "classify.h"

#include <string.h>

#include "phrase.h"
#include "reply.h"
#include "signal.h"

typedef struct scan_state
{
	const rb_phrase *best;
	unsigned	flags;
} scan_state;

static void
on_hit(const rb_phrase *p, size_t end, void *arg)
{
	scan_state *st = (scan_state *) arg;

	(void) end;
	st->flags |= p->flags;
	if (p->reason == RB_PHRASE_NO_REASON)
		return;
	/* Highest rank wins; among equals, the first in the text. */
	if (st->best == NULL || p->rank > st->best->rank)
		st->best = p;
}

/*
 * What a status code says on its own (RFC 3463, RFC 7372, RFC 7505, and
 * Sisimai's mapping), and whether it is specific enough to beat a weak
 * phrase.  -1 when it says nothing useful.
 */
static int
status_reason(rb_status st, bool *specific)
{
	int			sd;

	*specific = false;
	if (st == 0 || RB_STATUS_CLASS(st) == 2)
		return -1;
	sd = RB_STATUS_SUBJECT(st) * 1000 + RB_STATUS_DETAIL(st);
	switch (sd)
	{
		case 1001:				/* bad destination mailbox address */
		case 1003:				/* bad destination mailbox address syntax */
			*specific = true;
			return RB_REASON_USER_UNKNOWN;
		case 1000:
			return RB_REASON_USER_UNKNOWN;
		case 1002:				/* bad destination system address */
			*specific = true;
			return RB_REASON_HOST_UNKNOWN;
		case 1004:
			return RB_REASON_FILTERED;
		case 1006:				/* destination mailbox has moved */
			*specific = true;
			return RB_REASON_HAS_MOVED;
		case 1007:				/* bad sender's mailbox address syntax */
		case 1008:				/* bad sender's system address */
			*specific = true;
			return RB_REASON_REJECTED;
		case 1010:				/* recipient address has null MX */
			*specific = true;
			return RB_REASON_NOT_ACCEPT;
		case 1009:
			return RB_REASON_SYSTEM_ERROR;
		case 2000:
		case 2001:				/* mailbox disabled: filtered unless worded */
		case 2004:
			return RB_REASON_FILTERED;
		case 2002:				/* mailbox full */
			*specific = true;
			return RB_REASON_MAILBOX_FULL;
		case 2003:				/* message length exceeds administrative
								 * limit */
			*specific = true;
			return RB_REASON_EXCEED_LIMIT;
		case 3000:
		case 3003:
		case 3005:
			return RB_REASON_SYSTEM_ERROR;
		case 3001:				/* mail system full */
			*specific = true;
			return RB_REASON_SYSTEM_FULL;
		case 3002:				/* system not accepting network messages */
			*specific = true;
			return RB_REASON_NOT_ACCEPT;
		case 3004:				/* message too big for system */
			*specific = true;
			return RB_REASON_MESG_TOO_BIG;
		case 4000:
		case 4002:
		case 4008:
			return RB_REASON_NETWORK_ERROR;
		case 4001:				/* no answer from host */
			return RB_REASON_EXPIRED;
		case 4003:
			return RB_REASON_SYSTEM_ERROR;
		case 4004:				/* unable to route */
			*specific = true;
			return RB_REASON_HOST_UNKNOWN;
		case 4005:				/* system congestion */
			return RB_REASON_SYSTEM_FULL;
		case 4006:				/* routing loop detected */
			*specific = true;
			return RB_REASON_NETWORK_ERROR;
		case 4007:				/* delivery time expired */
			*specific = true;
			return RB_REASON_EXPIRED;
		case 5001:
		case 5002:
		case 5006:
			return RB_REASON_SYNTAX_ERROR;
		case 5003:				/* too many recipients */
			*specific = true;
			return RB_REASON_TOO_MANY_CONN;
		case 5004:
		case 5005:
			return RB_REASON_SYSTEM_ERROR;
		case 7013:				/* user account disabled */
			*specific = true;
			return RB_REASON_SUSPEND;
		case 7016:
			*specific = true;
			return RB_REASON_MESG_TOO_BIG;
		case 7017:				/* mailbox owner has changed */
		case 7018:				/* domain owner has changed */
			*specific = true;
			return RB_REASON_HAS_MOVED;
		case 7020:				/* RFC 7372: DKIM, SPF, DMARC */
		case 7021:
		case 7022:
		case 7023:
		case 7024:
		case 7026:
		case 7029:
			*specific = true;
			return RB_REASON_AUTH_FAILURE;
		case 7025:				/* reverse DNS validation failed */
			*specific = true;
			return RB_REASON_REQUIRE_PTR;
		case 7027:				/* sender address has null MX */
			*specific = true;
			return RB_REASON_NOT_ACCEPT;
		case 7028:				/* mail flood detected */
			*specific = true;
			return RB_REASON_SPAM_DETECTED;
		case 7030:				/* STARTTLS failed (Sisimai's mapping) */
			*specific = true;
			return RB_REASON_FAILED_STARTTLS;
		default:
			break;
	}
	if (RB_STATUS_SUBJECT(st) == 6)
		return RB_REASON_CONTENT_ERROR;
	if (RB_STATUS_SUBJECT(st) == 7 && RB_STATUS_DETAIL(st) <= 19)
		return RB_REASON_SECURITY_ERROR;
	return -1;
}

/*
 * What a reply code says on its own (RFC 5321, RFC 7504 521/556, RFC 3207
 * and RFC 4954 523/524/538, 525 as Sisimai reads it), with the same
 * specific/generic split as status codes.  -1 when it says nothing.
 */
static int
code_reason(int code, bool *specific)
{
	*specific = false;
	switch (code)
	{
		case 521:				/* host does not accept mail (RFC 7504) */
		case 556:				/* domain does not accept mail (RFC 7504) */
			*specific = true;
			return RB_REASON_NOT_ACCEPT;
		case 525:				/* user account disabled */
			*specific = true;
			return RB_REASON_SUSPEND;
		case 523:				/* encryption needed */
		case 524:
		case 538:				/* encryption required */
			*specific = true;
			return RB_REASON_FAILED_STARTTLS;
		default:
			break;
	}
	/* syntax errors in commands or parameters */
	if ((code >= 500 && code <= 507) || (code >= 401 && code <= 407))
		return RB_REASON_SYNTAX_ERROR;
	return -1;
}

/*
 * RFC 3463: X.2.0 and X.2.1 report on a mailbox that exists ("mailbox
 * status"), X.7.1 on a refusal by per-host or per-recipient filtering;
 * none of them says the address is unknown (that is X.1.1).
 */
static bool
status_says_mailbox_refused(rb_status st)
{
	if (st == 0 || RB_STATUS_CLASS(st) == 2)
		return false;
	if (RB_STATUS_SUBJECT(st) == 2)
		return RB_STATUS_DETAIL(st) <= 1;
	return RB_STATUS_SUBJECT(st) == 7 && RB_STATUS_DETAIL(st) == 1;
}

/* Stage flags from the SMTP command a caller knows the reply answered. */
static unsigned
command_flags(const char *cmd, size_t len)
{
	char		word[5];
	size_t		i;

	while (len > 0 && (*cmd == ' ' || *cmd == '\t'))
		cmd++, len--;
	if (len < 4)
		return 0;
	for (i = 0; i < 4; i++)
		word[i] = (cmd[i] >= 'a' && cmd[i] <= 'z') ? cmd[i] - 32 : cmd[i];
	word[4] = '\0';
	if (len > 4 && cmd[4] != ' ' && cmd[4] != '\t' && cmd[4] != ':')
		return 0;
	if (strcmp(word, "DATA") == 0)
		return RB_PF_DATA;
	if (strcmp(word, "RCPT") == 0)
		return RB_PF_RCPT;
	return 0;
}

bool
rb_reason_may_be_infrastructure(rb_reason reason)
{
	switch (reason)
	{
		case RB_REASON_NETWORK_ERROR:
		case RB_REASON_EXPIRED:
		case RB_REASON_SYSTEM_ERROR:
		case RB_REASON_SYSTEM_FULL:
		case RB_REASON_FAILED_STARTTLS:
		case RB_REASON_UNDEFINED:
		case RB_REASON_ON_HOLD:
			return true;
		default:
			return false;
	}
}

rb_severity
rb_severity_for(rb_reason reason, int klass, bool temporary, bool permanent)
{
	switch (reason)
	{
		case RB_REASON_USER_UNKNOWN:
		case RB_REASON_HOST_UNKNOWN:
		case RB_REASON_HAS_MOVED:
			/* Sisimai: hard whatever the code says */
			return RB_SEVERITY_HARD;
		case RB_REASON_NOT_ACCEPT:
			/* Sisimai: hard when 5xx or not said to be temporary */
			if (klass == 4 && !permanent)
				return RB_SEVERITY_SOFT;
			return temporary ? RB_SEVERITY_SOFT : RB_SEVERITY_HARD;
		case RB_REASON_UNDEFINED:

			/*
			 * Hard needs evidence that the address or the domain will not
			 * work; a bare 5xx is not that (policy refusals are 5xx too).
			 * A reply of either class, or wording that says temporary,
			 * makes it a soft bounce; nothing at all, undetermined.
			 */
			if (klass == 4 || klass == 5 || temporary || permanent)
				return RB_SEVERITY_SOFT;
			return RB_SEVERITY_UNDETERMINED;
		case RB_REASON_ON_HOLD:
		case RB_REASON_DELIVERED:
		case RB_REASON_FEEDBACK:
		case RB_REASON_VACATION:
			return RB_SEVERITY_UNDETERMINED;
		default:
			return RB_SEVERITY_SOFT;
	}
}

void
rb_classify(const rb_classify_input *in, rb_verdict *out)
{
	rb_reply	reply;
	scan_state	scan = {NULL, 0};
	int			code,
				klass,
				reason,
				sreason,
				creason;
	rb_status	status;
	bool		specific,
				code_specific;
	bool		infra;
	bool		temporary,
				permanent;
	unsigned	signals;
	rb_basis	basis;
	int			signal_reason;
	bool		signal_infra;

	rb_reply_parse(in->text, in->text ? in->len : 0, &reply);
	code = in->reply_code != 0 ? in->reply_code : reply.code;
	status = in->status != 0 ? in->status : reply.status;
	klass = code != 0 ? code / 100 : (status != 0 ? RB_STATUS_CLASS(status) : 0);

	if (in->text != NULL && in->len > 0)
		rb_phrase_scan(in->text, in->len, reply.npaired >= 2, on_hit, &scan);

	sreason = status_reason(status, &specific);
	creason = code_reason(code, &code_specific);
	reason = RB_REASON_UNDEFINED;
	signals = 0;
	signal_reason = -1;
	signal_infra = false;
	basis = RB_BASIS_NOTHING;
	if (scan.best != NULL && scan.best->rank >= RB_RANK_STRONG)
		reason = scan.best->reason, basis = RB_BASIS_PHRASE;
	else if (sreason >= 0 && specific)
		reason = sreason, basis = RB_BASIS_STATUS;
	else if (creason >= 0 && code_specific)
		reason = creason, basis = RB_BASIS_CODE;
	else if (scan.best != NULL)
		reason = scan.best->reason, basis = RB_BASIS_PHRASE;
	else
	{
		/*
		 * No phrase and no specific code: the words of the text, before
		 * the generic codes (a 5.0.0 or a 554 says less than "MX records
		 * inaccessible").  Only here, so that the common case pays nothing.
		 */
		if (in->text != NULL && in->len > 0)
		{
			signals = rb_signal_scan(in->text, in->len);
			signal_reason = rb_signal_verdict(signals, &signal_infra);
		}
		/* a status that already names an infrastructure failure is kept */
		if (signal_reason >= 0 &&
			!(sreason >= 0 && sreason != RB_REASON_UNDEFINED &&
			  rb_reason_may_be_infrastructure((rb_reason) sreason)))
			reason = signal_reason, basis = RB_BASIS_SIGNALS;
		else if (sreason >= 0)
			reason = sreason, basis = RB_BASIS_STATUS;
		else if (creason >= 0)
			reason = creason, basis = RB_BASIS_CODE;
		if (signal_infra)
			scan.flags |= RB_PF_INFRA;
		if (signals & RB_SIG_TEMP)
			scan.flags |= RB_PF_TEMP;
	}

	/*
	 * X.1.7/X.1.8 name the sender's address: "no such domain" next to them
	 * is about the sender's domain, not the recipient's.
	 */
	if (sreason == RB_REASON_REJECTED &&
		(scan.best == NULL || scan.best->rank < RB_RANK_OVERRIDE))
		reason = RB_REASON_REJECTED;

	temporary = (scan.flags & RB_PF_TEMP) != 0;
	permanent = (scan.flags & RB_PF_PERM) != 0;

	scan.flags |= command_flags(in->smtp_command,
								in->smtp_command ? in->smtp_command_len : 0);

	/*
	 * Unknown after DATA: the recipient passed RCPT, so a filter refused --
	 * unless a status X.1.1 says the address itself is bad, or the wording
	 * is a provider's own statement that the account does not exist (both
	 * are sent after DATA by MTAs that refuse pipelined recipients late).
	 */
	if (reason == RB_REASON_USER_UNKNOWN && (scan.flags & RB_PF_DATA) &&
		!(status != 0 && RB_STATUS_SUBJECT(status) == 1 && RB_STATUS_DETAIL(status) == 1) &&
		(scan.best == NULL || scan.best->rank < RB_RANK_PROVIDER))
		reason = RB_REASON_FILTERED;

	/*
	 * "User unknown" under a status that says the mailbox exists (X.2.0,
	 * X.2.1: mailbox status, not addressing) or that a per-recipient policy
	 * refused the message (X.7.1) is a filter's refusal worded as an unknown
	 * user -- unless the reply answered RCPT, where refusing the address is
	 * what "unknown" means, or the wording is a provider's own statement
	 * that the account does not exist (Yandex answers "550 5.7.1 No such
	 * user!").
	 */
	if (reason == RB_REASON_USER_UNKNOWN && !(scan.flags & RB_PF_RCPT) &&
		status_says_mailbox_refused(status) &&
		(scan.best == NULL || scan.best->rank < RB_RANK_PROVIDER))
		reason = RB_REASON_FILTERED;

	/* A domain lookup said to be temporary is a network error, not NXDOMAIN. */
	if (reason == RB_REASON_HOST_UNKNOWN &&
		(temporary || (klass == 4 && !permanent && (scan.flags & RB_PF_DNS))))
	{
		reason = RB_REASON_NETWORK_ERROR;
		scan.flags |= RB_PF_INFRA;
	}

	/*
	 * A 421 closes the channel: the servers are not taking mail -- unless
	 * its status is a security or policy one (4.7.x: "421 4.7.0 TLS
	 * required", "421 4.7.0 IP not in whitelist"), a refusal of this
	 * sender.  A temporary failure of the receiving mail system (a 4xx
	 * system_error or system_full: RFC 3463 X.3.x "mail system status",
	 * "451 local error in processing") is its servers failing too.
	 */
	infra = (scan.flags & RB_PF_INFRA) != 0 ||
		(code == 421 && !(status != 0 && RB_STATUS_SUBJECT(status) == 7)) ||
		(status != 0 && RB_STATUS_CLASS(status) == 4 && RB_STATUS_SUBJECT(status) == 4 &&
		 RB_STATUS_DETAIL(status) <= 2) ||
		(klass == 4 && (reason == RB_REASON_SYSTEM_ERROR || reason == RB_REASON_SYSTEM_FULL));
	/* A temporary refusal of all mail (421 4.3.2) is the servers failing. */
	if (!rb_reason_may_be_infrastructure((rb_reason) reason) &&
		!(reason == RB_REASON_NOT_ACCEPT && klass == 4))
		infra = false;

	out->reply_code = code;
	out->status = status;
	out->reason = (rb_reason) reason;
	out->severity = rb_severity_for((rb_reason) reason, klass, temporary, permanent);
	out->infrastructure = infra;
	out->basis = basis;
	out->phrase = scan.best != NULL ? scan.best->text : NULL;
	out->signals = signals;
	out->rule = -1;
}
