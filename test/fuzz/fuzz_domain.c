/*
 * fuzz_domain.c
 *	  libFuzzer harness for domain normalization and address parsing.  A
 *	  normalized name is lower-case ASCII within the DNS limits, and
 *	  normalizing it again changes nothing.
 */
#include "core/domain.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
check_normal(const char *out, size_t n)
{
	char		again[RB_DOMAIN_BUFSIZE];
	size_t		n2;

	if (n == 0 || n > RB_DOMAIN_MAX || strlen(out) != n)
		abort();
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) out[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			abort();
	}
	if (rb_normalize_domain(out, n, again, &n2) != RB_DOMAIN_OK ||
		n2 != n || memcmp(again, out, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		n = 0;

	if (rb_normalize_domain((const char *) data, size, out, &n) == RB_DOMAIN_OK)
		check_normal(out, n);
	if (rb_address_domain((const char *) data, size, out, &n) == RB_DOMAIN_OK &&
		out[0] != '[')
		check_normal(out, n);
	return 0;
}
