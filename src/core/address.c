/*
 * address.c
 *	  Normalized e-mail addresses, the key of the bounce ledger.
 *
 * The domain part is rb_address_domain()'s; only the local part is handled
 * here.  RFC 5321 lets a server treat local parts case-sensitively, but no
 * mailbox provider does, and a CRM that stores "Jean@x.fr" and receives a
 * bounce for "jean@x.fr" must see one address: ASCII letters are folded
 * outside quoted strings, everything else is kept byte for byte.
 */
#include "core/address.h"

#include <stdbool.h>
#include <string.h>

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space((unsigned char) (*s)[0]))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((unsigned char) (*s)[*len - 1]))
		(*len)--;
}

rb_domain_error
rb_normalize_address(const char *in, size_t len, char *out, size_t *outlen)
{
	const char *s = in;
	const char *at = NULL;
	bool		in_quote = false;
	size_t		local_len;
	size_t		dlen;
	rb_domain_error err;

	/* validates everything, and gives the domain */
	err = rb_address_domain(in, len, out, &dlen);
	if (err != RB_DOMAIN_OK)
		return err;

	/* the same framing as rb_address_domain(): trim, then "<...>" */
	trim(&s, &len);
	if (len > 0 && s[len - 1] == '>')
	{
		for (size_t i = len - 1; i-- > 0;)
		{
			if (s[i] == '<')
			{
				len = len - 1 - (i + 1);
				s = s + i + 1;
				break;
			}
		}
	}
	trim(&s, &len);

	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_quote)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_quote = false;
		}
		else if (c == '"')
			in_quote = true;
		else if (c == '@')
			at = s + i;
	}
	if (at == NULL)
		return RB_ADDR_NO_AT;
	/* "< @x.fr>" passes rb_address_domain(), not here: nothing to mail */
	local_len = (size_t) (at - s);
	while (local_len > 0 && is_space((unsigned char) s[local_len - 1]))
		local_len--;
	if (local_len == 0)
		return RB_ADDR_EMPTY_LOCAL;

	/* the domain is in out[0..dlen): move it behind the local part */
	memmove(out + local_len + 1, out, dlen + 1);
	in_quote = false;
	for (size_t i = 0; i < local_len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (in_quote)
		{
			if (c == '\\' && i + 1 < local_len)
			{
				out[i] = (char) c;
				i++;
				out[i] = s[i];
				continue;
			}
			if (c == '"')
				in_quote = false;
		}
		else if (c == '"')
			in_quote = true;
		else if (c >= 'A' && c <= 'Z')
			c = (unsigned char) (c - 'A' + 'a');
		out[i] = (char) c;
	}
	out[local_len] = '@';
	*outlen = local_len + 1 + dlen;
	return RB_DOMAIN_OK;
}
