/*
 * dnsmsg.h
 *	  Reading DNS response messages (RFC 1035): the header, and the answer
 *	  records rebound uses (MX, NS, CNAME, A, AAAA), with name compression.
 *
 * Plain C99, no PostgreSQL, no resolver library: the glue hands over the
 * bytes its resolver received.  Names come out lower-case, without the
 * trailing dot; the root is "" (the target of a null MX, RFC 7505).  Names
 * with bytes other than letters, digits, '-' and '_' in a label are not
 * host names: such records are skipped and counted.
 */
#ifndef REBOUND_CORE_DNSMSG_H
#define REBOUND_CORE_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define RB_DNS_T_A		1
#define RB_DNS_T_NS		2
#define RB_DNS_T_CNAME	5
#define RB_DNS_T_MX		15
#define RB_DNS_T_AAAA	28

#define RB_DNS_NAME_BUFSIZE	256
#define RB_DNS_MAX_RRS	64

typedef struct rb_dns_rr
{
	uint16_t	type;
	char		owner[RB_DNS_NAME_BUFSIZE];
	uint16_t	preference;		/* MX */
	char		target[RB_DNS_NAME_BUFSIZE];	/* MX, NS, CNAME */
	unsigned char addr[16];		/* A (4 bytes), AAAA (16) */
} rb_dns_rr;

typedef struct rb_dns_reply
{
	int			rcode;			/* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED */
	int			truncated;		/* TC bit */
	int			nrrs;			/* answer records kept */
	int			skipped;		/* answer records not kept (other types, bad names, overflow) */
	rb_dns_rr	rrs[RB_DNS_MAX_RRS];
} rb_dns_reply;

typedef enum rb_dns_error
{
	RB_DNS_OK = 0,
	RB_DNS_SHORT,				/* the message ends inside a field */
	RB_DNS_NOT_RESPONSE,		/* QR bit clear */
	RB_DNS_BAD_NAME,			/* a compression loop or an over-long name */
	RB_DNS_BAD_RDATA			/* a record's data does not fit its type */
} rb_dns_error;

extern rb_dns_error rb_dns_parse(const unsigned char *msg, size_t len,
								 rb_dns_reply *out);

/*
 * The records of type qtype that answer qname: CNAME records of the answer
 * are followed from qname (at most 16 steps).  Fills idx with up to max
 * indexes into reply->rrs and returns their count; *final receives the
 * name the chain ended on (qname itself when there was no CNAME), which the
 * caller queries again when the answer stopped at a CNAME.  Returns -1 on
 * a CNAME loop.
 */
extern int	rb_dns_answers(const rb_dns_reply *reply, const char *qname,
						   uint16_t qtype, int *idx, int max,
						   const char **final);

extern const char *rb_dns_strerror(rb_dns_error err);

#endif							/* REBOUND_CORE_DNSMSG_H */
