/*
 * test_dnsmsg.c
 *	  Unit tests of core/dnsmsg.c on DNS messages built here byte by byte.
 */
#include "core/dnsmsg.h"
#include "tap.h"

#include <stdlib.h>

static unsigned char buf[4096];
static size_t blen;

static void
put8(int v)
{
	buf[blen++] = (unsigned char) v;
}

static void
put16(int v)
{
	put8(v >> 8);
	put8(v & 0xFF);
}

/* a name in wire form; "" is the root */
static void
putname(const char *name)
{
	while (*name)
	{
		const char *dot = strchr(name, '.');
		size_t		l = dot ? (size_t) (dot - name) : strlen(name);

		put8((int) l);
		memcpy(buf + blen, name, l);
		blen += l;
		name += l + (dot ? 1 : 0);
	}
	put8(0);
}

static void
header(int rcode, int qd, int an)
{
	blen = 0;
	put16(0x1234);
	put16(0x8180 | rcode);
	put16(qd);
	put16(an);
	put16(0);
	put16(0);
}

static void
rr_head(const char *owner, int type, int rdlen)
{
	putname(owner);
	put16(type);
	put16(1);
	put16(0);
	put16(300);
	put16(rdlen);
}

static size_t
wire_len(const char *name)
{
	return *name ? strlen(name) + 2 : 1;
}

static void
rr_mx(const char *owner, int pref, const char *target)
{
	rr_head(owner, RB_DNS_T_MX, (int) (2 + wire_len(target)));
	put16(pref);
	putname(target);
}

static void
rr_name(const char *owner, int type, const char *target)
{
	rr_head(owner, type, (int) wire_len(target));
	putname(target);
}

int
main(void)
{
	rb_dns_reply r;
	int			idx[16];
	const char *final;
	int			n;

	/* MX answer with two records, mixed case, one question */
	header(0, 1, 2);
	putname("Example.COM");
	put16(RB_DNS_T_MX);
	put16(1);
	rr_mx("example.com", 10, "MX1.mail.OVH.net");
	rr_mx("example.com", 20, "mx2.mail.ovh.net");
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "MX answer parses");
	is_int(r.rcode, 0, "NOERROR");
	is_int(r.nrrs, 2, "two records");
	is_str(r.rrs[0].target, "mx1.mail.ovh.net", "target lower-cased");
	is_int(r.rrs[1].preference, 20, "preference");
	n = rb_dns_answers(&r, "example.com", RB_DNS_T_MX, idx, 16, &final);
	is_int(n, 2, "two MX answer example.com");
	is_str(final, "example.com", "no CNAME: final is qname");

	/* every short prefix of that message is refused, never read past */
	{
		size_t		full = blen;
		int			allshort = 1;

		for (size_t cut = 0; cut < full; cut++)
			if (rb_dns_parse(buf, cut, &r) == RB_DNS_OK)
				allshort = 0;
		ok(allshort, "every truncation of the message is an error");
	}

	/* null MX: the root as target */
	header(0, 0, 1);
	rr_mx("nomail.example", 0, "");
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "null MX parses");
	is_str(r.rrs[0].target, "", "null MX target is the root, \"\"");

	/* NXDOMAIN and SERVFAIL: rcode only */
	header(3, 0, 0);
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "NXDOMAIN parses");
	is_int(r.rcode, 3, "rcode 3");
	header(2, 0, 0);
	rb_dns_parse(buf, blen, &r);
	is_int(r.rcode, 2, "rcode 2 (SERVFAIL)");

	/* a query, not a response */
	header(0, 0, 0);
	buf[2] = 0x01;
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_NOT_RESPONSE, "QR clear refused");

	/* CNAME chain: alias -> mid -> real, MX at real */
	header(0, 0, 4);
	rr_name("alias.example", RB_DNS_T_CNAME, "mid.example");
	rr_name("mid.example", RB_DNS_T_CNAME, "real.example");
	rr_mx("real.example", 5, "mx.real.example");
	rr_mx("other.example", 5, "mx.other.example");
	rb_dns_parse(buf, blen, &r);
	n = rb_dns_answers(&r, "alias.example", RB_DNS_T_MX, idx, 16, &final);
	is_int(n, 1, "CNAME chain followed to the MX");
	is_str(r.rrs[idx[0]].target, "mx.real.example", "the chain's MX");
	is_str(final, "real.example", "final name after the chain");

	/* a chain that leaves the answer: caller queries the final name */
	header(0, 0, 1);
	rr_name("alias.example", RB_DNS_T_CNAME, "elsewhere.example");
	rb_dns_parse(buf, blen, &r);
	n = rb_dns_answers(&r, "alias.example", RB_DNS_T_MX, idx, 16, &final);
	is_int(n, 0, "no MX in the answer");
	is_str(final, "elsewhere.example", "final is the CNAME target");

	/* a CNAME loop */
	header(0, 0, 2);
	rr_name("a.example", RB_DNS_T_CNAME, "b.example");
	rr_name("b.example", RB_DNS_T_CNAME, "a.example");
	rb_dns_parse(buf, blen, &r);
	is_int(rb_dns_answers(&r, "a.example", RB_DNS_T_MX, idx, 16, &final), -1, "CNAME loop detected");

	/* A and AAAA; bad rdata length */
	header(0, 0, 2);
	rr_head("h.example", RB_DNS_T_A, 4);
	put8(188); put8(165); put8(1); put8(2);
	rr_head("h.example", RB_DNS_T_AAAA, 16);
	put16(0x2001); put16(0x41d0); for (int i = 0; i < 6; i++) put16(i == 5 ? 1 : 0);
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "A and AAAA parse");
	is_int(r.rrs[0].addr[0], 188, "A address");
	is_int(r.rrs[1].addr[1], 0x01, "AAAA address");
	n = rb_dns_answers(&r, "h.example", RB_DNS_T_AAAA, idx, 16, &final);
	is_int(n, 1, "one AAAA");
	header(0, 0, 1);
	rr_head("h.example", RB_DNS_T_A, 3);
	put8(1); put8(2); put8(3);
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_BAD_RDATA, "A with 3 bytes refused");

	/* compression: the MX target points back at the question's name */
	header(0, 1, 1);
	putname("example.com");
	put16(RB_DNS_T_MX);
	put16(1);
	put16(0xC00C);				/* owner: pointer to offset 12 */
	put16(RB_DNS_T_MX); put16(1); put16(0); put16(300);
	put16(2 + 4 + 2);
	put16(10);
	put8(3); memcpy(buf + blen, "smx", 3); blen += 3;
	put16(0xC00C);				/* smx.example.com */
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "compressed names parse");
	is_str(r.rrs[0].owner, "example.com", "compressed owner");
	is_str(r.rrs[0].target, "smx.example.com", "compressed target");

	/* a pointer to itself or forward is refused */
	header(0, 1, 0);
	put16(0xC00C);
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_BAD_NAME, "self pointer refused");
	header(0, 1, 0);
	put16(0xC0FF);
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_BAD_NAME, "forward pointer refused");

	/* a label with a byte no host name has: the record is skipped */
	header(0, 0, 2);
	rr_mx("example.com", 10, "bad host.example");
	rr_mx("example.com", 20, "good.example");
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "odd bytes in a name parse");
	is_int(r.nrrs, 1, "the odd record is skipped");
	is_int(r.skipped, 1, "and counted");
	is_str(r.rrs[0].target, "good.example", "the good one is kept");

	/* more records than kept */
	header(0, 0, RB_DNS_MAX_RRS + 5);
	for (int i = 0; i < RB_DNS_MAX_RRS + 5; i++)
		rr_mx("big.example", i, "mx.big.example");
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_OK, "many records parse");
	is_int(r.nrrs, RB_DNS_MAX_RRS, "at most RB_DNS_MAX_RRS kept");
	is_int(r.skipped, 5, "the rest counted");

	/* a name over 255 octets */
	header(0, 1, 0);
	for (int i = 0; i < 5; i++)
	{
		put8(60);
		memset(buf + blen, 'a', 60);
		blen += 60;
	}
	put8(0);
	put16(1); put16(1);
	is_int(rb_dns_parse(buf, blen, &r), RB_DNS_BAD_NAME, "over-long name refused");
	ok(strlen(rb_dns_strerror(RB_DNS_SHORT)) > 0, "errors have a text");
	return tap_done();
}
