/*
 * fuzz_prefixfile.c
 *	  libFuzzer harness for prefix-file lines.  The first byte picks the
 *	  format, the rest is one line.  A line that reads gives a prefix with
 *	  no bit set past its length, 1 to RB_PREFIX_MAX_ORIGINS origins, and
 *	  the place of the prefix inside the line; nothing reads past the line.
 */
#include "core/prefixfile.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_prefix_entry e;
	rb_prefix_status st;
	char	   *line;

	if (size == 0)
		return 0;
	/* an exact-size copy, so that ASan catches a read past the line */
	line = malloc(size - 1 ? size - 1 : 1);
	memcpy(line, data + 1, size - 1);
	st = rb_prefix_parse_line(line, size - 1, (rb_prefix_format) (data[0] % 3), &e);
	if (st == RB_PL_OK)
	{
		int			nbits = e.family == 4 ? 32 : 128;

		if ((e.family != 4 && e.family != 6) || e.bits < 0 || e.bits > nbits ||
			e.norigins < 1 || e.norigins > RB_PREFIX_MAX_ORIGINS ||
			e.prefix_start + e.prefix_len > size - 1)
			abort();
		for (int i = e.bits; i < nbits; i++)
			if ((e.addr[i / 8] >> (7 - i % 8)) & 1)
				abort();
	}
	else if (st != RB_PL_SKIP && st != RB_PL_BAD_SYNTAX && st != RB_PL_BAD_PREFIX &&
			 st != RB_PL_BAD_ASN && st != RB_PL_TOO_MANY_ORIGINS)
		abort();
	free(line);
	return 0;
}
