/*
 * fuzz_logline.c
 *	  libFuzzer harness for the log-line reader: any bytes, with or without
 *	  a PowerMTA header, give spans inside the line and the same answer
 *	  twice.
 */
#include "core/logline.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
inside(rb_span s, const char *p, size_t n)
{
	if (s.len && (s.ptr < p || s.ptr + s.len > p + n))
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *p = (const char *) data;
	rb_log_record a,
				b;
	rb_pmta_header h;
	const rb_pmta_header *hp = NULL;
	const char *nl = memchr(p, '\n', size);

	/* a first line is the header, when there are two */
	if (nl && rb_pmta_header_parse(p, (size_t) (nl - p), &h))
	{
		hp = &h;
		size -= (size_t) (nl - p) + 1;
		p = nl + 1;
	}
	if (rb_log_parse(p, size, hp, &a) != rb_log_parse(p, size, hp, &b) ||
		memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	inside(a.time, p, size);
	inside(a.queue_id, p, size);
	inside(a.recipient, p, size);
	inside(a.status, p, size);
	inside(a.diagnostic, p, size);
	inside(a.remote_mta, p, size);
	inside(a.command, p, size);
	inside(a.message_id, p, size);
	if (a.diagnostic.len)
	{
		char	   *buf = malloc(a.diagnostic.len);

		if (rb_csv_unquote(a.diagnostic, buf) > a.diagnostic.len)
			abort();
		free(buf);
	}
	return 0;
}
