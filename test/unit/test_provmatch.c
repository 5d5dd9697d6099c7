/*
 * test_provmatch.c
 *	  Unit tests of core/provmatch.c: suffix rules on label boundaries,
 *	  whole-name rules, longest IPv4 and IPv6 prefixes.
 */
#include "core/provmatch.h"
#include "tap.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

enum { OVH, GOOGLE, MICROSOFT, OVHMAIL, CLOUDFLARE, GANDI };

static int
name(const rb_provmatch *m, const char *s)
{
	return rb_provmatch_name(m, s, strlen(s), 0);
}

static int
exact(const rb_provmatch *m, const char *s)
{
	return rb_provmatch_name(m, s, strlen(s), 1);
}

static int
addr(const rb_provmatch *m, const char *s)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return rb_provmatch_addr(m, 4, buf);
	if (inet_pton(AF_INET6, s, buf) == 1)
		return rb_provmatch_addr(m, 6, buf);
	return -2;
}

static rb_provmatch_error
prefix(rb_provmatch *m, const char *s, int bits, int value)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return rb_provmatch_add_prefix(m, 4, buf, bits, value);
	if (inet_pton(AF_INET6, s, buf) == 1)
		return rb_provmatch_add_prefix(m, 6, buf, bits, value);
	return RB_PM_BAD_PREFIX;
}

static rb_provmatch_error
network(rb_provmatch *m, const char *s, int bits, int value)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return rb_provmatch_add_network(m, 4, buf, bits, value);
	if (inet_pton(AF_INET6, s, buf) == 1)
		return rb_provmatch_add_network(m, 6, buf, bits, value);
	return RB_PM_BAD_PREFIX;
}

/*
 * Property: for random explicit prefixes and networks, the tree answers
 * what a scan of every rule answers (longest explicit prefix, else longest
 * network).  IPv4 only; the walk is the same code for both families.
 */
typedef struct ref_rule
{
	uint32_t	net;
	int			bits;
	int			value;
	int			network;
} ref_rule;

static int
reference(const ref_rule *rules, int n, uint32_t a)
{
	int			best[2] = {-1, -1};
	int			len[2] = {-1, -1};

	for (int i = 0; i < n; i++)
	{
		uint32_t	mask = rules[i].bits == 0 ? 0 : 0xffffffffu << (32 - rules[i].bits);

		if ((a & mask) == rules[i].net && rules[i].bits > len[rules[i].network])
		{
			len[rules[i].network] = rules[i].bits;
			best[rules[i].network] = rules[i].value;
		}
	}
	return best[0] >= 0 ? best[0] : best[1];
}

static void
property_networks(void)
{
	enum { NRULES = 300, NPROBES = 20000 };
	ref_rule	rules[NRULES];
	int			n = 0;
	int			wrong = 0;
	rb_provmatch *m = rb_provmatch_create();

	srand(17);
	while (n < NRULES)
	{
		ref_rule	r;
		unsigned char buf[4];
		int			dup = 0;

		/* few leading bits, so that rules nest and overlap often */
		r.bits = 4 + rand() % 21;
		r.net = ((uint32_t) (rand() % 16) << 28 | (uint32_t) rand() << 4) &
			(0xffffffffu << (32 - r.bits));
		r.network = rand() % 3 != 0;
		r.value = rand() % 7;
		for (int i = 0; i < n; i++)
			dup |= rules[i].net == r.net && rules[i].bits == r.bits &&
				rules[i].network == r.network;
		if (dup)
			continue;
		buf[0] = r.net >> 24;
		buf[1] = r.net >> 16;
		buf[2] = r.net >> 8;
		buf[3] = r.net;
		if ((r.network ? rb_provmatch_add_network(m, 4, buf, r.bits, r.value) :
			 rb_provmatch_add_prefix(m, 4, buf, r.bits, r.value)) != RB_PM_OK)
			wrong++;
		rules[n++] = r;
	}
	for (int i = 0; i < NPROBES; i++)
	{
		/* probes inside a rule half of the time */
		uint32_t	a = (uint32_t) rand() << 1 ^ (uint32_t) rand();
		unsigned char buf[4];

		if (i % 2)
			a = rules[i % n].net | (a & ~(rules[i % n].bits == 0 ? 0 :
										   0xffffffffu << (32 - rules[i % n].bits)));
		buf[0] = a >> 24;
		buf[1] = a >> 16;
		buf[2] = a >> 8;
		buf[3] = a;
		if (rb_provmatch_addr(m, 4, buf) != reference(rules, n, a))
			wrong++;
	}
	is_int(wrong, 0, "random prefixes and networks: the tree agrees with a scan of the rules");
	rb_provmatch_free(m);
}

static rb_provmatch_error
suffix(rb_provmatch *m, const char *s, int value)
{
	return rb_provmatch_add_name(m, s, strlen(s), 0, value);
}

int
main(void)
{
	rb_provmatch *m = rb_provmatch_create();

	ok(m != NULL, "create");

	/* an empty matcher matches nothing */
	is_int(name(m, "mx1.ovh.net"), -1, "empty matcher: no suffix");
	is_int(addr(m, "188.165.1.1"), -1, "empty matcher: no prefix");

	is_int(suffix(m, "ovh.net", OVH), RB_PM_OK, "add ovh.net");
	is_int(suffix(m, "mail.ovh.net", OVHMAIL), RB_PM_OK, "add mail.ovh.net");
	is_int(suffix(m, "google.com", GOOGLE), RB_PM_OK, "add google.com");
	is_int(suffix(m, "aspmx.l.google.com", GOOGLE), RB_PM_OK, "add aspmx.l.google.com");
	is_int(suffix(m, "mail.protection.outlook.com", MICROSOFT), RB_PM_OK, "add outlook");
	is_int(suffix(m, "ns.cloudflare.com", CLOUDFLARE), RB_PM_OK, "add cloudflare");
	is_int(rb_provmatch_add_name(m, "gmail.com", 9, 1, GOOGLE), RB_PM_OK, "add exact gmail.com");

	/* label boundaries */
	is_int(name(m, "ovh.net"), OVH, "the suffix itself matches");
	is_int(name(m, "dns10.ovh.net"), OVH, "a name under the suffix matches");
	is_int(name(m, "notovh.net"), -1, "notovh.net is not ovh.net");
	is_int(name(m, "x.notovh.net"), -1, "x.notovh.net is not ovh.net");
	is_int(name(m, "ovh.net.evil.com"), -1, "the suffix must end the name");
	is_int(name(m, "net"), -1, "a shorter name does not match");
	is_int(name(m, "vh.net"), -1, "a partial label does not match");

	/* longest suffix wins */
	is_int(name(m, "mx1.mail.ovh.net"), OVHMAIL, "mail.ovh.net beats ovh.net");
	is_int(name(m, "mail.ovh.net"), OVHMAIL, "mail.ovh.net itself");
	is_int(name(m, "xmail.ovh.net"), OVH, "xmail.ovh.net falls back to ovh.net");
	is_int(name(m, "example-com.mail.protection.outlook.com"), MICROSOFT, "outlook MX");
	is_int(name(m, "outlook.com"), -1, "outlook.com alone is not the MX suffix");
	is_int(name(m, "alt1.aspmx.l.google.com"), GOOGLE, "google MX");
	is_int(name(m, "kate.ns.cloudflare.com"), CLOUDFLARE, "cloudflare NS");
	is_int(name(m, "ns.cloudflare.com.cn"), -1, "a suffix followed by more labels");

	/* exact rules are separate from suffix rules */
	is_int(exact(m, "gmail.com"), GOOGLE, "exact gmail.com");
	is_int(exact(m, "x.gmail.com"), -1, "exact rules do not cover subdomains");
	is_int(exact(m, "ovh.net"), -1, "a suffix rule is no exact rule");
	is_int(name(m, "gmail.com"), -1, "an exact rule is no suffix rule");

	/* odd input never matches by accident */
	is_int(name(m, "OVH.NET"), -1, "upper case is not normalized here");
	is_int(name(m, "ovh.net."), -1, "a trailing dot is not normalized here");
	is_int(name(m, "a b.ovh.net"), OVH, "bytes outside the alphabet left of the suffix");
	is_int(name(m, "ovh.n\xc3\xa9t"), -1, "non-ASCII bytes");
	is_int(rb_provmatch_name(m, "", 0, 0), -1, "empty name");
	is_int(suffix(m, "", GANDI), RB_PM_BAD_PATTERN, "empty pattern refused");
	is_int(suffix(m, "Gandi.net", GANDI), RB_PM_BAD_PATTERN, "upper case pattern refused");
	is_int(suffix(m, ".gandi.net", GANDI), RB_PM_BAD_PATTERN, "leading dot refused");
	is_int(suffix(m, "ovh.net", GANDI), RB_PM_CONFLICT, "same suffix, other value");
	is_int(suffix(m, "ovh.net", OVH), RB_PM_OK, "same suffix, same value");

	/* prefixes */
	is_int(prefix(m, "188.165.0.0", 16, OVH), RB_PM_OK, "add 188.165.0.0/16");
	is_int(prefix(m, "87.98.128.0", 17, OVH), RB_PM_OK, "add 87.98.128.0/17");
	is_int(prefix(m, "188.165.12.0", 24, GANDI), RB_PM_OK, "add a more specific /24");
	is_int(prefix(m, "2001:41d0::", 32, OVH), RB_PM_OK, "add 2001:41d0::/32");
	is_int(prefix(m, "2001:41d0:1::", 48, GANDI), RB_PM_OK, "add a more specific /48");
	is_int(addr(m, "188.165.1.1"), OVH, "inside /16");
	is_int(addr(m, "188.165.12.200"), GANDI, "longest prefix /24 wins");
	is_int(addr(m, "188.166.0.1"), -1, "outside /16");
	is_int(addr(m, "87.98.128.1"), OVH, "inside /17");
	is_int(addr(m, "87.98.127.255"), -1, "just below /17");
	is_int(addr(m, "87.98.255.255"), OVH, "top of /17");
	is_int(addr(m, "2001:41d0:2::1"), OVH, "inside 2001:41d0::/32");
	is_int(addr(m, "2001:41d0:1::1"), GANDI, "longest IPv6 prefix wins");
	is_int(addr(m, "2001:41d1::1"), -1, "outside the IPv6 prefix");
	is_int(addr(m, "::ffff:188.165.1.1"), -1, "IPv4-mapped IPv6 is IPv6");
	is_int(prefix(m, "10.0.0.0", 33, OVH), RB_PM_BAD_PREFIX, "/33 refused");
	is_int(rb_provmatch_add_prefix(m, 5, (const unsigned char *) "abcd", 8, OVH),
		   RB_PM_BAD_PREFIX, "family 5 refused");
	is_int(prefix(m, "0.0.0.0", 0, CLOUDFLARE), RB_PM_OK, "a default route /0");
	is_int(addr(m, "9.9.9.9"), CLOUDFLARE, "/0 matches everything IPv4");
	is_int(addr(m, "188.165.1.1"), OVH, "but longer prefixes still win");
	is_int(prefix(m, "104.16.0.1", 32, CLOUDFLARE), RB_PM_OK, "a host /32");
	is_int(addr(m, "104.16.0.1"), CLOUDFLARE, "host /32 matches");

	/* routed networks: only where no explicit prefix applies */
	is_int(network(m, "188.165.0.0", 16, GANDI), RB_PM_OK, "a network on an explicit prefix's node");
	is_int(addr(m, "188.165.1.1"), OVH, "the explicit prefix beats the network at the same length");
	is_int(network(m, "188.165.1.0", 24, GANDI), RB_PM_OK, "a longer network inside an explicit prefix");
	is_int(addr(m, "188.165.1.1"), OVH, "the explicit prefix still wins, though shorter");
	is_int(network(m, "51.15.0.0", 16, MICROSOFT), RB_PM_OK, "a network no rule covers");
	is_int(network(m, "51.15.128.0", 17, GOOGLE), RB_PM_OK, "a more specific network");
	is_int(addr(m, "51.15.1.1"), CLOUDFLARE, "the /0 explicit prefix beats every network");
	is_int(network(m, "51.15.0.0", 16, GOOGLE), RB_PM_CONFLICT, "same network, other value");
	is_int(network(m, "2a01:4f8::", 32, MICROSOFT), RB_PM_OK, "an IPv6 network");
	is_int(addr(m, "2a01:4f8:1::1"), MICROSOFT, "found where no IPv6 prefix applies");
	is_int(network(m, "2001:41d0:1::", 48, GOOGLE), RB_PM_OK, "an IPv6 network under explicit prefixes");
	is_int(addr(m, "2001:41d0:1::1"), GANDI, "the explicit /48 wins");
	{
		rb_provmatch *n = rb_provmatch_create();

		is_int(network(n, "51.15.0.0", 16, MICROSOFT), RB_PM_OK, "networks alone");
		is_int(network(n, "51.15.128.0", 17, GOOGLE), RB_PM_OK, "and a more specific one");
		is_int(addr(n, "51.15.1.1"), MICROSOFT, "longest network /16");
		is_int(addr(n, "51.15.200.1"), GOOGLE, "longest network /17");
		is_int(addr(n, "51.16.0.1"), -1, "outside every network");
		is_int(network(n, "51.15.0.0", 33, GOOGLE), RB_PM_BAD_PREFIX, "a /33 network refused");
		rb_provmatch_free(n);
	}
	property_networks();

	ok(rb_provmatch_nodes(m) > 0, "nodes are counted");
	ok(strlen(rb_provmatch_strerror(RB_PM_CONFLICT)) > 0, "errors have a text");

	rb_provmatch_free(m);
	rb_provmatch_free(NULL);
	return tap_done();
}
