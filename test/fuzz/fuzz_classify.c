/*
 * fuzz_classify.c
 *	  libFuzzer harness for the classifier (reply parser, phrase automaton,
 *	  precedence): any bytes give a verdict in range, the same twice, and
 *	  no worse with the codes the text itself holds passed as known.
 */
#include "core/classify.h"
#include "core/reply.h"

#include <stdlib.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_classify_input in = {(const char *) data, size, 0, 0, NULL, 0};
	rb_verdict	a,
				b;

	rb_classify(&in, &a);
	if ((int) a.reason < 0 || a.reason >= RB_REASON_COUNT ||
		(int) a.severity < 0 || a.severity >= RB_SEVERITY_COUNT)
		abort();
	if (a.reply_code != 0 && (a.reply_code < 200 || a.reply_code > 559))
		abort();
	/* The infrastructure flag never goes with a sender-side reason. */
	if (a.infrastructure && !rb_reason_may_be_infrastructure(a.reason) &&
		a.reason != RB_REASON_NOT_ACCEPT)
		abort();

	/* Passing the codes found in the text as known changes nothing. */
	in.reply_code = a.reply_code;
	in.status = a.status;
	rb_classify(&in, &b);
	if (a.reason != b.reason || a.severity != b.severity ||
		a.infrastructure != b.infrastructure)
		abort();
	return 0;
}
