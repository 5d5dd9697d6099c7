/*
 * domain.c
 *	  Domain-name normalization (UTS #46 through ICU) and address parsing.
 *
 * Most names rebound sees are plain ASCII host names; those take a fast
 * path that gives exactly what UTS #46 would (lower case, LDH checks) without
 * calling ICU.  Anything else, and every "xn--" label, goes through ICU's
 * non-transitional UTS #46 processing with the STD3 (host name) rules.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "domain.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <unicode/uidna.h>

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

static bool
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.';
}

static unsigned char
lower_ascii(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}

/*
 * Strict UTF-8 validation (no overlongs, no surrogates, nothing past
 * U+10FFFF), so that bad bytes get their own error instead of ICU's
 * replacement character.
 */
static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		n;
		unsigned int cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		else if (c >= 0xC2 && c <= 0xDF)
		{
			n = 1;
			cp = c & 0x1F;
		}
		else if (c >= 0xE0 && c <= 0xEF)
		{
			n = 2;
			cp = c & 0x0F;
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			n = 3;
			cp = c & 0x07;
		}
		else
			return false;
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

/* Checks the label and name lengths and hyphens of an ASCII name. */
static rb_domain_error
check_ascii_name(const char *name, size_t len)
{
	size_t		start = 0;

	if (len == 0)
		return RB_DOMAIN_EMPTY;
	if (len > RB_DOMAIN_MAX)
		return RB_DOMAIN_TOO_LONG;
	for (size_t i = 0; i <= len; i++)
	{
		if (i == len || name[i] == '.')
		{
			size_t		llen = i - start;

			if (llen == 0)
				return RB_DOMAIN_EMPTY_LABEL;
			if (llen > RB_LABEL_MAX)
				return RB_DOMAIN_LABEL_TOO_LONG;
			if (name[start] == '-' || name[i - 1] == '-')
				return RB_DOMAIN_BAD_HYPHEN;
			start = i + 1;
		}
	}
	return RB_DOMAIN_OK;
}

/* True when some label starts with "xn--" (any case): it needs ICU. */
static bool
has_ace_label(const char *s, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
	{
		if ((i == 0 || s[i - 1] == '.') &&
			lower_ascii((unsigned char) s[i]) == 'x' &&
			lower_ascii((unsigned char) s[i + 1]) == 'n' &&
			s[i + 2] == '-' && s[i + 3] == '-')
			return true;
	}
	return false;
}

static const UIDNA *
uts46(void)
{
	static UIDNA *idna = NULL;

	if (idna == NULL)
	{
		UErrorCode status = U_ZERO_ERROR;

		/*
		 * Non-transitional processing: "ß" stays "ß" (xn--zca), as IDNA2008
		 * registries and current mail software expect.  STD3 rules keep the
		 * host-name alphabet.
		 */
		idna = uidna_openUTS46(UIDNA_USE_STD3_RULES |
							   UIDNA_CHECK_BIDI |
							   UIDNA_CHECK_CONTEXTJ |
							   UIDNA_NONTRANSITIONAL_TO_ASCII |
							   UIDNA_NONTRANSITIONAL_TO_UNICODE,
							   &status);
		if (U_FAILURE(status))
			idna = NULL;
	}
	return idna;
}

static rb_domain_error
icu_error(uint32_t errors)
{
	if (errors & UIDNA_ERROR_EMPTY_LABEL)
		return RB_DOMAIN_EMPTY_LABEL;
	if (errors & UIDNA_ERROR_LABEL_TOO_LONG)
		return RB_DOMAIN_LABEL_TOO_LONG;
	if (errors & UIDNA_ERROR_DOMAIN_NAME_TOO_LONG)
		return RB_DOMAIN_TOO_LONG;
	if (errors & (UIDNA_ERROR_PUNYCODE | UIDNA_ERROR_INVALID_ACE_LABEL))
		return RB_DOMAIN_BAD_ACE;
	if (errors & (UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN))
		return RB_DOMAIN_BAD_HYPHEN;
	if (errors & (UIDNA_ERROR_BIDI | UIDNA_ERROR_CONTEXTJ |
				  UIDNA_ERROR_CONTEXTO_PUNCTUATION | UIDNA_ERROR_CONTEXTO_DIGITS))
		return RB_DOMAIN_BAD_BIDI;
	return RB_DOMAIN_BAD_CHAR;
}

rb_domain_error
rb_normalize_domain(const char *in, size_t len, char *out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *) in;
	bool		ascii_ldh = true;
	rb_domain_error err;
	size_t		n;

	while (len > 0 && is_space(s[0]))
	{
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	if (len == 0)
		return RB_DOMAIN_EMPTY;
	if (len > RB_DOMAIN_INPUT_MAX)
		return RB_DOMAIN_TOO_LONG;

	for (size_t i = 0; i < len; i++)
	{
		if (!is_ldh(s[i]))
		{
			ascii_ldh = false;
			break;
		}
	}

	if (ascii_ldh && !has_ace_label((const char *) s, len))
	{
		/* the root label's dot is not part of the name */
		if (len > 1 && s[len - 1] == '.')
			len--;
		if (len > RB_DOMAIN_MAX)
			return RB_DOMAIN_TOO_LONG;
		for (size_t i = 0; i < len; i++)
			out[i] = (char) lower_ascii(s[i]);
		out[len] = '\0';
		err = check_ascii_name(out, len);
		if (err != RB_DOMAIN_OK)
			return err;
		*outlen = len;
		return RB_DOMAIN_OK;
	}

	if (!valid_utf8(s, len))
		return RB_DOMAIN_BAD_UTF8;

	{
		const UIDNA *idna = uts46();
		UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
		UErrorCode	status = U_ZERO_ERROR;
		char		buf[RB_DOMAIN_BUFSIZE + 8];
		int32_t		got;
		uint32_t	errors;

		if (idna == NULL)
			return RB_DOMAIN_ICU_FAILURE;
		got = uidna_nameToASCII_UTF8(idna, (const char *) s, (int32_t) len,
									 buf, (int32_t) sizeof(buf), &info, &status);
		if (status == U_BUFFER_OVERFLOW_ERROR ||
			status == U_STRING_NOT_TERMINATED_WARNING)
			return RB_DOMAIN_TOO_LONG;
		if (U_FAILURE(status))
			return RB_DOMAIN_ICU_FAILURE;

		/*
		 * Hyphens in the third and fourth positions ("ab--cd") are legal in
		 * DNS and do occur in host names; only ICU's other checks count.
		 */
		errors = info.errors & ~(uint32_t) UIDNA_ERROR_HYPHEN_3_4;
		if (errors != 0)
			return icu_error(errors);

		n = (size_t) got;
		if (n > 1 && buf[n - 1] == '.')
			n--;
		if (n == 0)
			return RB_DOMAIN_EMPTY;
		if (n > RB_DOMAIN_MAX)
			return RB_DOMAIN_TOO_LONG;
		memcpy(out, buf, n);
		out[n] = '\0';
		err = check_ascii_name(out, n);
		if (err != RB_DOMAIN_OK)
			return err;
		*outlen = n;
		return RB_DOMAIN_OK;
	}
}

/* An RFC 5321 address literal: "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
static rb_domain_error
address_literal(const char *s, size_t len, char *out, size_t *outlen)
{
	char		text[64];
	unsigned char addr[16];
	const char *body = s + 1;
	size_t		blen = len - 2;
	int			family = AF_INET;
	char		canon[INET6_ADDRSTRLEN];
	int			w;

	if (blen >= 5 && (body[0] | 0x20) == 'i' && (body[1] | 0x20) == 'p' &&
		(body[2] | 0x20) == 'v' && body[3] == '6' && body[4] == ':')
	{
		family = AF_INET6;
		body += 5;
		blen -= 5;
	}
	if (blen == 0 || blen >= sizeof(text))
		return RB_ADDR_BAD_LITERAL;
	memcpy(text, body, blen);
	text[blen] = '\0';
	if (inet_pton(family, text, addr) != 1)
		return RB_ADDR_BAD_LITERAL;
	if (inet_ntop(family, addr, canon, sizeof(canon)) == NULL)
		return RB_ADDR_BAD_LITERAL;
	w = (family == AF_INET6) ?
		snprintf(out, RB_DOMAIN_BUFSIZE, "[ipv6:%s]", canon) :
		snprintf(out, RB_DOMAIN_BUFSIZE, "[%s]", canon);
	if (w < 0 || w >= RB_DOMAIN_BUFSIZE)
		return RB_ADDR_BAD_LITERAL;
	*outlen = (size_t) w;
	return RB_DOMAIN_OK;
}

rb_domain_error
rb_address_domain(const char *in, size_t len, char *out, size_t *outlen)
{
	const char *s = in;
	const char *at = NULL;
	bool		in_quote = false;

	while (len > 0 && is_space((unsigned char) s[0]))
	{
		s++;
		len--;
	}
	while (len > 0 && is_space((unsigned char) s[len - 1]))
		len--;
	if (len == 0)
		return RB_DOMAIN_EMPTY;

	/* "Display Name <user@example.com>": keep what the brackets hold */
	if (s[len - 1] == '>')
	{
		const char *open = NULL;

		for (size_t i = len - 1; i-- > 0;)
		{
			if (s[i] == '<')
			{
				open = s + i;
				break;
			}
		}
		if (open != NULL)
		{
			len = (size_t) (s + len - 1 - (open + 1));
			s = open + 1;
		}
	}

	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_quote)
		{
			if (c == '\\')
				i++;			/* quoted-pair: the next octet is literal */
			else if (c == '"')
				in_quote = false;
		}
		else if (c == '"')
			in_quote = true;
		else if (c == '@')
			at = s + i;
	}
	if (in_quote)
		return RB_ADDR_UNTERMINATED_QUOTE;
	if (at == NULL)
		return RB_ADDR_NO_AT;
	if (at == s)
		return RB_ADDR_EMPTY_LOCAL;

	{
		const char *dom = at + 1;
		size_t		dlen = (size_t) (s + len - dom);

		if (dlen >= 2 && dom[0] == '[' && dom[dlen - 1] == ']')
			return address_literal(dom, dlen, out, outlen);
		return rb_normalize_domain(dom, dlen, out, outlen);
	}
}

const char *
rb_domain_strerror(rb_domain_error err)
{
	switch (err)
	{
		case RB_DOMAIN_OK:
			return "The name is valid.";
		case RB_DOMAIN_EMPTY:
			return "The domain name is empty.";
		case RB_DOMAIN_EMPTY_LABEL:
			return "The domain name has an empty label.";
		case RB_DOMAIN_LABEL_TOO_LONG:
			return "A label is longer than 63 octets.";
		case RB_DOMAIN_TOO_LONG:
			return "The domain name is longer than 253 octets.";
		case RB_DOMAIN_BAD_CHAR:
			return "The domain name contains a character that host names do not allow.";
		case RB_DOMAIN_BAD_HYPHEN:
			return "A label starts or ends with a hyphen.";
		case RB_DOMAIN_BAD_ACE:
			return "An \"xn--\" label is not valid Punycode.";
		case RB_DOMAIN_BAD_BIDI:
			return "The domain name breaks the IDNA rules for right-to-left text or joiners.";
		case RB_DOMAIN_BAD_UTF8:
			return "The domain name is not valid UTF-8.";
		case RB_DOMAIN_ICU_FAILURE:
			return "ICU could not process the domain name.";
		case RB_ADDR_NO_AT:
			return "An e-mail address needs an \"@\" before its domain.";
		case RB_ADDR_EMPTY_LOCAL:
			return "The local part before \"@\" is empty.";
		case RB_ADDR_UNTERMINATED_QUOTE:
			return "A quoted local part is not closed.";
		case RB_ADDR_BAD_LITERAL:
			return "The address literal in brackets is not an IPv4 or IPv6 address.";
	}
	return "The name is invalid.";
}
