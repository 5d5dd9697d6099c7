/*
 * fuzz_reply.c
 *	  libFuzzer harness for the SMTP reply parser: any bytes give a reply
 *	  code in range and a valid status, and the same answer twice.
 */
#include "core/reply.h"

#include <stdlib.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_reply	a,
				b;

	rb_reply_parse((const char *) data, size, &a);
	if (a.code != 0 && (a.code < 200 || a.code > 559))
		abort();
	if (a.status != 0 && !rb_status_valid(RB_STATUS_CLASS(a.status),
										  RB_STATUS_SUBJECT(a.status),
										  RB_STATUS_DETAIL(a.status)))
		abort();
	if (a.klass != 0 && a.klass != 2 && a.klass != 4 && a.klass != 5)
		abort();
	rb_reply_parse((const char *) data, size, &b);
	if (a.code != b.code || a.status != b.status || a.klass != b.klass)
		abort();
	return 0;
}
