/*
 * test_prefixfile.c
 *	  Unit tests of core/prefixfile.c: the lines of CAIDA pfx2as, plain and
 *	  MaxMind GeoLite2-ASN files, good and bad, and a property: a prefix
 *	  written out in each format reads back as itself.
 */
#include "core/prefixfile.h"
#include "tap.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

static rb_prefix_entry e;

static rb_prefix_status
parse(const char *line, rb_prefix_format f)
{
	return rb_prefix_parse_line(line, strlen(line), f, &e);
}

static int
is_prefix(int family, const char *addr, int bits)
{
	unsigned char buf[16] = {0};

	if (inet_pton(family == 4 ? AF_INET : AF_INET6, addr, buf) != 1)
		return 0;
	return e.family == family && e.bits == bits && memcmp(e.addr, buf, family == 4 ? 4 : 16) == 0;
}

static void
property_roundtrip(void)
{
	int			wrong = 0;
	char		line[200];
	char		text[64];

	srand(17);
	for (int i = 0; i < 20000; i++)
	{
		unsigned char addr[16] = {0};
		int			family = rand() % 2 ? 4 : 6;
		int			nbytes = family == 4 ? 4 : 16;
		int			bits = rand() % (nbytes * 8 + 1);
		uint32_t	asn = (uint32_t) rand() * 2u + (uint32_t) (rand() % 2);

		for (int b = 0; b < bits; b++)
			if (rand() % 2)
				addr[b / 8] |= 1 << (7 - b % 8);
		inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
		for (int f = 0; f < 3; f++)
		{
			if (f == RB_PF_PFX2AS)
				snprintf(line, sizeof(line), "%s\t%d\t%u", text, bits, asn);
			else if (f == RB_PF_PLAIN)
				snprintf(line, sizeof(line), "  %s/%d\tAS%u ", text, bits, asn);
			else
				snprintf(line, sizeof(line), "%s/%d,%u,\"Org, Inc.\"\r", text, bits, asn);
			if (parse(line, (rb_prefix_format) f) != RB_PL_OK || e.family != family ||
				e.bits != bits || memcmp(e.addr, addr, nbytes) != 0 ||
				e.norigins != 1 || e.origins[0] != asn)
				wrong++;
		}
	}
	is_int(wrong, 0, "random prefixes and ASes written in each format read back as themselves");
}

int
main(void)
{
	/* pfx2as */
	is_int(parse("1.0.0.0\t24\t13335", RB_PF_PFX2AS), RB_PL_OK, "pfx2as line");
	ok(is_prefix(4, "1.0.0.0", 24) && e.norigins == 1 && e.origins[0] == 13335, "its prefix and AS");
	is_int(parse("2001:41d0::\t32\t16276", RB_PF_PFX2AS), RB_PL_OK, "pfx2as IPv6");
	ok(is_prefix(6, "2001:41d0::", 32), "its prefix");
	is_int(parse("192.0.2.0\t24\t64496_64497", RB_PF_PFX2AS), RB_PL_OK, "multi-origin");
	ok(e.norigins == 2 && e.origins[0] == 64496 && e.origins[1] == 64497, "two origins");
	is_int(parse("198.51.100.0\t24\t1,2,3", RB_PF_PFX2AS), RB_PL_OK, "AS set");
	is_int(e.norigins, 3, "three members");
	is_int(parse("1.0.0.0\t24\t13335\r", RB_PF_PFX2AS), RB_PL_OK, "a CR before the end of line");
	is_int(parse("", RB_PF_PFX2AS), RB_PL_SKIP, "empty line");
	is_int(parse(" \t ", RB_PF_PFX2AS), RB_PL_SKIP, "blank line");
	is_int(parse("1.0.0.0 24 13335", RB_PF_PFX2AS), RB_PL_BAD_SYNTAX, "blanks for tabs");
	is_int(parse(" 1.0.0.0\t24\t13335", RB_PF_PFX2AS), RB_PL_BAD_SYNTAX, "a blank before the address");
	is_int(parse("1.0.0.0\t24\t13335_", RB_PF_PFX2AS), RB_PL_BAD_SYNTAX, "a trailing separator");
	is_int(parse("1.0.0.0\t24\t", RB_PF_PFX2AS), RB_PL_BAD_SYNTAX, "no AS");
	is_int(parse("1.0.0.0\t24\t13335\tx", RB_PF_PFX2AS), RB_PL_BAD_SYNTAX, "a fourth field");
	is_int(parse("1.0.0.1\t24\t13335", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "host bits");
	is_int(parse("1.0.0.0\t33\t13335", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "/33");
	is_int(parse("1.0.0.0\t0024\t13335", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "four digits of length");
	is_int(parse("2001:db8::\t129\t1", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "/129");
	is_int(parse("256.0.0.0\t8\t1", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "an octet over 255");
	is_int(parse("1.0.0\t24\t1", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "three octets");
	is_int(parse("1::2::3\t24\t1", RB_PF_PFX2AS), RB_PL_BAD_PREFIX, "two :: in IPv6");
	is_int(parse("0.0.0.0\t0\t1", RB_PF_PFX2AS), RB_PL_OK, "a default route");
	is_int(parse("1.0.0.0\t24\t4294967295", RB_PF_PFX2AS), RB_PL_OK, "the largest AS number");
	is_int(parse("1.0.0.0\t24\t4294967296", RB_PF_PFX2AS), RB_PL_BAD_ASN, "one more");
	is_int(parse("1.0.0.0\t24\t99999999999999999999999999", RB_PF_PFX2AS), RB_PL_BAD_ASN,
		   "a long number does not overflow");
	ok(e.prefix_len == 10 && memcmp("1.0.0.0\t24", "1.0.0.0\t24" + e.prefix_start, 10) == 0,
	   "the prefix's place in the line is kept for messages");
	{
		char		many[1024] = "1.0.0.0\t24\t1";

		for (int i = 0; i < 64; i++)
			strcat(many, "_1");
		is_int(parse(many, RB_PF_PFX2AS), RB_PL_TOO_MANY_ORIGINS, "65 origins");
	}

	/* plain */
	is_int(parse("5.39.0.0/17 AS16276", RB_PF_PLAIN), RB_PL_OK, "plain line");
	ok(is_prefix(4, "5.39.0.0", 17) && e.origins[0] == 16276, "its prefix and AS");
	is_int(parse("  2001:41d0::/32\t\t16276  ", RB_PF_PLAIN), RB_PL_OK, "blanks anywhere, a bare number");
	is_int(parse("5.39.0.0/17 as16276", RB_PF_PLAIN), RB_PL_OK, "as in lower case");
	is_int(parse("# a comment", RB_PF_PLAIN), RB_PL_SKIP, "a comment line");
	is_int(parse("   # indented", RB_PF_PLAIN), RB_PL_SKIP, "an indented comment");
	is_int(parse("5.39.0.0/17", RB_PF_PLAIN), RB_PL_BAD_SYNTAX, "no AS");
	is_int(parse("5.39.0.0/17AS16276", RB_PF_PLAIN), RB_PL_BAD_SYNTAX, "no blank before the AS");
	is_int(parse("5.39.0.0 16276", RB_PF_PLAIN), RB_PL_BAD_SYNTAX, "no length");
	is_int(parse("5.39.0.0/17 ASN16276", RB_PF_PLAIN), RB_PL_BAD_SYNTAX, "ASN is not AS");
	is_int(parse("5.39.0.0/17 16276 # OVH", RB_PF_PLAIN), RB_PL_BAD_SYNTAX, "no trailing comment");
	is_int(parse("foo bar", RB_PF_PLAIN), RB_PL_BAD_SYNTAX, "words");
	is_int(parse("5.39.0.1/17 AS16276", RB_PF_PLAIN), RB_PL_BAD_PREFIX, "host bits");

	/* geolite2 */
	is_int(parse("network,autonomous_system_number,autonomous_system_organization", RB_PF_GEOLITE2),
		   RB_PL_SKIP, "the header");
	is_int(parse("1.0.0.0/24,13335,CLOUDFLARENET", RB_PF_GEOLITE2), RB_PL_OK, "a GeoLite2 line");
	ok(is_prefix(4, "1.0.0.0", 24) && e.origins[0] == 13335, "its prefix and AS");
	is_int(parse("5.9.0.0/16,24940,\"Hetzner, Online, GmbH\"\r", RB_PF_GEOLITE2), RB_PL_OK,
		   "a quoted organization with commas, CRLF");
	is_int(parse("1.0.0.0/24,13335", RB_PF_GEOLITE2), RB_PL_OK, "no organization");
	is_int(parse("1.0.0.0/24,13335,", RB_PF_GEOLITE2), RB_PL_OK, "an empty organization");
	is_int(parse("1.0.0.0/24;13335", RB_PF_GEOLITE2), RB_PL_BAD_SYNTAX, "a semicolon");
	is_int(parse("1.0.0.0/24,,x", RB_PF_GEOLITE2), RB_PL_BAD_SYNTAX, "no AS number");
	is_int(parse(" 1.0.0.0/24,13335", RB_PF_GEOLITE2), RB_PL_BAD_SYNTAX, "a leading blank");
	is_int(parse("1.0.0.0/24,4294967296,x", RB_PF_GEOLITE2), RB_PL_BAD_ASN, "AS over 32 bits");

	is_int(rb_prefix_parse_line("1.0.0.0\t24\t1", 12, (rb_prefix_format) 7, &e), RB_PL_BAD_SYNTAX,
		   "an unknown format");
	ok(strlen(rb_prefix_strerror(RB_PL_BAD_SYNTAX, RB_PF_GEOLITE2)) > 0, "errors have a text");

	property_roundtrip();
	return tap_done();
}
