/*
 * reply.c
 *	  Find the SMTP reply code and the enhanced status code in a text.
 */
#include "reply.h"

static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * May a code start right after byte c?  Not inside a word, a number, a
 * dotted code or an identifier such as OFR_416.
 */
static inline bool
left_ok(const unsigned char *s, size_t i)
{
	unsigned char c;

	if (i == 0)
		return true;
	c = s[i - 1];
	return !(is_digit(c) || is_alpha(c) || c == '.' || c == '_' || c >= 0x80);
}

/*
 * Read a status code "c.s.d" at s[i..len); returns its length or 0.
 */
static size_t
read_status(const unsigned char *s, size_t i, size_t len, rb_status *st)
{
	size_t		p = i;
	int			klass,
				part[2];
	int			k;

	if (p >= len || !(s[p] == '2' || s[p] == '4' || s[p] == '5'))
		return 0;
	klass = s[p++] - '0';
	for (k = 0; k < 2; k++)
	{
		int			n = 0,
					v = 0;

		if (p >= len || s[p] != '.')
			return 0;
		p++;
		while (p < len && is_digit(s[p]) && n < 4)
		{
			v = v * 10 + (s[p] - '0');
			p++;
			n++;
		}
		if (n == 0 || n > 3)
			return 0;
		part[k] = v;
	}
	/* Standing alone: not "4.16.55.1", not "5.1.1x" */
	if (p < len && (is_digit(s[p]) || is_alpha(s[p]) || s[p] == '_' ||
					(s[p] == '.' && p + 1 < len && is_digit(s[p + 1]))))
		return 0;
	*st = RB_STATUS_MAKE(klass, part[0], part[1]);
	return p - i;
}

/*
 * Read a reply code at s[i..len); returns 3 or 0.
 */
static size_t
read_code(const unsigned char *s, size_t i, size_t len, int *code)
{
	unsigned char c;

	if (i + 3 > len)
		return 0;
	if (!(s[i] == '2' || s[i] == '4' || s[i] == '5') ||
		!(s[i + 1] >= '0' && s[i + 1] <= '5') || !is_digit(s[i + 2]))
		return 0;
	if (i + 3 < len)
	{
		c = s[i + 3];
		if (is_digit(c) || is_alpha(c) || c == '_' || c >= 0x80)
			return 0;
		/* "421.5" or "250.1.2.3": a number, not a reply */
		if ((c == '.' || c == ',' || c == ':' || c == '/') &&
			i + 4 < len && is_digit(s[i + 4]))
			return 0;
	}
	*code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	return 3;
}

/*
 * A code counts as a reply when it opens the text or a line, or follows a
 * prefix: "smtp;550", "said: 550", "#550", "[550", "'550", "(550", "<550",
 * "=550" (after white space is skipped back).
 */
static bool
after_prefix(const unsigned char *s, size_t i)
{
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	if (i == 0)
		return true;
	switch (s[i - 1])
	{
		case '\n':
		case '\r':
		case ';':
		case ':':
		case '#':
		case '[':
		case '\'':
		case '"':
		case '(':
		case '<':
		case '=':
			return true;
		default:
			return false;
	}
}

void
rb_reply_parse(const char *text, size_t len, rb_reply *out)
{
	const unsigned char *s = (const unsigned char *) text;
	size_t		i = 0;
	int			best_code = 0,
				best_score = -1;
	rb_status	best_paired_status = 0;
	rb_status	first_status = 0,
				first_status2xx = 0;

	out->code = 0;
	out->status = 0;
	out->paired = false;
	out->klass = 0;
	out->npaired = 0;
	if (s == NULL)
		return;

	while (i < len)
	{
		int			code;
		rb_status	st;
		size_t		n;

		/* Skip to the next digit that may start a code. */
		if (!is_digit(s[i]) || !left_ok(s, i))
		{
			i++;
			continue;
		}

		if ((n = read_status(s, i, len, &st)) > 0)
		{
			if (RB_STATUS_CLASS(st) == 2)
			{
				if (first_status2xx == 0)
					first_status2xx = st;
			}
			else if (first_status == 0)
				first_status = st;
			i += n;
			continue;
		}

		if ((n = read_code(s, i, len, &code)) > 0)
		{
			int			score;
			size_t		j = i + 3;
			rb_status	pst = 0;

			/* "550 5.1.1", "550-5.1.1", "550 #5.1.1" */
			if (j < len && (s[j] == ' ' || s[j] == '-'))
			{
				j++;
				if (j < len && s[j] == '#')
					j++;
				if (read_status(s, j, len, &pst) == 0)
					pst = 0;
			}
			if (pst != 0 && out->npaired < 100)
				out->npaired++;
			if (pst != 0)
				score = 3;
			else if (after_prefix(s, i))
				score = 2;
			else
				score = 1;
			if (code < 300)
				score = 0;
			if (score > best_score)
			{
				best_score = score;
				best_code = code;
				best_paired_status = pst;
			}
			i += 3;
			continue;
		}

		/* Not a code: skip the rest of this number. */
		while (i < len && (is_digit(s[i]) || s[i] == '.'))
			i++;
	}

	out->code = best_code;
	if (best_paired_status != 0)
	{
		out->status = best_paired_status;
		out->paired = true;
	}
	else if (first_status != 0)
		out->status = first_status;
	else
		out->status = first_status2xx;

	if (out->code != 0)
		out->klass = out->code / 100;
	else if (out->status != 0)
		out->klass = RB_STATUS_CLASS(out->status);
}
