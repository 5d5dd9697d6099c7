/*
 * test_reason.c
 *	  Unit tests of core/reason.c.
 */
#include "core/reason.h"
#include "tap.h"

int
main(void)
{
	const char *prev = "";

	/* the SQL enum's labels are in this order; they must be sorted */
	for (int i = 0; i < RB_REASON_COUNT; i++)
	{
		const char *n = rb_reason_name((rb_reason) i);

		ok(n != NULL && strcmp(prev, n) < 0, n ? n : "(null)");
		is_int(rb_reason_lookup(n, strlen(n)), i, "lookup finds it again");
		prev = n;
	}
	ok(rb_reason_name((rb_reason) RB_REASON_COUNT) == NULL, "out of range is NULL");
	is_int(rb_reason_lookup("userunknown", 11), -1, "Sisimai spelling is not a label");
	is_str(rb_severity_name(RB_SEVERITY_HARD), "hard", "hard");
	is_str(rb_severity_name(RB_SEVERITY_UNDETERMINED), "undetermined", "undetermined");
	return tap_done();
}
