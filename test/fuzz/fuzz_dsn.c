/*
 * fuzz_dsn.c
 *	  libFuzzer harness for the bounce reader (MIME, RFC 3464, the text
 *	  formats): any bytes either are refused as no message or give rows
 *	  whose strings are valid UTF-8, within the arena ceiling.  Seeded with
 *	  Sisimai's corpus by test/check.sh.
 */
#include "core/dsn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
check(rb_span s)
{
	if (s.len > 0 && s.ptr == NULL)
		abort();
	if (!rb_utf8_valid(s.ptr, s.len) || (s.len && memchr(s.ptr, '\0', s.len) != NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_arena	a;
	rb_dsn_result r;
	rb_dsn_options opt = {size > 0 && (data[size - 1] & 1)};
	size_t		limit = rb_dsn_arena_limit(size);
	rb_dsn_error err;

	rb_arena_init(&a, limit, NULL, NULL, NULL);
	err = rb_dsn_parse(&a, (const char *) data, size, &opt, &r);
	/* the ceiling is never reached: it is there for what we did not foresee */
	if (err == RB_DSN_TOO_COMPLEX || a.total > limit)
		abort();

	/*
	 * Linear time (issue 15): the work the reader counts for its stop
	 * function stays a bounded multiple of the input.  Real mails count 5
	 * to 25 units a byte and adversarial ones up to 50; a loop that scans
	 * the rest of the text at every line counts thousands.
	 */
	if (rb_poll_current.work > (uint64_t) size * 400 + 65536)
		abort();
	if (err == RB_DSN_INTERRUPTED)
		abort();
	if (err == RB_DSN_OK)
	{
		if (r.nrcpt > 0 && r.kind == RB_DSN_NONE)
			abort();
		for (size_t i = 0; i < r.nrcpt; i++)
		{
			check(r.rcpt[i].recipient);
			check(r.rcpt[i].action);
			check(r.rcpt[i].diagnostic);
			check(r.rcpt[i].remote_mta);
			check(r.rcpt[i].last_attempt);
			if (r.rcpt[i].reply_code != 0 &&
				(r.rcpt[i].reply_code < 200 || r.rcpt[i].reply_code > 599))
				abort();
		}
	}
	rb_arena_release(&a);
	return 0;
}
