/*
 * test_status.c
 *	  Unit tests of core/status.c.
 */
#include "core/status.h"
#include "tap.h"

static void
check_ok(const char *in, const char *want)
{
	rb_status	st = 0;
	char		out[RB_STATUS_TEXT_MAX + 1];
	char		what[128];

	snprintf(what, sizeof(what), "'%s' parses as %s", in, want);
	if (rb_status_parse(in, strlen(in), &st) != RB_STATUS_OK)
	{
		ok(0, what);
		return;
	}
	rb_status_format(st, out);
	is_str(out, want, what);
}

static void
check_err(const char *in, rb_status_error want)
{
	rb_status	st = 0;
	char		what[128];

	snprintf(what, sizeof(what), "'%s' is refused with error %d", in, (int) want);
	is_int(rb_status_parse(in, strlen(in), &st), want, what);
}

int
main(void)
{
	rb_status	a,
				b;

	check_ok("5.1.1", "5.1.1");
	check_ok("4.7.26", "4.7.26");
	check_ok("2.0.0", "2.0.0");
	check_ok("\t5.999.999\n", "5.999.999");
	check_ok("5.010.001", "5.10.1");

	check_err("", RB_STATUS_EMPTY);
	check_err(" \t", RB_STATUS_EMPTY);
	check_err("3.1.1", RB_STATUS_BAD_CLASS);
	check_err("55.1.1", RB_STATUS_BAD_CLASS);
	check_err("0.0.0", RB_STATUS_BAD_CLASS);
	check_err("5.1", RB_STATUS_BAD_SYNTAX);
	check_err("5.1.", RB_STATUS_BAD_SYNTAX);
	check_err("5.1.1.1", RB_STATUS_BAD_SYNTAX);
	check_err("5 .1.1", RB_STATUS_BAD_SYNTAX);
	check_err("x.1.1", RB_STATUS_BAD_SYNTAX);
	check_err("5.1000.1", RB_STATUS_PART_TOO_LONG);
	check_err("5.1.1000", RB_STATUS_PART_TOO_LONG);

	/* no NUL needed: the length bounds the parse */
	is_int(rb_status_parse("5.1.1999", 5, &a), RB_STATUS_OK, "length bounds the parse");
	is_int(a, RB_STATUS_MAKE(5, 1, 1), "and the value is 5.1.1");

	/* packing preserves order */
	rb_status_parse("5.1.10", 6, &a);
	rb_status_parse("5.2.1", 5, &b);
	ok(a < b, "5.1.10 < 5.2.1");
	rb_status_parse("4.999.999", 9, &a);
	rb_status_parse("5.0.0", 5, &b);
	ok(a < b, "4.999.999 < 5.0.0");
	is_int(RB_STATUS_CLASS(a), 4, "class");
	is_int(RB_STATUS_SUBJECT(a), 999, "subject");
	is_int(RB_STATUS_DETAIL(a), 999, "detail");

	ok(rb_status_valid(2, 0, 0), "2.0.0 is valid");
	ok(!rb_status_valid(6, 0, 0), "6.0.0 is not");
	ok(!rb_status_valid(5, 1000, 0), "5.1000.0 is not");
	ok(!rb_status_valid(5, -1, 0), "5.-1.0 is not");

	return tap_done();
}
