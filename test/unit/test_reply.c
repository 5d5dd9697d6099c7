/*
 * test_reply.c
 *	  Unit tests of core/reply.c: where reply codes and status codes stand.
 */
#include "core/reply.h"
#include "tap.h"

#include <string.h>

static void
check(const char *text, int code, const char *status, int klass)
{
	rb_reply	r;
	char		st[RB_STATUS_TEXT_MAX + 1] = "";
	char		what[256];

	rb_reply_parse(text, strlen(text), &r);
	if (r.status)
		rb_status_format(r.status, st);
	snprintf(what, sizeof(what), "'%.60s': code %d status '%s' class %d", text, code, status, klass);
	ok(r.code == code && strcmp(st, status) == 0 && r.klass == klass, what);
	if (!(r.code == code && strcmp(st, status) == 0 && r.klass == klass))
		printf("# got code %d status '%s' class %d\n", r.code, st, r.klass);
}

int
main(void)
{
	rb_reply	r;

	check("smtp; 550 5.1.1 <a@example.org>: user unknown", 550, "5.1.1", 5);
	check("550-5.1.1 The email account\r\n550-5.1.1 more\r\n550 5.1.1 end", 550, "5.1.1", 5);
	check("SMTP error from remote mail server after RCPT TO:<a@example.jp>: host mx.example.jp [192.0.2.153]: 550 5.1.1 <a@example.jp>... User Unknown", 550, "5.1.1", 5);
	check("554 delivery error: dd This user doesn't have a yahoo.com account", 554, "", 5);
	check("550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]", 550, "5.1.1", 5);
	check("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", 550, "5.1.1", 5);
	check("Remote Server returned '550 5.1.351 Remote server returned unknown recipient'", 550, "5.1.351", 5);
	check("Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1", 5);
	check("Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 <a@example.co.jp>", 550, "5.2.1", 5);
	/* not codes: IP addresses, versions, ports, long numbers, identifiers */
	check("connect to mx.example.com[192.0.2.250]:25: Connection timed out", 0, "", 0);
	check("deferred - 4.16.55.1; see https://example.com", 0, "", 0);
	check("Could not deliver for the last 432000 seconds", 0, "", 0);
	check("OFR_416 LPN007_416", 0, "", 0);
	check("unable to deliver in 840 minutes", 0, "", 0);
	/* the code paired with a status wins over an earlier lone one */
	check("The error that the other server returned was: 550 550 5.1.1 user unknown", 550, "5.1.1", 5);
	check("421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred", 421, "4.7.0", 4);
	/* a 2xx code only when there is nothing else */
	check("250 2.1.0 Ok 550 5.7.1 rejected", 550, "5.7.1", 5);
	check("250 ok", 250, "", 2);
	/* contradiction: the reply code's class governs */
	check("450 5.2.2 mailbox full", 450, "5.2.2", 4);
	check("550 4.2.2 mailbox full", 550, "4.2.2", 5);
	/* status before its code, status alone */
	check("5.2.2 <a@example.jp>... Mailbox Full", 0, "5.2.2", 5);
	check("", 0, "", 0);
	check("5", 0, "", 0);
	check("55", 0, "", 0);
	check("550", 550, "", 5);
	check("5.1.", 0, "", 0);
	check("5.1.1", 0, "5.1.1", 5);
	check("5.1.1234", 0, "", 0);
	rb_reply_parse(NULL, 10, &r);
	ok(r.code == 0 && r.status == 0, "NULL text: nothing");
	return tap_done();
}
