/*
 * fuzz_address.c
 *	  libFuzzer harness for address normalization.  An address that
 *	  normalizes has the domain rb_address_domain() gives, no upper-case ASCII outside
 *	  quotes, and normalizing it again changes nothing.
 */
#include "core/address.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char	   *out = malloc(RB_ADDRESS_BUFSIZE(size));
	char		dom[RB_DOMAIN_BUFSIZE];
	size_t		n = 0,
				dn = 0;
	rb_domain_error err = rb_normalize_address((const char *) data, size, out, &n);

	if (err == RB_DOMAIN_OK)
	{
		if (rb_address_domain((const char *) data, size, dom, &dn) != RB_DOMAIN_OK)
			abort();
		char	   *again = malloc(RB_ADDRESS_BUFSIZE(n));
		size_t		n2 = 0;

		if (out[n] != '\0' || n < dn + 2 || memcmp(out + n - dn, dom, dn) != 0 ||
			out[n - dn - 1] != '@')
			abort();
		if (rb_normalize_address(out, n, again, &n2) != RB_DOMAIN_OK ||
			n2 != n || memcmp(again, out, n) != 0)
			abort();
		free(again);
	}
	free(out);
	return 0;
}
