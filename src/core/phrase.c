/*
 * phrase.c
 *	  One-pass multi-phrase matching with Vectorscan.
 *
 * The phrase table is compiled once per process, on first use, into two
 * Vectorscan literal databases (block mode for texts that fit the buffer,
 * stream mode for longer ones), caseless.  The text is copied through a
 * normalizer into a fixed buffer on the way in: runs of white space become
 * one space and the "550-5.1.1 " prefixes of continuation lines are
 * dropped, so that a phrase matches across the line breaks of a multi-line
 * reply.  Texts longer than the buffer are fed to a stream chunk by chunk:
 * memory stays fixed whatever the length of the text.
 *
 * Why Vectorscan and not a hand-written automaton: README, "Design notes";
 * test/bench/matcher_bench.sh measures both.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* memmem() */
#endif

#include "phrase.h"

#include <hs/hs.h>
#include <limits.h>
#include <string.h>

/* Normalized bytes scanned at once; texts up to this size use block mode. */
#define RB_PHRASE_CHUNK 16384

static struct
{
	bool		built;
	bool		failed;
	hs_database_t *block_db;
	hs_database_t *stream_db;
	hs_scratch_t *scratch;
	hs_stream_t *stream;
	char		buf[RB_PHRASE_CHUNK];
} m;

size_t
rb_phrase_memory(void)
{
	size_t		a = 0,
				b = 0,
				c = 0,
				d = 0;

	if (!m.built)
		return 0;
	hs_database_size(m.block_db, &a);
	hs_database_size(m.stream_db, &b);
	hs_scratch_size(m.scratch, &c);
	hs_stream_size(m.stream_db, &d);
	return a + b + c + d + sizeof(m.buf);
}

static bool
compile(unsigned mode, hs_database_t **db)
{
	const char *pats[2048];
	unsigned	flags[2048];
	unsigned	ids[2048];
	size_t		lens[2048];
	hs_compile_error_t *err = NULL;
	size_t		i,
				n;

	if (rb_phrase_count > 2048)
		return false;
	n = 0;
	for (i = 0; i < rb_phrase_count; i++)
	{
#ifdef RB_LOSO
		if (rb_loso_excluded(rb_phrase_table[i].origin))
			continue;
#endif
		pats[n] = rb_phrase_table[i].text;
		lens[n] = strlen(pats[n]);
		/*
		 * Not HS_FLAG_SINGLEMATCH: it would save a few callbacks, but it
		 * made the scan slower on the corpus (test/bench/matcher_bench.sh).
		 */
		flags[n] = HS_FLAG_CASELESS;
		ids[n] = (unsigned) i;	/* the id indexes the whole table */
		n++;
	}
	if (hs_compile_lit_multi(pats, flags, ids, lens, (unsigned) n,
							 mode, NULL, db, &err) != HS_SUCCESS)
	{
		hs_free_compile_error(err);
		return false;
	}
	return true;
}

/* Give back whatever a failed build left. */
static void
discard(void)
{
	if (m.stream)
		hs_close_stream(m.stream, NULL, NULL, NULL);
	hs_free_scratch(m.scratch);
	hs_free_database(m.block_db);
	hs_free_database(m.stream_db);
	m.stream = NULL;
	m.scratch = NULL;
	m.block_db = NULL;
	m.stream_db = NULL;
}

/*
 * All or nothing: the matcher is marked built only when every part of it
 * is.  A failure (out of memory) frees the parts built so far and is not
 * remembered, so the next call tries again; only a CPU that Vectorscan does
 * not support fails for good.  Callers must not classify without it
 * (classify.c raises an error).
 */
bool
rb_phrase_init(void)
{
	if (m.built)
		return true;
	if (m.failed)
		return false;
	if (hs_valid_platform() != HS_SUCCESS)
	{
		m.failed = true;
		return false;
	}
	if (!compile(HS_MODE_BLOCK, &m.block_db) ||
		!compile(HS_MODE_STREAM | HS_MODE_SOM_HORIZON_SMALL, &m.stream_db) ||
		hs_alloc_scratch(m.block_db, &m.scratch) != HS_SUCCESS ||
		hs_alloc_scratch(m.stream_db, &m.scratch) != HS_SUCCESS ||
		hs_open_stream(m.stream_db, 0, &m.stream) != HS_SUCCESS)
	{
		discard();
		return false;
	}
	m.built = true;
	return true;
}

/*
 * At the start of a line: the length of a "550-5.1.1 " or "550 " reply
 * prefix to skip, or 0.
 */
static size_t
continuation_prefix(const unsigned char *s, size_t i, size_t len)
{
	size_t		p = i;

	if (p + 4 > len)
		return 0;
	if (!(s[p] == '2' || s[p] == '4' || s[p] == '5') ||
		!(s[p + 1] >= '0' && s[p + 1] <= '9') ||
		!(s[p + 2] >= '0' && s[p + 2] <= '9') ||
		!(s[p + 3] == '-' || s[p + 3] == ' '))
		return 0;
	p += 4;
	/* an optional "5.1.1 " */
	if (p + 6 <= len && (s[p] == '2' || s[p] == '4' || s[p] == '5') && s[p + 1] == '.')
	{
		size_t		q = p + 2;

		while (q < len && q < p + 10 && ((s[q] >= '0' && s[q] <= '9') || s[q] == '.'))
			q++;
		if (q < len && s[q] == ' ')
			p = q + 1;
	}
	return p - i;
}

typedef struct scan_ctx
{
	rb_phrase_hit_fn hit;
	void	   *arg;
} scan_ctx;

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
		 unsigned int flags, void *ctx)
{
	scan_ctx   *c = (scan_ctx *) ctx;

	(void) from;
	(void) flags;
	if (id < rb_phrase_count)
		c->hit(&rb_phrase_table[id], (size_t) to, c->arg);
	return 0;
}

/* White space: 1 for blanks, 2 for line breaks, 0 otherwise. */
static const unsigned char space_kind[256] = {
	['\t'] = 1, [' '] = 1, ['\f'] = 1, ['\v'] = 1, ['\n'] = 2, ['\r'] = 2,
};

/*
 * Whether the text holds white space that normalizing would change: line
 * breaks, tabs, form feeds or a run of spaces.  Most diagnostics hold none,
 * and are then scanned in place; memchr and memmem are vectorized by the C
 * library, far cheaper than copying byte by byte.
 */
static bool
needs_normalizing(const char *s, size_t len)
{
	return memchr(s, '\n', len) != NULL || memchr(s, '\r', len) != NULL ||
		memchr(s, '\t', len) != NULL || memchr(s, '\f', len) != NULL ||
		memchr(s, '\v', len) != NULL || memmem(s, len, "  ", 2) != NULL;
}

/*
 * A "550-5.1.1 " or "550 5.1.1 " prefix (code and status both) at s[i]:
 * its length or 0.  Used within lines, where a bare "550 " may be part of
 * the wording.
 */
static size_t
paired_prefix(const unsigned char *s, size_t i, size_t len)
{
	size_t		n = continuation_prefix(s, i, len);

	/* continuation_prefix() takes the status as optional: require it */
	return n > 4 ? n : 0;
}

void
rb_phrase_scan(const char *text, size_t len, bool multi_line,
			   rb_phrase_hit_fn hit, void *arg)
{
	const unsigned char *s = (const unsigned char *) text;
	scan_ctx	ctx;
	size_t		i = 0,
				n = 0;
	bool		space = true;	/* collapse white space at the start */
	bool		streaming;
	char	   *buf = m.buf;

	if (s == NULL || len == 0 || !rb_phrase_init())
		return;
	ctx.hit = hit;
	ctx.arg = arg;

	if (len <= UINT_MAX && !multi_line && !needs_normalizing(text, len))
	{
		hs_scan(m.block_db, text, (unsigned) len, 0, m.scratch, on_match, &ctx);
		return;
	}
	streaming = len > RB_PHRASE_CHUNK;

	while (i < len)
	{
		if (space_kind[s[i]] == 0)
		{
			size_t		skip;

			/* a reply prefix inside an unfolded multi-line reply */
			if (multi_line && space && s[i] >= '2' && s[i] <= '5' &&
				(skip = paired_prefix(s, i, len)) > 0)
			{
				i += skip;
				continue;
			}
			buf[n++] = (char) s[i++];
			space = false;
		}
		else
		{
			if (space_kind[s[i]] == 2)
			{
				size_t		j = i + 1;

				while (j < len && space_kind[s[j]] == 2)
					j++;
				i = j + continuation_prefix(s, j, len);
			}
			else
				i++;
			if (!space)
				buf[n++] = ' ';
			space = true;
		}
		if (n == RB_PHRASE_CHUNK)
		{
			/* only reached when streaming: n <= len otherwise */
			hs_scan_stream(m.stream, buf, (unsigned) n, 0, m.scratch, on_match, &ctx);
			n = 0;
		}
	}
	if (!streaming)
		hs_scan(m.block_db, buf, (unsigned) n, 0, m.scratch, on_match, &ctx);
	else
	{
		if (n > 0)
			hs_scan_stream(m.stream, buf, (unsigned) n, 0, m.scratch, on_match, &ctx);
		/* Ready for the next text: literals have no end-of-data matches. */
		hs_reset_stream(m.stream, 0, m.scratch, NULL, NULL);
	}
}
