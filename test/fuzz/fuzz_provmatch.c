/*
 * fuzz_provmatch.c
 *	  libFuzzer harness for the provider matcher, checked against a brute
 *	  force.  The input is split at its first NUL: before it, lines
 *	  "S<suffix>", "E<exact name>" and "Q<query>"; after it, 18-byte records
 *	  <kind><bits><16 address bytes> (kind bit 0: IPv6, bit 1: query).
 *	  Every query must give what a linear scan of the rules added so far
 *	  gives.
 */
#include "core/provmatch.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAXRULES 64

typedef struct
{
	const char *s;
	size_t		len;
	int			exact;
	int			value;
} name_rule;

typedef struct
{
	int			family;
	int			bits;
	unsigned char addr[16];
	int			value;
} addr_rule;

static int
brute_name(const name_rule *r, int n, const char *q, size_t len, int exact)
{
	size_t		best_len = 0;
	int			best = -1;

	for (int i = 0; i < n; i++)
	{
		int			hit;

		if (r[i].exact != exact)
			continue;
		if (exact)
			hit = r[i].len == len && memcmp(r[i].s, q, len) == 0;
		else
			hit = r[i].len <= len &&
				memcmp(r[i].s, q + len - r[i].len, r[i].len) == 0 &&
				(r[i].len == len || q[len - r[i].len - 1] == '.');
		if (hit && (best < 0 || r[i].len > best_len))
		{
			best = r[i].value;
			best_len = r[i].len;
		}
	}
	return best;
}

static int
prefix_has(const addr_rule *r, const unsigned char *a)
{
	for (int i = 0; i < r->bits; i++)
	{
		int			m = 7 - i % 8;

		if (((r->addr[i / 8] >> m) & 1) != ((a[i / 8] >> m) & 1))
			return 0;
	}
	return 1;
}

static int
brute_addr(const addr_rule *r, int n, int family, const unsigned char *a)
{
	int			best = -1,
				best_bits = -1;

	for (int i = 0; i < n; i++)
		if (r[i].family == family && prefix_has(&r[i], a) && r[i].bits > best_bits)
		{
			best = r[i].value;
			best_bits = r[i].bits;
		}
	return best;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rb_provmatch *m = rb_provmatch_create();
	name_rule	names[MAXRULES];
	addr_rule	addrs[MAXRULES];
	int			nnames = 0,
				naddrs = 0,
				value = 0;
	const unsigned char *nul = memchr(data, 0, size);
	size_t		textlen = nul ? (size_t) (nul - data) : size;
	size_t		pos = 0;

	if (m == NULL)
		return 0;
	while (pos < textlen)
	{
		const unsigned char *eol = memchr(data + pos, '\n', textlen - pos);
		size_t		end = eol ? (size_t) (eol - data) : textlen;
		const char *s = (const char *) data + pos + 1;
		size_t		len = end > pos ? end - pos - 1 : 0;

		if (end > pos && (data[pos] == 'S' || data[pos] == 'E') && nnames < MAXRULES)
		{
			int			exact = data[pos] == 'E';
			rb_provmatch_error err = rb_provmatch_add_name(m, s, len, exact, value);

			if (err == RB_PM_OK)
			{
				int			dup = 0;

				for (int i = 0; i < nnames; i++)
					if (names[i].exact == exact && names[i].len == len &&
						memcmp(names[i].s, s, len) == 0)
						dup = 1;	/* same value, or a refused conflict */
				if (!dup)
					names[nnames++] = (name_rule) {s, len, exact, value};
			}
			else if (err != RB_PM_BAD_PATTERN && err != RB_PM_CONFLICT)
				abort();
			value++;
		}
		else if (end > pos && data[pos] == 'Q')
		{
			if (rb_provmatch_name(m, s, len, 0) != brute_name(names, nnames, s, len, 0) ||
				rb_provmatch_name(m, s, len, 1) != brute_name(names, nnames, s, len, 1))
				abort();
		}
		pos = end + 1;
	}

	for (pos = textlen + 1; nul && pos + 18 <= size; pos += 18)
	{
		int			family = (data[pos] & 1) ? 6 : 4;
		int			bits = data[pos + 1] % (family == 4 ? 33 : 129);
		const unsigned char *a = data + pos + 2;

		if (data[pos] & 2)
		{
			if (rb_provmatch_addr(m, family, a) != brute_addr(addrs, naddrs, family, a))
				abort();
		}
		else if (naddrs < MAXRULES)
		{
			addr_rule	r = {family, bits, {0}, value++};
			int			dup = 0;
			rb_provmatch_error err;

			/* the host bits of a prefix do not count */
			for (int i = 0; i < bits; i++)
				r.addr[i / 8] |= a[i / 8] & (1 << (7 - i % 8));
			err = rb_provmatch_add_prefix(m, family, a, bits, r.value);
			if (err != RB_PM_OK && err != RB_PM_CONFLICT)
				abort();
			for (int i = 0; i < naddrs; i++)
				if (addrs[i].family == family && addrs[i].bits == bits &&
					memcmp(addrs[i].addr, r.addr, 16) == 0)
					dup = 1;
			if ((err == RB_PM_OK) != !dup)
				abort();
			if (!dup)
				addrs[naddrs++] = r;
		}
	}
	rb_provmatch_free(m);
	return 0;
}
