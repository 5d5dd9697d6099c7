/*
 * test_expiry.c
 *	  Expired-mail reports (core/expiry.c): the wordings of Postfix, Exim,
 *	  Exchange, the ESPs and RFC 3463 X.4.7, the last error's kind read
 *	  without the expiry wording, the host and address the text names, and
 *	  what is not an expiry (an account that expired, an unknown user).
 */
#include "core/expiry.h"
#include "tap.h"

static rb_expiry e;

static bool
scan(const char *text)
{
	return rb_expiry_scan(text, strlen(text), &e);
}

static const char *
kind(void)
{
	const char *name = rb_failure_kind_name(e.kind);

	return name ? name : "none";
}

static char host[RB_EXPIRY_HOST_MAX + 1];
static char addr[16];

static const char *
host_of(void)
{
	memcpy(host, e.host_len ? e.host : "", e.host_len);
	host[e.host_len] = '\0';
	return e.host_len ? host : "(none)";
}

static const char *
addr_of(void)
{
	memcpy(addr, e.addr_len ? e.addr : "", e.addr_len);
	addr[e.addr_len] = '\0';
	return e.addr_len ? addr : "(none)";
}

int
main(void)
{
	int			i;
	char		big[1 << 16];
	char		label[70];

	/* Postfix: the last error of its queue file, then "message expired" */
	ok(scan("delivery temporarily suspended: connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out; message expired"), "postfix expired");
	is_str(kind(), "connection", "postfix: a connection failure");
	is_str(host_of(), "mx1.mail.ovh.net", "postfix: the MX host");
	is_str(addr_of(), "213.186.33.29", "postfix: its address");

	ok(scan("Host or domain name not found. Name service error for name=client.fr type=MX: Host not found, try again (status=expired, returned to sender)"), "postfix log line, DNS");
	is_str(kind(), "dns", "postfix DNS failure");
	is_str(host_of(), "client.fr", "postfix DNS: the name looked up");

	/* Exim: the retry rule's wording says nothing of the servers */
	ok(scan("retry timeout exceeded"), "exim retry timeout");
	is_str(kind(), "none", "exim: 'timeout' of the retry rule is no connection failure");
	ok(scan("host mx2.mail.ovh.net [213.251.188.141]: Connection timed out: retry timeout exceeded"), "exim with its host");
	is_str(kind(), "connection", "exim: connection");
	is_str(host_of(), "mx2.mail.ovh.net", "exim: the host");
	is_str(addr_of(), "213.251.188.141", "exim: the address");
	ok(scan("all hosts for 'client.fr' have been failing for a long time (and retry time not reached)"), "exim failing for a long time");

	/* Exchange Online / Microsoft 365 */
	ok(scan("550 5.4.300 Message expired: unable to deliver in 150 minutes. <421 4.4.0 Unable to connect to contoso-com.mail.protection.outlook.com 104.47.1.33>"), "exchange message expired");
	is_str(kind(), "connection", "exchange: unable to connect");
	is_str(host_of(), "contoso-com.mail.protection.outlook.com", "exchange: the host");
	is_str(addr_of(), "104.47.1.33", "exchange: the address");
	ok(scan("Remote Server returned '550 5.4.300 Message expired -> 451 4.4.0 Primary target IP address responded with: \"421 4.4.0 Unable to connect.\" The last endpoint attempted was 213.186.33.29:25'"), "exchange last endpoint");
	is_str(host_of(), "(none)", "exchange: no host named");
	is_str(addr_of(), "213.186.33.29", "exchange: the last endpoint");

	/* ESP style, X.4.7 */
	ok(scan("Unable to deliver in 2880 minutes: DNS lookup failed for client.fr"), "ESP minutes, DNS");
	is_str(kind(), "dns", "ESP: DNS");
	ok(scan("4.4.7 Delivery time expired"), "RFC 3463 X.4.7");
	ok(scan("smtp; 5.4.7 no answer from mx1.mail.ovh.net"), "X.4.7 in a 5 class");
	ok(!scan("5.4.70 something"), "5.4.70 is not X.4.7");
	ok(!scan("code 14.4.7"), "inside a number is not X.4.7");
	ok(scan("Delivery to the following recipient has been delayed, giving up: connection refused by mx.example.net"), "giving up");
	ok(scan("d\xc3\xa9lai d'acheminement d\xc3\xa9pass\xc3\xa9"), "French, UTF-8");

	/* not expiries */
	ok(!scan("550 5.1.1 <jean@client.fr>: Recipient address rejected: User unknown in virtual mailbox table"), "unknown user");
	is_str(host_of(), "(none)", "the recipient's domain is not a host");
	ok(!scan("550 5.2.1 This account has expired"), "an account that expired");
	ok(!scan("password expired for user"), "a password that expired");
	ok(!scan("Unable to deliver in the mailbox"), "unable to deliver in (no number)");
	ok(!scan(""), "empty");
	ok(!rb_expiry_scan(NULL, 0, &e), "NULL");
	is_str(kind(), "none", "NULL: no kind");

	/* own relay: the host is read, the SQL rule decides */
	ok(scan("connect to relay.company.fr[10.0.0.5]:25: Connection timed out; message expired"), "own relay");
	is_str(host_of(), "relay.company.fr", "own relay named");

	/* host names: version numbers, status codes, mail addresses, abbreviations */
	scan("Postfix 3.5.6 4.4.1 e.g. jean.dupont@client.fr message expired");
	is_str(host_of(), "(none)", "no host in numbers, abbreviations, an address");
	scan("message expired; connect to mx.client.fr.: timed out");
	is_str(host_of(), "mx.client.fr", "a trailing dot dropped");
	scan("message expired; 999.1.1.1 then 1.2.3.4");
	is_str(addr_of(), "1.2.3.4", "999.1.1.1 is no address");

	/* a label of 64 characters is no host name */
	memset(label, 'a', 64);
	memcpy(label + 64, ".net", 5);
	scan(label);
	is_str(host_of(), "(none)", "64-character label");

	/* linear and bounded: a long text of dots and letters */
	for (i = 0; i < (int) sizeof(big) - 1; i++)
		big[i] = (i % 3 == 2) ? '.' : 'x';
	big[sizeof(big) - 1] = '\0';
	scan(big);
	ok(e.host_len == 0, "a long run of labels is no host name (over 253)");

	return tap_done();
}
