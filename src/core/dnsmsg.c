/*
 * dnsmsg.c
 *	  DNS response parsing for the resolver glue.
 *
 * Every read is bounds-checked against the message length; compression
 * pointers must point strictly backwards, which rules out loops, and a
 * name may not exceed 255 octets in wire form.
 */
#include "core/dnsmsg.h"

#include <string.h>

static int
get16(const unsigned char *msg, size_t len, size_t pos, uint16_t *v)
{
	if (pos + 2 > len)
		return 0;
	*v = (uint16_t) ((msg[pos] << 8) | msg[pos + 1]);
	return 1;
}

static int
name_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Read the name at *pos; advance *pos past it (past the first pointer, if
 * compressed).  out receives the lower-case dotted form when every label is
 * made of host-name bytes, and *ok says whether it was.
 */
static rb_dns_error
read_name(const unsigned char *msg, size_t len, size_t *pos, char *out, int *ok)
{
	size_t		p = *pos;
	size_t		outlen = 0;
	size_t		wire = 0;
	int			jumped = 0;
	size_t		limit = p;		/* pointers must go below this */

	*ok = 1;
	out[0] = '\0';
	for (;;)
	{
		unsigned char l;

		if (p >= len)
			return RB_DNS_SHORT;
		l = msg[p];
		if ((l & 0xC0) == 0xC0)
		{
			size_t		target;

			if (p + 2 > len)
				return RB_DNS_SHORT;
			target = ((size_t) (l & 0x3F) << 8) | msg[p + 1];
			if (target >= limit)
				return RB_DNS_BAD_NAME;
			if (!jumped)
				*pos = p + 2;
			jumped = 1;
			limit = target;
			p = target;
			continue;
		}
		if ((l & 0xC0) != 0)
			return RB_DNS_BAD_NAME; /* extended label types are obsolete */
		wire += (size_t) l + 1;
		if (wire > 255)
			return RB_DNS_BAD_NAME;
		if (l == 0)
		{
			if (!jumped)
				*pos = p + 1;
			break;
		}
		if (p + 1 + l > len)
			return RB_DNS_SHORT;
		if (outlen > 0)
			out[outlen++] = '.';
		for (size_t i = 0; i < l; i++)
		{
			unsigned char c = msg[p + 1 + i];

			if (!name_byte_ok(c))
			{
				*ok = 0;
				c = '?';
			}
			else if (c >= 'A' && c <= 'Z')
				c = (unsigned char) (c - 'A' + 'a');
			out[outlen++] = (char) c;
		}
		p += 1 + l;
	}
	out[outlen] = '\0';
	return RB_DNS_OK;
}

rb_dns_error
rb_dns_parse(const unsigned char *msg, size_t len, rb_dns_reply *out)
{
	uint16_t	flags,
				qdcount,
				ancount;
	size_t		pos = 12;
	char		scratch[RB_DNS_NAME_BUFSIZE];
	int			ok;
	rb_dns_error err;

	memset(out, 0, offsetof(rb_dns_reply, rrs));
	if (len < 12)
		return RB_DNS_SHORT;
	get16(msg, len, 2, &flags);
	get16(msg, len, 4, &qdcount);
	get16(msg, len, 6, &ancount);
	if (!(flags & 0x8000))
		return RB_DNS_NOT_RESPONSE;
	out->rcode = flags & 0x000F;
	out->truncated = (flags & 0x0200) != 0;

	for (uint16_t i = 0; i < qdcount; i++)
	{
		if ((err = read_name(msg, len, &pos, scratch, &ok)) != RB_DNS_OK)
			return err;
		if (pos + 4 > len)
			return RB_DNS_SHORT;
		pos += 4;
	}
	for (uint16_t i = 0; i < ancount; i++)
	{
		rb_dns_rr	spare;
		rb_dns_rr  *rr = out->nrrs < RB_DNS_MAX_RRS ? &out->rrs[out->nrrs] : &spare;
		uint16_t	type,
					rdlen;
		size_t		rdata;
		int			keep;

		if ((err = read_name(msg, len, &pos, rr->owner, &ok)) != RB_DNS_OK)
			return err;
		if (!get16(msg, len, pos, &type) || !get16(msg, len, pos + 8, &rdlen))
			return RB_DNS_SHORT;
		rdata = pos + 10;
		if (rdata + rdlen > len)
			return RB_DNS_SHORT;
		pos = rdata + rdlen;
		rr->type = type;
		keep = ok && out->nrrs < RB_DNS_MAX_RRS;
		switch (type)
		{
			case RB_DNS_T_A:
				if (rdlen != 4)
					return RB_DNS_BAD_RDATA;
				memcpy(rr->addr, msg + rdata, 4);
				break;
			case RB_DNS_T_AAAA:
				if (rdlen != 16)
					return RB_DNS_BAD_RDATA;
				memcpy(rr->addr, msg + rdata, 16);
				break;
			case RB_DNS_T_MX:
			case RB_DNS_T_NS:
			case RB_DNS_T_CNAME:
				{
					size_t		p = rdata;

					if (type == RB_DNS_T_MX)
					{
						if (!get16(msg, rdata + rdlen, p, &rr->preference))
							return RB_DNS_BAD_RDATA;
						p += 2;
					}
					if ((err = read_name(msg, len, &p, rr->target, &ok)) != RB_DNS_OK)
						return err;
					if (p != rdata + rdlen)
						return RB_DNS_BAD_RDATA;
					keep = keep && ok;
					break;
				}
			default:
				keep = 0;
		}
		if (keep)
			out->nrrs++;
		else
			out->skipped++;
	}
	return RB_DNS_OK;
}

int
rb_dns_answers(const rb_dns_reply *reply, const char *qname, uint16_t qtype,
			   int *idx, int max, const char **final)
{
	const char *name = qname;
	int			n = 0;

	for (int step = 0;; step++)
	{
		const char *next = NULL;

		for (int i = 0; i < reply->nrrs; i++)
		{
			const rb_dns_rr *rr = &reply->rrs[i];

			if (strcmp(rr->owner, name) != 0)
				continue;
			if (rr->type == qtype && n < max)
				idx[n++] = i;
			else if (rr->type == RB_DNS_T_CNAME && next == NULL)
				next = rr->target;
		}
		if (n > 0 || next == NULL || qtype == RB_DNS_T_CNAME)
			break;
		if (step == 16)
			return -1;
		name = next;
	}
	*final = name;
	return n;
}

const char *
rb_dns_strerror(rb_dns_error err)
{
	switch (err)
	{
		case RB_DNS_OK:
			return "No error.";
		case RB_DNS_SHORT:
			return "The DNS message ends inside a field.";
		case RB_DNS_NOT_RESPONSE:
			return "The DNS message is not a response.";
		case RB_DNS_BAD_NAME:
			return "A name in the DNS message is too long or loops.";
		case RB_DNS_BAD_RDATA:
			return "A record's data does not match its type.";
	}
	return "Unknown error.";
}
