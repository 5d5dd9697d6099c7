/*
 * prefixfile.c
 *	  Lines of prefix-to-AS files, read once left to right.
 *
 * The three formats share their parts: an address (IPv4 dotted quad or
 * IPv6, given to inet_pton, which is strict), a length, and AS numbers in
 * decimal.  Each part is scanned by a small loop that stops at the first
 * byte that cannot continue it, so a line costs one pass whatever it holds.
 */
#include "core/prefixfile.h"

#include <arpa/inet.h>
#include <string.h>

/* The longest address text inet_pton takes (IPv6 with an IPv4 tail). */
#define ADDR_TEXT_MAX 45

typedef struct cursor
{
	const char *s;
	size_t		len;
	size_t		pos;
} cursor;

static int
at_end(const cursor *c)
{
	return c->pos >= c->len;
}

static int
peek(const cursor *c)
{
	return at_end(c) ? -1 : (unsigned char) c->s[c->pos];
}

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_addr_char(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		(ch >= 'A' && ch <= 'F') || ch == '.' || ch == ':';
}

static void
skip_blanks(cursor *c)
{
	while (is_blank(peek(c)))
		c->pos++;
}

/* An address and its length, separated by sep ('/' or, for pfx2as, TAB). */
static rb_prefix_status
parse_prefix(cursor *c, int sep, rb_prefix_entry *out)
{
	char		text[ADDR_TEXT_MAX + 1];
	size_t		start = c->pos;
	size_t		n;
	int			bits = 0;
	int			ndigits = 0;
	int			nbytes;

	while (is_addr_char(peek(c)))
		c->pos++;
	n = c->pos - start;
	if (n == 0 || peek(c) != sep)
		return RB_PL_BAD_SYNTAX;
	c->pos++;
	while (peek(c) >= '0' && peek(c) <= '9')
	{
		/* more than three digits is out of range anyway: stop counting */
		if (ndigits < 4)
			bits = bits * 10 + (peek(c) - '0');
		ndigits++;
		c->pos++;
	}
	if (ndigits == 0)
		return RB_PL_BAD_SYNTAX;
	out->prefix_start = start;
	out->prefix_len = c->pos - start;

	if (n > ADDR_TEXT_MAX)
		return RB_PL_BAD_PREFIX;
	memcpy(text, c->s + start, n);
	text[n] = '\0';
	memset(out->addr, 0, sizeof(out->addr));
	if (memchr(text, ':', n) != NULL)
	{
		if (inet_pton(AF_INET6, text, out->addr) != 1)
			return RB_PL_BAD_PREFIX;
		out->family = 6;
		nbytes = 16;
	}
	else
	{
		if (inet_pton(AF_INET, text, out->addr) != 1)
			return RB_PL_BAD_PREFIX;
		out->family = 4;
		nbytes = 4;
	}
	if (ndigits > 3 || bits > nbytes * 8)
		return RB_PL_BAD_PREFIX;
	out->bits = bits;
	/* no bit set past the length: a network, not a host */
	for (int i = bits; i < nbytes * 8; i++)
		if ((out->addr[i / 8] >> (7 - i % 8)) & 1)
			return RB_PL_BAD_PREFIX;
	return RB_PL_OK;
}

/* One AS number, decimal; over 32 bits is BAD_ASN, no digit BAD_SYNTAX. */
static rb_prefix_status
parse_asn(cursor *c, rb_prefix_entry *out)
{
	uint64_t	v = 0;
	int			ndigits = 0;

	while (peek(c) >= '0' && peek(c) <= '9')
	{
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t) (peek(c) - '0');
		ndigits++;
		c->pos++;
	}
	if (ndigits == 0)
		return RB_PL_BAD_SYNTAX;
	if (v > UINT32_MAX)
		return RB_PL_BAD_ASN;
	if (out->norigins == RB_PREFIX_MAX_ORIGINS)
		return RB_PL_TOO_MANY_ORIGINS;
	out->origins[out->norigins++] = (uint32_t) v;
	return RB_PL_OK;
}

rb_prefix_status
rb_prefix_parse_line(const char *line, size_t len, rb_prefix_format format,
					 rb_prefix_entry *out)
{
	cursor		c = {line, len, 0};
	rb_prefix_status st;

	out->norigins = 0;
	out->prefix_start = out->prefix_len = 0;
	if (c.len > 0 && line[c.len - 1] == '\r')
		c.len--;
	skip_blanks(&c);
	if (at_end(&c))
		return RB_PL_SKIP;

	switch (format)
	{
		case RB_PF_PFX2AS:
			/* no blank before the address, none around the tabs */
			if (c.pos != 0)
				return RB_PL_BAD_SYNTAX;
			if ((st = parse_prefix(&c, '\t', out)) != RB_PL_OK)
				return st;
			if (peek(&c) != '\t')
				return RB_PL_BAD_SYNTAX;
			c.pos++;
			for (;;)
			{
				if ((st = parse_asn(&c, out)) != RB_PL_OK)
					return st;
				if (peek(&c) != '_' && peek(&c) != ',')
					break;
				c.pos++;
			}
			break;

		case RB_PF_PLAIN:
			if (peek(&c) == '#')
				return RB_PL_SKIP;
			if ((st = parse_prefix(&c, '/', out)) != RB_PL_OK)
				return st;
			if (!is_blank(peek(&c)))
				return RB_PL_BAD_SYNTAX;
			skip_blanks(&c);
			if ((peek(&c) == 'A' || peek(&c) == 'a') && c.pos + 1 < c.len &&
				(line[c.pos + 1] == 'S' || line[c.pos + 1] == 's'))
				c.pos += 2;
			if ((st = parse_asn(&c, out)) != RB_PL_OK)
				return st;
			skip_blanks(&c);
			break;

		case RB_PF_GEOLITE2:
			if (c.pos != 0)
				return RB_PL_BAD_SYNTAX;
			if (c.len >= 8 && memcmp(line, "network,", 8) == 0)
				return RB_PL_SKIP;
			if ((st = parse_prefix(&c, '/', out)) != RB_PL_OK)
				return st;
			if (peek(&c) != ',')
				return RB_PL_BAD_SYNTAX;
			c.pos++;
			if ((st = parse_asn(&c, out)) != RB_PL_OK)
				return st;
			/* the organization, quoted or not, is not rebound's business */
			if (peek(&c) == ',')
				c.pos = c.len;
			break;

		default:
			return RB_PL_BAD_SYNTAX;
	}
	return at_end(&c) ? RB_PL_OK : RB_PL_BAD_SYNTAX;
}

const char *
rb_prefix_strerror(rb_prefix_status status, rb_prefix_format format)
{
	switch (status)
	{
		case RB_PL_OK:
		case RB_PL_SKIP:
			return "No error.";
		case RB_PL_BAD_SYNTAX:
			switch (format)
			{
				case RB_PF_PFX2AS:
					return "A pfx2as line is \"address<TAB>length<TAB>AS\", AS being one number or several joined by _ or ,.";
				case RB_PF_PLAIN:
					return "A line is \"prefix AS\" (5.39.0.0/17 16276 or AS16276); # starts a comment line.";
				case RB_PF_GEOLITE2:
					return "A GeoLite2-ASN line is \"network,autonomous_system_number,autonomous_system_organization\".";
			}
			return "Unknown format.";
		case RB_PL_BAD_PREFIX:
			return "The prefix is no network prefix (an IPv4 or IPv6 address with no bits set right of its length).";
		case RB_PL_BAD_ASN:
			return "An AS number is 0 to 4294967295.";
		case RB_PL_TOO_MANY_ORIGINS:
			return "More than 64 origin ASes for one prefix.";
	}
	return "Unknown error.";
}
