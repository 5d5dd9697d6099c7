/*
 * domain.h
 *	  Domain-name normalization (IDNA, UTS #46) and the domain of an e-mail
 *	  address.
 *
 * Plain C99 over ICU: no PostgreSQL here.  Input is UTF-8; output is the
 * lower-case ASCII (A-label) form without a trailing dot, the form under
 * which rebound stores and compares every domain and host name.
 */
#ifndef REBOUND_CORE_DOMAIN_H
#define REBOUND_CORE_DOMAIN_H

#include <stddef.h>

/* RFC 1035 limits, counted on the ASCII form without the root dot. */
#define RB_DOMAIN_MAX		253
#define RB_LABEL_MAX		63

/* Output buffers hold any normalized name or address literal and a NUL. */
#define RB_DOMAIN_BUFSIZE	256

/* Inputs longer than this are refused before any work is done. */
#define RB_DOMAIN_INPUT_MAX	4096

typedef enum rb_domain_error
{
	RB_DOMAIN_OK = 0,
	RB_DOMAIN_EMPTY,			/* nothing but white space */
	RB_DOMAIN_EMPTY_LABEL,		/* "a..b", ".a" */
	RB_DOMAIN_LABEL_TOO_LONG,	/* a label over 63 octets */
	RB_DOMAIN_TOO_LONG,			/* a name over 253 octets */
	RB_DOMAIN_BAD_CHAR,			/* a character IDNA or host names forbid */
	RB_DOMAIN_BAD_HYPHEN,		/* a label that starts or ends with '-' */
	RB_DOMAIN_BAD_ACE,			/* an "xn--" label that is not valid Punycode */
	RB_DOMAIN_BAD_BIDI,			/* right-to-left or joiner rules broken */
	RB_DOMAIN_BAD_UTF8,			/* the input is not UTF-8 */
	RB_DOMAIN_ICU_FAILURE,		/* ICU itself failed (out of memory …) */
	RB_ADDR_NO_AT,				/* an address without '@' */
	RB_ADDR_EMPTY_LOCAL,		/* "@example.com" */
	RB_ADDR_UNTERMINATED_QUOTE, /* "\"abc@example.com" */
	RB_ADDR_BAD_LITERAL			/* "user@[999.1.1.1]" */
} rb_domain_error;

/*
 * Normalize the domain name in[0..len).  On success writes the ASCII form
 * and its NUL into out (RB_DOMAIN_BUFSIZE bytes) and its length into
 * *outlen.
 */
extern rb_domain_error rb_normalize_domain(const char *in, size_t len,
										   char *out, size_t *outlen);

/*
 * The normalized domain of the e-mail address in[0..len).  Accepts an
 * addr-spec with a quoted local part ("a@b"@example.com), optionally in
 * angle brackets after a display name.  An address literal comes back in
 * brackets, canonical and lower case: "[192.0.2.1]", "[ipv6:2001:db8::1]".
 */
extern rb_domain_error rb_address_domain(const char *in, size_t len,
										 char *out, size_t *outlen);

/* One English sentence saying what is wrong, for error details. */
extern const char *rb_domain_strerror(rb_domain_error err);

#endif							/* REBOUND_CORE_DOMAIN_H */
