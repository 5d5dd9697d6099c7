/*
 * mime.c
 *	  Bounded reader of Internet messages (RFC 5322, MIME, RFC 2047).
 *
 * Written for bounce mails as they are found in the wild: bare LF or CRLF,
 * boundaries declared without quotes, with blanks around '=' or not at all,
 * bodies truncated before the closing delimiter, charset labels that lie.
 * None of that is an error here; the worst outcome is a flatter tree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* memmem */
#endif
#include "mime.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <unicode/ucnv.h>

/* ---------------------------------------------------------------------------
 * Span helpers
 */

static inline int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

bool
rb_span_ieq(rb_span s, const char *lit)
{
	size_t		n = strlen(lit);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char) s.ptr[i]) != lc((unsigned char) lit[i]))
			return false;
	return true;
}

bool
rb_span_istarts(rb_span s, const char *lit)
{
	size_t		n = strlen(lit);

	if (s.len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char) s.ptr[i]) != lc((unsigned char) lit[i]))
			return false;
	return true;
}

static inline bool
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

rb_span
rb_span_trim(rb_span s)
{
	if (s.len == 0)
		return RB_SPAN_EMPTY;
	while (s.len > 0 && is_space((unsigned char) s.ptr[0]))
	{
		s.ptr++;
		s.len--;
	}
	while (s.len > 0 && is_space((unsigned char) s.ptr[s.len - 1]))
		s.len--;
	return s;
}

/*
 * Case-insensitive search, linear in hlen whatever the bytes of either
 * side: mail is untrusted, and the needle is sometimes a diagnostic found
 * in the same mail.
 *
 * Short needles (every literal the readers look for) jump from one
 * occurrence of the first byte, in either case, to the next.  Both cases
 * are looked for in windows that double from 64 bytes, so that finding the
 * next candidate costs about the distance to it: asking memchr for each
 * case over the whole rest read to the end of the text for the case that
 * is not there (a lower-case word in upper-case lines), at every candidate
 * and at every call of a loop that searches again past each match, and
 * that was quadratic.  Comparing at most SHORT_NEEDLE bytes per candidate
 * keeps the worst case a constant times hlen.  Longer needles go through
 * Crochemore and Perrin's Two-Way
 * algorithm, which compares each byte a bounded number of times and needs
 * no memory beyond its shift table.
 */
#define SHORT_NEEDLE 32

static const char *
twoway_casemem(const unsigned char *h, const unsigned char *z,
			   const unsigned char *n, size_t l)
{
	size_t		i,
				ip,
				jp,
				k,
				p,
				ms,
				p0,
				mem,
				mem0;
	bool		present[256] = {0};
	size_t		shift[256];

	/* the last position of each (folded) byte of the needle */
	for (i = 0; i < l; i++)
	{
		present[lc(n[i])] = true;
		shift[lc(n[i])] = i + 1;
	}

	/* maximal suffix, for one order of the alphabet ... */
	ip = (size_t) -1;
	jp = 0;
	k = p = 1;
	while (jp + k < l)
	{
		int			a = lc(n[ip + k]),
					b = lc(n[jp + k]);

		if (a == b)
		{
			if (k == p)
			{
				jp += p;
				k = 1;
			}
			else
				k++;
		}
		else if (a > b)
		{
			jp += k;
			k = 1;
			p = jp - ip;
		}
		else
		{
			ip = jp++;
			k = p = 1;
		}
	}
	ms = ip;
	p0 = p;

	/* ... and for the other: the critical factorization is the longer */
	ip = (size_t) -1;
	jp = 0;
	k = p = 1;
	while (jp + k < l)
	{
		int			a = lc(n[ip + k]),
					b = lc(n[jp + k]);

		if (a == b)
		{
			if (k == p)
			{
				jp += p;
				k = 1;
			}
			else
				k++;
		}
		else if (a < b)
		{
			jp += k;
			k = 1;
			p = jp - ip;
		}
		else
		{
			ip = jp++;
			k = p = 1;
		}
	}
	if (ip + 1 > ms + 1)
		ms = ip;
	else
		p = p0;

	/* a periodic needle remembers how much of it is known to match */
	mem0 = l - p;
	for (i = 0; i < ms + 1; i++)
		if (lc(n[i]) != lc(n[i + p]))
		{
			mem0 = 0;
			p = (ms > l - ms - 1 ? ms : l - ms - 1) + 1;
			break;
		}
	mem = 0;

	for (;;)
	{
		int			last;

		if ((size_t) (z - h) < l)
			return NULL;
		last = lc(h[l - 1]);
		if (present[last])
		{
			k = l - shift[last];
			if (k)
			{
				if (k < mem)
					k = mem;
				h += k;
				mem = 0;
				continue;
			}
		}
		else
		{
			h += l;
			mem = 0;
			continue;
		}
		/* the right half, then the left */
		for (k = (ms + 1 > mem ? ms + 1 : mem); k < l && lc(n[k]) == lc(h[k]); k++)
			;
		if (k < l)
		{
			h += k - ms;
			mem = 0;
			continue;
		}
		for (k = ms + 1; k > mem && lc(n[k - 1]) == lc(h[k - 1]); k--)
			;
		if (k <= mem)
			return (const char *) h;
		h += p;
		mem = mem0;
	}
}

/* The first of c0 or c1 in [p, end), at a cost of about the distance to it. */
static const char *
next_either(const char *p, const char *end, int c0, int c1)
{
	size_t		w = 64;

	while (p < end)
	{
		size_t		n = (size_t) (end - p) < w ? (size_t) (end - p) : w;
		const char *q0 = memchr(p, c0, n);
		const char *q1 = c1 == c0 ? NULL : memchr(p, c1, q0 ? (size_t) (q0 - p) : n);

		if (q1)
			return q1;
		if (q0)
			return q0;
		p += n;
		if (w < ((size_t) 1 << 16))
			w *= 2;
	}
	return NULL;
}

const char *
rb_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	int			f0,
				f1;
	const char *last;

	if (nlen == 0)
		return hay;
	if (hlen < nlen)
		return NULL;
	if (rb_polled_stop())
		return NULL;
	if (nlen > SHORT_NEEDLE)
		return twoway_casemem((const unsigned char *) hay,
							  (const unsigned char *) hay + hlen,
							  (const unsigned char *) needle, nlen);
	f0 = lc((unsigned char) needle[0]);
	f1 = (f0 >= 'a' && f0 <= 'z') ? f0 - 32 : f0;
	last = hay + (hlen - nlen);
	for (const char *p = hay; (p = next_either(p, last + 1, f0, f1)) != NULL; p++)
	{
		size_t		i;

		for (i = 1; i < nlen; i++)
			if (lc((unsigned char) p[i]) != lc((unsigned char) needle[i]))
				break;
		if (i == nlen)
		{
			rb_poll(p - hay);
			return p;
		}
	}
	rb_poll(hlen);
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Header fields
 */

/* "Name:" — printable ASCII except ':' and blanks, then optional blanks. */
static bool
field_line(const char *p, const char *end, const char **colon)
{
	const char *q = p;

	while (q < end && *q > ' ' && *q < 127 && *q != ':')
		q++;
	if (q == p)
		return false;
	while (q < end && is_wsp((unsigned char) *q))
		q++;
	if (q < end && *q == ':')
	{
		*colon = q;
		return true;
	}
	return false;
}

static const char *
line_end(const char *p, const char *end)
{
	const char *nl = rb_memchr(p, '\n', end - p);

	return nl ? nl + 1 : end;
}

static bool
blank_line(const char *p, const char *end)
{
	if (p < end && *p == '\r')
		p++;
	return p >= end || *p == '\n';
}

void
rb_split_entity(rb_span entity, rb_span *headers, rb_span *body)
{
	const char *p = entity.ptr,
			   *end = entity.ptr + entity.len;
	const char *colon;
	bool		in_field = false;

	/* An mbox "From " separator line is not a field; skip it. */
	if (entity.len > 5 && memcmp(p, "From ", 5) == 0)
		p = line_end(p, end);
	headers->ptr = p;
	while (p < end)
	{
		if (blank_line(p, end))
		{
			headers->len = p - headers->ptr;
			p = line_end(p, end);
			body->ptr = p;
			body->len = end - p;
			return;
		}
		if (in_field && is_wsp((unsigned char) *p))
			p = line_end(p, end);
		else if (field_line(p, end, &colon))
		{
			in_field = true;
			p = line_end(p, end);
		}
		else
			break;				/* the body starts without a blank line */
	}
	headers->len = p - headers->ptr;
	body->ptr = p;
	body->len = end - p;
}

void
rb_header_iter_init(rb_header_iter *it, rb_span headers)
{
	it->p = headers.ptr;
	it->end = headers.ptr + headers.len;
}

bool
rb_header_next(rb_header_iter *it, rb_span *name, rb_span *value)
{
	while (it->p < it->end)
	{
		const char *start = it->p;
		const char *colon;
		const char *q;

		it->p = line_end(start, it->end);
		if (rb_poll(it->p - start))
			return false;
		/* blocks come validated from rb_split_entity: find the colon only */
		colon = memchr(start, ':', it->p - start);
		if (colon == NULL || colon == start || is_wsp((unsigned char) *start))
			continue;			/* a stray continuation or junk line */
		/* take the continuation lines */
		while (it->p < it->end && is_wsp((unsigned char) *it->p))
			it->p = line_end(it->p, it->end);
		q = colon;
		while (q > start && is_wsp((unsigned char) q[-1]))
			q--;
		name->ptr = start;
		name->len = q - start;
		value->ptr = colon + 1;
		value->len = it->p - (colon + 1);
		*value = rb_span_trim(*value);
		return true;
	}
	return false;
}

bool
rb_header_get(rb_span headers, const char *name, rb_span *value)
{
	rb_header_iter it;
	rb_span		n,
				v;
	size_t		nlen = strlen(name);

	rb_header_iter_init(&it, headers);
	while (rb_header_next(&it, &n, &v))
	{
		if (n.len == nlen && rb_span_istarts(n, name))
		{
			*value = v;
			return true;
		}
	}
	return false;
}

rb_span
rb_unfold(rb_arena *a, rb_span value)
{
	char	   *out,
			   *o;
	bool		folded = false;

	for (size_t i = 0; i < value.len; i++)
		if (value.ptr[i] == '\n' || value.ptr[i] == '\r')
		{
			folded = true;
			break;
		}
	if (!folded)
		return value;
	out = rb_arena_alloc(a, value.len);
	if (out == NULL)
		return value;
	o = out;
	for (size_t i = 0; i < value.len; i++)
	{
		char		c = value.ptr[i];

		if (c == '\r' || c == '\n')
		{
			/* the line break and the blanks after it become one space */
			while (i + 1 < value.len && is_space((unsigned char) value.ptr[i + 1]))
				i++;
			*o++ = ' ';
			continue;
		}
		*o++ = c;
	}
	return (rb_span) {out, (size_t) (o - out)};
}

/*
 * Find a parameter by name: after ';' or a blank (senders forget the ';'),
 * blanks allowed around '=', value a token or a quoted string.
 */
bool
rb_mime_param(rb_span value, const char *name, rb_span *out)
{
	size_t		nlen = strlen(name);
	const char *p = value.ptr,
			   *end = value.ptr + value.len;
	bool		quoted = false;

	for (; p + nlen <= end; p++)
	{
		const char *q;

		if (*p == '"')
			quoted = !quoted;
		if (quoted)
			continue;
		if (p > value.ptr && !(p[-1] == ';' || is_space((unsigned char) p[-1])))
			continue;
		if (!rb_span_istarts((rb_span) {p, (size_t) (end - p)}, name))
			continue;
		q = p + nlen;
		while (q < end && is_space((unsigned char) *q))
			q++;
		if (q >= end || *q != '=')
			continue;
		q++;
		while (q < end && is_space((unsigned char) *q))
			q++;
		if (q < end && *q == '"')
		{
			const char *s = ++q;

			while (q < end && *q != '"')
			{
				if (*q == '\\' && q + 1 < end)
					q++;
				q++;
			}
			out->ptr = s;
			out->len = q - s;
		}
		else
		{
			const char *s = q;

			while (q < end && *q != ';' && !is_space((unsigned char) *q))
				q++;
			out->ptr = s;
			out->len = q - s;
		}
		return out->len > 0;
	}
	return false;
}

/* ---------------------------------------------------------------------------
 * Transfer encodings
 */

static const signed char b64_value[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
	['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13,
	['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19,
	['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
	['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
	['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
	['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
	['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
	['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* Skips anything outside the alphabet; stops at the first '='. */
static size_t
base64_decode(const char *p, size_t len, char *out)
{
	uint32_t	acc = 0;
	int			bits = 0;
	size_t		n = 0;

	for (size_t i = 0; i < len; i++)
	{
		int			v = b64_value[(unsigned char) p[i]];

		if (p[i] == '=')
			break;
		if (v == 0)
			continue;
		acc = (acc << 6) | (uint32_t) (v - 1);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out[n++] = (char) ((acc >> bits) & 0xff);
		}
	}
	return n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Quoted-printable; in_header: '_' is a space (RFC 2047 "Q"). */
static size_t
qp_decode(const char *p, size_t len, char *out, bool in_header)
{
	size_t		n = 0;

	for (size_t i = 0; i < len; i++)
	{
		char		c;

		/* in a body, copy up to the next '=' at once */
		if (!in_header && p[i] != '=')
		{
			const char *eq = memchr(p + i, '=', len - i);
			size_t		run = (eq ? (size_t) (eq - p) : len) - i;

			memcpy(out + n, p + i, run);
			n += run;
			i += run - 1;
			continue;
		}
		c = p[i];

		if (c == '=' && i + 1 < len)
		{
			int			h1 = hexval((unsigned char) p[i + 1]),
						h2 = i + 2 < len ? hexval((unsigned char) p[i + 2]) : -1;

			if (h1 >= 0 && h2 >= 0)
			{
				out[n++] = (char) (h1 * 16 + h2);
				i += 2;
				continue;
			}
			/* soft line break: '=' then optional blanks then the EOL */
			{
				size_t		j = i + 1;

				while (j < len && is_wsp((unsigned char) p[j]))
					j++;
				if (j < len && p[j] == '\r')
					j++;
				if (j < len && p[j] == '\n')
				{
					i = j;
					continue;
				}
			}
		}
		if (in_header && c == '_')
			c = ' ';
		out[n++] = c;
	}
	return n;
}

bool
rb_mime_decode_transfer(rb_arena *a, const rb_part *part, rb_span *out)
{
	char	   *buf;

	if (part->cte == RB_CTE_IDENTITY)
	{
		*out = part->body;
		return true;
	}
	buf = rb_arena_alloc(a, part->body.len + 1);
	if (buf == NULL)
		return false;
	out->ptr = buf;
	if (part->cte == RB_CTE_BASE64)
		out->len = base64_decode(part->body.ptr, part->body.len, buf);
	else
		out->len = qp_decode(part->body.ptr, part->body.len, buf, false);
	return true;
}

/* ---------------------------------------------------------------------------
 * Charsets
 */

bool
rb_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s,
			   *end = p + len;

	while (p < end)
	{
		unsigned char c = *p;

		if (c < 0x80)
		{
			/* skip the ASCII run (NULs are valid UTF-8 here) */
			p++;
			while (end - p >= 8)
			{
				uint64_t	w;

				memcpy(&w, p, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				p += 8;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
		{
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return false;
			p += 2;
		}
		else if (c >= 0xe0 && c <= 0xef)
		{
			if (end - p < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
				return false;
			if (c == 0xe0 && p[1] < 0xa0)
				return false;	/* overlong */
			if (c == 0xed && p[1] >= 0xa0)
				return false;	/* surrogate */
			p += 3;
		}
		else if (c >= 0xf0 && c <= 0xf4)
		{
			if (end - p < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
				(p[3] & 0xc0) != 0x80)
				return false;
			if (c == 0xf0 && p[1] < 0x90)
				return false;
			if (c == 0xf4 && p[1] >= 0x90)
				return false;
			p += 4;
		}
		else
			return false;
	}
	return true;
}

/* How many bytes from p on are ASCII without NUL, eight at a time. */
static size_t
ascii_prefix(const char *p, size_t len)
{
	size_t		i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64_t	w;

		memcpy(&w, p + i, 8);
		/* a high bit, or a zero byte (the classic has-zero test) */
		if ((w & UINT64_C(0x8080808080808080)) ||
			((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080)))
			break;
	}
	for (; i < len; i++)
		if ((unsigned char) p[i] >= 0x80 || p[i] == '\0')
			break;
	return i;
}

static bool
all_ascii(const char *p, size_t len)
{
	return ascii_prefix(p, len) == len;
}

/*
 * Converters are costly to open; a backend sees few charsets.  A small
 * cache of open converters, reset before each use.
 */
#define CNV_CACHE 8
static struct
{
	char		name[40];
	UConverter *cnv;
}			cnv_cache[CNV_CACHE];
static int	cnv_next;

static UConverter *
get_converter(const char *name)
{
	UErrorCode	err = U_ZERO_ERROR;
	UConverter *cnv;
	int			slot;

	for (int i = 0; i < CNV_CACHE; i++)
		if (cnv_cache[i].cnv && strcmp(cnv_cache[i].name, name) == 0)
		{
			ucnv_reset(cnv_cache[i].cnv);
			return cnv_cache[i].cnv;
		}
	cnv = ucnv_open(name, &err);
	if (U_FAILURE(err) || cnv == NULL)
		return NULL;
	slot = cnv_next++ % CNV_CACHE;
	if (cnv_cache[slot].cnv)
		ucnv_close(cnv_cache[slot].cnv);
	strcpy(cnv_cache[slot].name, name);
	cnv_cache[slot].cnv = cnv;
	return cnv;
}

/*
 * What mail software means by a label, which is not always what it says:
 * ISO-8859-1 and US-ASCII text with 8-bit bytes is Windows-1252 in
 * practice, GB2312 is GBK, and so on (the WHATWG encoding rules).
 */
static const char *
charset_alias(const char *name)
{
	static const struct
	{
		const char *label;
		const char *icu;
	}			map[] = {
		{"iso-8859-1", "windows-1252"},
		{"iso8859-1", "windows-1252"},
		{"latin1", "windows-1252"},
		{"us-ascii", "windows-1252"},
		{"ascii", "windows-1252"},
		{"ansi_x3.4-1968", "windows-1252"},
		{"gb2312", "GBK"},
		{"x-gbk", "GBK"},
		{"euc-cn", "GBK"},
		{"ks_c_5601-1987", "windows-949"},
		{"x-sjis", "windows-31j"},
		{"shift_jis", "windows-31j"},
		{"shift-jis", "windows-31j"},
		{"sjis", "windows-31j"},
		{"iso-8859-9", "windows-1254"},
		{"tis-620", "windows-874"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].label, name) == 0)
			return map[i].icu;
	return name;
}

/* Valid UTF-8 copy: each byte of an invalid sequence becomes U+FFFD. */
bool
rb_utf8_sanitize(rb_arena *a, const char *s, size_t len, rb_span *out)
{
	char	   *buf = rb_arena_alloc(a, len * 3 + 1);
	size_t		n = 0,
				i = 0;

	if (buf == NULL)
		return false;
	while (i < len)
	{
		size_t		k;

		for (k = 1; k <= 4 && i + k <= len; k++)
			if (rb_utf8_valid(s + i, k))
				break;
		if (k <= 4 && i + k <= len && s[i] != '\0')
		{
			memcpy(buf + n, s + i, k);
			n += k;
			i += k;
		}
		else
		{
			memcpy(buf + n, "\xEF\xBF\xBD", 3);
			n += 3;
			i++;
		}
	}
	out->ptr = buf;
	out->len = n;
	return true;
}

static bool
icu_to_utf8(rb_arena *a, UConverter *cnv, const char *p, size_t len,
			rb_span *out)
{
	UErrorCode	err = U_ZERO_ERROR;
	size_t		cap;
	char	   *buf;
	int32_t		n;

	if (len > INT32_MAX / 4)
		return false;
	cap = len * 3 + 16;
	buf = rb_arena_alloc(a, cap);
	if (buf == NULL)
		return false;
	n = ucnv_toAlgorithmic(UCNV_UTF8, cnv, buf, (int32_t) cap, p, (int32_t) len, &err);
	if (U_FAILURE(err) || n < 0)
		return false;
	out->ptr = buf;
	out->len = (size_t) n;
	/* converters may pass NULs through; text cannot hold them */
	if (rb_memchr(buf, '\0', out->len) != NULL)
		for (size_t i = 0; i < out->len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
	return true;
}

/* Is there at least one valid multi-byte UTF-8 sequence in p? */
static bool
has_utf8_sequence(const char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
	{
		unsigned char c = (unsigned char) p[i];
		size_t		k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;

		if (k && i + k <= len && rb_utf8_valid(p + i, k))
			return true;
	}
	return false;
}

/*
 * Every 8-bit byte is part of an EUC-JP character: two bytes of A1-FE, or
 * SS2 (8E) and a half-width kana, or SS3 (8F) and two bytes.
 */
static bool
valid_euc_jp(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *) p;
	size_t		i = 0;

	while (i < len)
	{
		if (s[i] < 0x80)
			i++;
		else if (s[i] >= 0xa1 && s[i] <= 0xfe && i + 1 < len && s[i + 1] >= 0xa1 && s[i + 1] <= 0xfe)
			i += 2;
		else if (s[i] == 0x8e && i + 1 < len && s[i + 1] >= 0xa1 && s[i + 1] <= 0xdf)
			i += 2;
		else if (s[i] == 0x8f && i + 2 < len && s[i + 1] >= 0xa1 && s[i + 2] >= 0xa1)
			i += 3;
		else
			return false;
	}
	return true;
}

bool
rb_charset_to_utf8(rb_arena *a, rb_span charset, const char *p, size_t len,
				   rb_span *out)
{
	char		name[40];
	UConverter *cnv;
	bool		ascii;

	ascii = all_ascii(p, len);
	if (ascii)
	{
		/* ISO-2022-* and UTF-7 are 7-bit: only those need converting here */
		if (!(rb_span_istarts(charset, "iso-2022") || rb_span_istarts(charset, "utf-7") ||
			  rb_span_istarts(charset, "hz")))
		{
			out->ptr = p;
			out->len = len;
			return true;
		}
	}
	charset = rb_span_trim(charset);
	if (charset.len == 0 || charset.len >= sizeof(name) ||
		rb_span_ieq(charset, "utf-8") || rb_span_ieq(charset, "utf8"))
		goto as_utf8;

	/*
	 * A 7-bit charset on 8-bit bytes is a label that lies (gateways that
	 * re-encode the text and keep the header): read it as unlabelled.
	 */
	/*
	 * A Japanese gateway (au/ezweb's) converts ISO-2022-JP text to EUC-JP
	 * and keeps the label: 8-bit text under that label that is no UTF-8
	 * but valid EUC-JP is read as EUC-JP.
	 */
	if (!ascii && rb_span_istarts(charset, "iso-2022-jp") && !rb_utf8_valid(p, len) &&
		valid_euc_jp(p, len))
	{
		cnv = get_converter("euc-jp");
		if (cnv != NULL && icu_to_utf8(a, cnv, p, len, out))
			return true;
		if (a->exhausted)
			return false;
	}
	if (!ascii &&
		(rb_span_istarts(charset, "iso-2022") || rb_span_istarts(charset, "utf-7") ||
		 rb_span_istarts(charset, "hz") || rb_span_istarts(charset, "us-ascii") ||
		 rb_span_ieq(charset, "ascii") || rb_span_istarts(charset, "ansi_x3.4")))
	{
		charset = RB_SPAN_EMPTY;
		goto as_utf8;
	}
	for (size_t i = 0; i < charset.len; i++)
		name[i] = (char) lc((unsigned char) charset.ptr[i]);
	name[charset.len] = '\0';
	cnv = get_converter(charset_alias(name));
	if (cnv != NULL && icu_to_utf8(a, cnv, p, len, out))
		return true;
	if (a->exhausted)
		return false;

as_utf8:
	if (rb_utf8_valid(p, len) && rb_memchr(p, '\0', len) == NULL)
	{
		out->ptr = p;
		out->len = len;
		return true;
	}
	/*
	 * A lying or missing label on 8-bit text: Windows-1252 is the best bet,
	 * also under a UTF-8 label when not one UTF-8 sequence is in the text.
	 */
	if (charset.len == 0 || !(rb_span_ieq(charset, "utf-8") || rb_span_ieq(charset, "utf8")) ||
		!has_utf8_sequence(p, len))
	{
		cnv = get_converter("windows-1252");
		if (cnv != NULL && icu_to_utf8(a, cnv, p, len, out))
			return true;
	}
	return rb_utf8_sanitize(a, p, len, out);
}

bool
rb_mime_decode_text(rb_arena *a, const rb_part *part, bool raw_is_utf8,
					rb_span *out)
{
	rb_span		raw;

	if (!rb_mime_decode_transfer(a, part, &raw))
		return false;
	/* decoding and conversion run at memory speed: one poll per part */
	rb_poll(part->body.len + raw.len);
	if (raw_is_utf8 && part->cte == RB_CTE_IDENTITY)
	{
		if (rb_utf8_valid(raw.ptr, raw.len) && rb_memchr(raw.ptr, '\0', raw.len) == NULL)
		{
			*out = raw;
			return true;
		}
		/* ISO-2022-JP etc. are ASCII bytes: convert them all the same */
	}
	return rb_charset_to_utf8(a, part->charset, raw.ptr, raw.len, out);
}

/* ---------------------------------------------------------------------------
 * RFC 2047 encoded words
 */

/* Parse "=?charset?X?text?=" at p; returns its end or NULL. */
static const char *
encoded_word(const char *p, const char *end, rb_span *charset, char *enc,
			 rb_span *text)
{
	const char *q = p + 2,
			   *s;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return NULL;
	s = q;
	while (q < end && *q != '?' && !is_space((unsigned char) *q))
		q++;
	if (q >= end || *q != '?' || q == s || q + 3 > end)
		return NULL;
	charset->ptr = s;
	charset->len = q - s;
	/* RFC 2231 language suffix: "utf-8*en" */
	for (size_t i = 0; i < charset->len; i++)
		if (s[i] == '*')
			charset->len = i;
	*enc = (char) lc((unsigned char) q[1]);
	if ((*enc != 'b' && *enc != 'q') || q[2] != '?')
		return NULL;
	q += 3;
	s = q;
	while (q + 1 < end && !(q[0] == '?' && q[1] == '=') && !is_space((unsigned char) *q))
		q++;
	if (q + 1 >= end || q[0] != '?' || q[1] != '=')
		return NULL;
	text->ptr = s;
	text->len = q - s;
	return q + 2;
}

rb_span
rb_decode_words(rb_arena *a, rb_span value)
{
	const char *p = value.ptr,
			   *end = value.ptr + value.len;
	char	   *out,
			   *raw;
	size_t		n = 0;

	value = rb_unfold(a, value);
	p = value.ptr;
	end = value.ptr + value.len;
	if (rb_memcasemem(p, value.len, "=?", 2) == NULL)
	{
		rb_span		r;

		if (rb_charset_to_utf8(a, RB_SPAN_EMPTY, p, value.len, &r))
			return r;
		return RB_SPAN_EMPTY;
	}
	out = rb_arena_alloc(a, value.len * 3 + 16);
	raw = rb_arena_alloc(a, value.len + 1);
	if (out == NULL || raw == NULL)
		return RB_SPAN_EMPTY;

	while (p < end)
	{
		rb_span		cs,
					txt,
					conv;
		char		enc;
		const char *next = encoded_word(p, end, &cs, &enc, &txt);
		size_t		rn = 0;

		if (next == NULL)
		{
			/* plain text, up to the next encoded word */
			const char *q = p + 1;
			rb_span		piece;

			while (q < end && !(q[0] == '=' && q + 1 < end && q[1] == '?'))
				q++;
			if (rb_charset_to_utf8(a, RB_SPAN_EMPTY, p, q - p, &piece))
			{
				rb_memcpy(out + n, piece.ptr, piece.len);
				n += piece.len;
			}
			p = q;
			continue;
		}

		/*
		 * Adjacent words in one charset are joined before conversion: a
		 * multi-byte character may be split between them.
		 */
		for (;;)
		{
			if (enc == 'b')
				rn += base64_decode(txt.ptr, txt.len, raw + rn);
			else
				rn += qp_decode(txt.ptr, txt.len, raw + rn, true);
			p = next;
			{
				const char *q = p;
				rb_span		cs2,
							txt2;
				char		enc2;
				const char *next2;

				while (q < end && is_space((unsigned char) *q))
					q++;
				next2 = encoded_word(q, end, &cs2, &enc2, &txt2);
				if (next2 == NULL)
					break;
				if (!(cs2.len == cs.len &&
					  strncasecmp(cs2.ptr, cs.ptr, cs.len) == 0))
				{
					p = q;		/* white space between words is dropped */
					break;
				}
				next = next2;
				txt = txt2;
				enc = enc2;
			}
		}
		if (rb_charset_to_utf8(a, cs, raw, rn, &conv))
		{
			if (n + conv.len > value.len * 3 + 16)
				break;
			rb_memcpy(out + n, conv.ptr, conv.len);
			n += conv.len;
		}
		else if (a->exhausted)
			break;
	}
	return (rb_span) {out, n};
}

/* ---------------------------------------------------------------------------
 * Entities
 */

static rb_ctype
classify_type(rb_span value, bool *typed)
{
	rb_span		t = rb_span_trim(value);
	size_t		n = 0;

	while (n < t.len && t.ptr[n] != ';' && !is_space((unsigned char) t.ptr[n]))
		n++;
	t.len = n;
	*typed = n > 0;
	if (n == 0)
		return RB_CT_TEXT_PLAIN;
	if (rb_span_istarts(t, "multipart/"))
		return RB_CT_MULTIPART;
	if (rb_span_ieq(t, "text/plain"))
		return RB_CT_TEXT_PLAIN;
	if (rb_span_ieq(t, "text/html"))
		return RB_CT_TEXT_HTML;
	if (rb_span_ieq(t, "text/rfc822-headers") || rb_span_ieq(t, "message/global-headers") ||
		rb_span_ieq(t, "text/rfc822-header"))
		return RB_CT_HEADERS;
	if (rb_span_istarts(t, "text/"))
		return RB_CT_TEXT_OTHER;
	if (rb_span_ieq(t, "message/delivery-status"))
		return RB_CT_DELIVERY_STATUS;
	if (rb_span_ieq(t, "message/global-delivery-status"))
		return RB_CT_GLOBAL_DELIVERY_STATUS;
	if (rb_span_ieq(t, "message/rfc822") || rb_span_ieq(t, "message/global") ||
		rb_span_ieq(t, "message/rfc2822"))
		return RB_CT_MESSAGE;
	if (rb_span_ieq(t, "message/feedback-report"))
		return RB_CT_FEEDBACK_REPORT;
	if (rb_span_ieq(t, "message/disposition-notification"))
		return RB_CT_DISPOSITION;
	if (rb_span_ieq(t, "application/json"))
		return RB_CT_JSON;
	return RB_CT_OTHER;
}

static rb_cte
classify_cte(rb_span value)
{
	value = rb_span_trim(value);
	if (rb_span_istarts(value, "base64"))
		return RB_CTE_BASE64;
	if (rb_span_istarts(value, "quoted-printable"))
		return RB_CTE_QP;
	return RB_CTE_IDENTITY;
}

/*
 * The next delimiter line "--boundary" or "--boundary--" at or after p, at
 * the start of a line, followed only by blanks.
 */
static const char *
find_delimiter(const char *start, const char *p, const char *end, rb_span b,
			   bool *closing, const char **after)
{
	while (p < end)
	{
		const char *q = memmem(p, end - p, b.ptr, b.len);
		const char *r,
				   *s,
				   *ls;

		if (q == NULL)
			return NULL;
		p = q + 1;

		if (q - start < 2 || q[-1] != '-' || q[-2] != '-')
			continue;
		/* some MTAs indent the delimiter line: allow blanks before it */
		ls = q - 2;
		while (ls > start && (ls[-1] == ' ' || ls[-1] == '\t'))
			ls--;
		if (ls != start && ls[-1] != '\n')
			continue;
		r = q + b.len;
		*closing = end - r >= 2 && r[0] == '-' && r[1] == '-';
		if (*closing)
			r += 2;
		s = r;
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s < end && *s != '\n')
			continue;			/* a longer boundary that starts alike */
		*after = s < end ? s + 1 : end;
		return ls;
	}
	return NULL;
}

/* A multipart without a usable boundary: the first "--token" line. */
static bool
infer_boundary(rb_span body, rb_span *b)
{
	const char *p = body.ptr,
			   *end = body.ptr + body.len;

	while (p < end)
	{
		const char *e = line_end(p, end);

		if (e - p > 3 && p[0] == '-' && p[1] == '-' && !is_space((unsigned char) p[2]))
		{
			const char *s = p + 2,
					   *t = s;

			while (t < e && !is_space((unsigned char) *t))
				t++;
			b->ptr = s;
			b->len = t - s;
			if (b->len > 2 && s[b->len - 1] == '-' && s[b->len - 2] == '-')
				b->len -= 2;
			if (b->len >= 1 && b->len <= 200)
				return true;
		}
		p = e;
	}
	return false;
}

typedef struct pending
{
	rb_span		entity;
	int			depth;
	int			parent;
	bool		flat;			/* read its header only, not its parts */
} pending;

bool
rb_mime_parse(rb_arena *a, const char *msg, size_t len, rb_message *out)
{
	pending    *stack;
	int			sp = 0;
	bool		seen_report = false;

	out->parts = rb_arena_alloc(a, sizeof(rb_part) * RB_MIME_MAX_PARTS);
	stack = rb_arena_alloc(a, sizeof(pending) * RB_MIME_MAX_PARTS);
	out->nparts = 0;
	out->clipped = false;
	if (out->parts == NULL || stack == NULL)
		return false;
	stack[sp++] = (pending) {{msg, len}, 0, -1, false};

	while (sp > 0)
	{
		pending		e = stack[--sp];
		int			idx;
		rb_part    *part;
		rb_span		v,
					ctype_v,
					cte_v;

		/* each level of the tree reads its entity's bytes once */
		if (rb_poll(e.entity.len))
			break;

		if (out->nparts >= RB_MIME_MAX_PARTS)
		{
			out->clipped = true;
			break;
		}
		idx = out->nparts++;
		part = &out->parts[idx];
		memset(part, 0, sizeof(*part));
		part->depth = e.depth;
		part->parent = e.parent;
		rb_split_entity(e.entity, &part->headers, &part->body);
		ctype_v = cte_v = RB_SPAN_EMPTY;
		{
			/* one pass over the fields for both */
			rb_header_iter it;
			rb_span		name;

			rb_header_iter_init(&it, part->headers);
			while (rb_header_next(&it, &name, &v))
			{
				if (name.len == 12 && ctype_v.len == 0 && rb_span_ieq(name, "content-type"))
					ctype_v = v.len ? v : (rb_span) {" ", 1};
				else if (name.len == 25 && cte_v.len == 0 &&
						 rb_span_ieq(name, "content-transfer-encoding"))
					cte_v = v;
			}
		}
		if (ctype_v.len)
		{
			v = ctype_v;
			part->ctype = classify_type(v, &part->typed);
			rb_mime_param(v, "charset", &part->charset);
			if (part->ctype == RB_CT_MULTIPART)
			{
				rb_mime_param(v, "boundary", &part->boundary);
				rb_mime_param(v, "report-type", &part->report_type);
			}
		}
		else
			part->ctype = RB_CT_TEXT_PLAIN;
		if (cte_v.len)
			part->cte = classify_cte(cte_v);

		if (part->ctype == RB_CT_DELIVERY_STATUS ||
			part->ctype == RB_CT_GLOBAL_DELIVERY_STATUS ||
			part->ctype == RB_CT_FEEDBACK_REPORT)
			seen_report = true;
		if (e.flat && (part->ctype == RB_CT_MULTIPART || part->ctype == RB_CT_MESSAGE))
			continue;
		if (part->ctype == RB_CT_MULTIPART)
		{
			rb_span		b = part->boundary;
			const char *start = part->body.ptr,
					   *end = part->body.ptr + part->body.len;
			const char *d,
					   *after;
			bool		closing;
			rb_span		kids[RB_MIME_MAX_PARTS];
			int			nkids = 0;

			if (e.depth + 1 > RB_MIME_MAX_DEPTH)
			{
				out->clipped = true;
				continue;
			}
			d = b.len ? find_delimiter(start, start, end, b, &closing, &after) : NULL;
			if (d == NULL)
			{
				if (infer_boundary(part->body, &b))
					d = find_delimiter(start, start, end, b, &closing, &after);
				if (d == NULL)
				{
					/* a multipart without parts: its body is all there is */
					part->ctype = RB_CT_TEXT_PLAIN;
					continue;
				}
				part->boundary = b;
			}
			while (d != NULL && !closing)
			{
				const char *pstart = after;
				const char *next = find_delimiter(start, after, end, b, &closing, &after);
				const char *pend = next ? next : end;

				/* the line break before a delimiter belongs to it */
				if (next && pend > pstart && pend[-1] == '\n')
					pend--;
				if (next && pend > pstart && pend[-1] == '\r')
					pend--;
				if (nkids + out->nparts + sp >= RB_MIME_MAX_PARTS)
				{
					out->clipped = true;
					break;
				}
				kids[nkids++] = (rb_span) {pstart, (size_t) (pend - pstart)};
				d = next;
			}
			/* pushed in reverse, so that they are read in document order */
			for (int k = nkids - 1; k >= 0; k--)
				stack[sp++] = (pending) {kids[k], e.depth + 1, idx, false};
		}
		else if (part->ctype == RB_CT_MESSAGE)
		{
			rb_span		inner;

			if (e.depth + 1 > RB_MIME_MAX_DEPTH || out->nparts + sp >= RB_MIME_MAX_PARTS)
			{
				out->clipped = true;
				continue;
			}
			if (!rb_mime_decode_transfer(a, part, &inner))
				return false;

			/*
			 * The message a report returns: its header says who it was for,
			 * its parts say nothing the report needs.  (A message returned
			 * before any report, as in a forwarded bounce, is read whole.)
			 */
			stack[sp++] = (pending) {inner, e.depth + 1, idx, seen_report};
		}
	}
	return !a->exhausted;
}
