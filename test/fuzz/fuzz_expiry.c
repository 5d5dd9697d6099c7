/*
 * fuzz_expiry.c
 *	  libFuzzer harness for the expiry scanner (core/expiry.c): any bytes
 *	  give an answer read only from the bytes given; the host and address
 *	  lie inside the text and are well formed; ASCII case changes nothing.
 */
#include "core/expiry.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_expiry	e,
				u;
	char	   *copy,
			   *upper;
	size_t		i;

	/* an exact-size heap copy, so that ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	upper = malloc(size ? size : 1);
	if (copy == NULL || upper == NULL)
		abort();
	memcpy(copy, data, size);
	for (i = 0; i < size; i++)
		upper[i] = (data[i] >= 'a' && data[i] <= 'z') ? (char) (data[i] - 32) : (char) data[i];

	if (rb_expiry_scan(copy, size, &e) != e.expired)
		abort();
	if (e.host_len > RB_EXPIRY_HOST_MAX || e.addr_len > 15)
		abort();
	if (e.host_len && (e.host < copy || e.host + e.host_len > copy + size))
		abort();
	if (e.addr_len && (e.addr < copy || e.addr + e.addr_len > copy + size))
		abort();
	if (e.kind != RB_FAILURE_NONE && e.kind != RB_FAILURE_DNS && e.kind != RB_FAILURE_CONNECTION)
		abort();
	rb_expiry_scan(upper, size, &u);
	if (u.expired != e.expired || u.kind != e.kind || u.host_len != e.host_len ||
		u.addr_len != e.addr_len ||
		(e.host_len && u.host - upper != e.host - copy) ||
		(e.addr_len && u.addr - upper != e.addr - copy))
		abort();
	free(copy);
	free(upper);
	return 0;
}
