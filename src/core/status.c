/*
 * status.c
 *	  Parse and format RFC 3463 enhanced status codes.
 */
#include "status.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
rb_status_valid(int klass, int subject, int detail)
{
	return (klass == 2 || klass == 4 || klass == 5) &&
		subject >= 0 && subject <= RB_STATUS_PART_MAX &&
		detail >= 0 && detail <= RB_STATUS_PART_MAX;
}

/*
 * Read 1*3digit at *p.  More than three digits is its own error so that the
 * message can say so rather than "syntax".
 */
static rb_status_error
read_part(const char **p, const char *end, int *value)
{
	const char *s = *p;
	int			v = 0;
	int			n = 0;

	while (s < end && is_digit(*s))
	{
		if (n == 3)
			return RB_STATUS_PART_TOO_LONG;
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n == 0)
		return RB_STATUS_BAD_SYNTAX;
	*p = s;
	*value = v;
	return RB_STATUS_OK;
}

rb_status_error
rb_status_parse(const char *buf, size_t len, rb_status *result)
{
	const char *p = buf;
	const char *end = buf + len;
	int			klass,
				subject,
				detail;
	rb_status_error err;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (p == end)
		return RB_STATUS_EMPTY;

	/* class = "2" / "4" / "5": exactly one digit */
	if (!is_digit(*p))
		return RB_STATUS_BAD_SYNTAX;
	klass = *p++ - '0';
	if (p < end && is_digit(*p))
		return RB_STATUS_BAD_CLASS;
	if (klass != 2 && klass != 4 && klass != 5)
		return RB_STATUS_BAD_CLASS;

	if (p == end || *p++ != '.')
		return RB_STATUS_BAD_SYNTAX;
	if ((err = read_part(&p, end, &subject)) != RB_STATUS_OK)
		return err;
	if (p == end || *p++ != '.')
		return RB_STATUS_BAD_SYNTAX;
	if ((err = read_part(&p, end, &detail)) != RB_STATUS_OK)
		return err;
	if (p != end)
		return RB_STATUS_BAD_SYNTAX;

	*result = RB_STATUS_MAKE(klass, subject, detail);
	return RB_STATUS_OK;
}

size_t
rb_status_format(rb_status st, char *out)
{
	int			parts[3];
	char	   *o = out;

	parts[0] = RB_STATUS_CLASS(st);
	parts[1] = RB_STATUS_SUBJECT(st);
	parts[2] = RB_STATUS_DETAIL(st);
	for (int i = 0; i < 3; i++)
	{
		int			v = parts[i] % 1000;

		if (i > 0)
			*o++ = '.';
		if (v >= 100)
			*o++ = (char) ('0' + v / 100);
		if (v >= 10)
			*o++ = (char) ('0' + v / 10 % 10);
		*o++ = (char) ('0' + v % 10);
	}
	*o = '\0';
	return (size_t) (o - out);
}

const char *
rb_status_strerror(rb_status_error err)
{
	switch (err)
	{
		case RB_STATUS_OK:
			return "The status code is valid.";
		case RB_STATUS_EMPTY:
			return "The status code is empty.";
		case RB_STATUS_BAD_CLASS:
			return "The class must be 2, 4 or 5.";
		case RB_STATUS_BAD_SYNTAX:
			return "A status code is three numbers separated by dots, like 5.1.1.";
		case RB_STATUS_PART_TOO_LONG:
			return "The subject and the detail have at most three digits.";
	}
	return "The status code is malformed.";
}
