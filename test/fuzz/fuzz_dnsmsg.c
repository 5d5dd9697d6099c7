/*
 * fuzz_dnsmsg.c
 *	  libFuzzer harness for the DNS response parser: any bytes are parsed
 *	  without reading out of bounds; kept names are short, lower-case host
 *	  names; CNAME following ends.
 */
#include "core/dnsmsg.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
check_name(const char *s)
{
	size_t		n = strnlen(s, RB_DNS_NAME_BUFSIZE);

	if (n >= RB_DNS_NAME_BUFSIZE)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			  s[i] == '-' || s[i] == '_' || s[i] == '.'))
			abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static rb_dns_reply r;
	/* a copy of exactly size bytes, so that ASan sees any overread */
	unsigned char *copy = malloc(size ? size : 1);
	int			idx[RB_DNS_MAX_RRS];
	const char *final;

	memcpy(copy, data, size);
	if (rb_dns_parse(copy, size, &r) == RB_DNS_OK)
	{
		if (r.nrrs < 0 || r.nrrs > RB_DNS_MAX_RRS)
			abort();
		for (int i = 0; i < r.nrrs; i++)
		{
			check_name(r.rrs[i].owner);
			if (r.rrs[i].type == RB_DNS_T_MX || r.rrs[i].type == RB_DNS_T_NS ||
				r.rrs[i].type == RB_DNS_T_CNAME)
				check_name(r.rrs[i].target);
		}
		if (r.nrrs > 0)
		{
			int			n = rb_dns_answers(&r, r.rrs[0].owner, RB_DNS_T_MX, idx,
										   RB_DNS_MAX_RRS, &final);

			if (n > RB_DNS_MAX_RRS)
				abort();
			if (n >= 0)
				check_name(final);
		}
	}
	free(copy);
	return 0;
}
