/*
 * fuzz_failure.c
 *	  libFuzzer harness for the failure-kind scanner: any bytes give one of
 *	  the three kinds, reading only the bytes given, and the answer does not
 *	  depend on ASCII case.
 */
#include "core/detect.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_failure_kind kind,
				again;
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

	kind = rb_failure_kind_of(copy, size);
	if (kind != RB_FAILURE_NONE && kind != RB_FAILURE_DNS && kind != RB_FAILURE_CONNECTION)
		abort();
	if ((rb_failure_kind_name(kind) == NULL) != (kind == RB_FAILURE_NONE))
		abort();
	again = rb_failure_kind_of(upper, size);
	if (again != kind)
		abort();
	free(copy);
	free(upper);
	return 0;
}
