/*
 * fuzz_status.c
 *	  libFuzzer harness for the enhanced status code parser: any bytes either
 *	  parse to a code that formats back and parses to the same value, or are
 *	  refused.
 */
#include "core/status.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_status	st,
				again;
	char		text[RB_STATUS_TEXT_MAX + 1];
	size_t		n;

	if (rb_status_parse((const char *) data, size, &st) != RB_STATUS_OK)
		return 0;
	if (!rb_status_valid(RB_STATUS_CLASS(st), RB_STATUS_SUBJECT(st), RB_STATUS_DETAIL(st)))
		abort();
	n = rb_status_format(st, text);
	if (n > RB_STATUS_TEXT_MAX || strlen(text) != n)
		abort();
	if (rb_status_parse(text, n, &again) != RB_STATUS_OK || again != st)
		abort();
	return 0;
}
