/*
 * matcher_bench.c
 *	  The phrase matcher against Vectorscan, on the same phrases and texts.
 *
 *	  bash test/bench/matcher_bench.sh [rounds]
 *
 * Reads the diagnostic_code
 * column of the corpus' bounce rows and scans them all, many times, with:
 *	 A. the hand-written Aho-Corasick automaton (ac_phrase.c): case
 *		folding, white-space collapsing and continuation-prefix skipping
 *		done as it reads, no copy;
 *	 B. Vectorscan block mode on the raw text, caseless literals: no
 *		normalization at all (a lower bound: it misses phrases split
 *		across lines or by double spaces);
 *	 C. Vectorscan after copying the text through the same normalization,
 *		which is what matching rebound's phrases with it would take.
 *	 R. rebound's matcher as shipped (src/core/phrase.c: C with the
 *		normalization into a fixed buffer, block or stream mode);
 *	 D, E. Vectorscan regexes with \s+ (and continuation prefixes) for the
 *		spaces of each phrase, on the raw text: no copy, but regexes.
 * Prints ns per text and the ratio of each to A, plus build time and memory.
 */
#include "core/phrase.h"
#include "ac_phrase.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long hits;

static void
on_hit(const rb_phrase *p, size_t end, void *arg)
{
	(void) p;
	(void) end;
	(void) arg;
	hits++;
}

static int
on_hs(unsigned int id, unsigned long long from, unsigned long long to,
	  unsigned int flags, void *ctx)
{
	(void) id;
	(void) from;
	(void) to;
	(void) flags;
	(void) ctx;
	hits++;
	return 0;
}

/* The normalization phrase.c does on the fly, done as a copy. */
static size_t
normalize(const char *s, size_t len, char *out)
{
	size_t		i,
				n = 0;
	int			space = 1;

	out[n++] = ' ';
	for (i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
		{
			if (!space)
				out[n++] = ' ';
			space = 1;
		}
		else
		{
			out[n++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
			space = 0;
		}
	}
	if (!space)
		out[n++] = ' ';
	return n;
}

/* A phrase as a regex where each space stands for a run of white space
 * (sep) instead of one space. */
static char *
phrase_regex(const char *text, const char *sep)
{
	char	   *out = malloc(strlen(text) * (5 + strlen(sep)) + 64);
	char	   *o = out;
	const unsigned char *p;

	for (p = (const unsigned char *) text; *p; p++)
	{
		if (*p == ' ')
			o += sprintf(o, "%s", sep);
		else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			*o++ = *p;
		else
			o += sprintf(o, "\\x%02x", *p);
	}
	*o = '\0';
	return out;
}

static hs_database_t *
compile_regex_db(const char *sep, double *ms)
{
	const char **pats = malloc(rb_phrase_count * sizeof(char *));
	unsigned   *flags = malloc(rb_phrase_count * sizeof(unsigned));
	unsigned   *ids = malloc(rb_phrase_count * sizeof(unsigned));
	hs_database_t *db;
	hs_compile_error_t *err;
	size_t		i;
	double		t0 = now();

	for (i = 0; i < rb_phrase_count; i++)
	{
		pats[i] = phrase_regex(rb_phrase_table[i].text, sep);
		flags[i] = HS_FLAG_CASELESS;
		ids[i] = (unsigned) i;
	}
	if (hs_compile_multi(pats, flags, ids, (unsigned) rb_phrase_count, HS_MODE_BLOCK,
						 NULL, &db, &err) != HS_SUCCESS)
	{
		fprintf(stderr, "hs_compile_multi: %s (%d)\n", err->message, err->expression);
		exit(1);
	}
	*ms = (now() - t0) * 1e3;
	return db;
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		n;
	char	  **texts = NULL;
	size_t	   *lens = NULL;
	size_t		ntext = 0,
				i,
				maxlen = 0,
				bytes = 0;
	int			rounds = argc > 2 ? atoi(argv[2]) : 2000;
	double		t0,
				ta,
				tb,
				tc,
				tr,
				build_a,
				build_hs,
				build_r;
	const char **pats;
	unsigned   *flags,
			   *ids;
	size_t	   *plens;
	hs_database_t *db;
	hs_scratch_t *scratch = NULL;
	hs_compile_error_t *err;
	size_t		dbsize,
				scratchsize;
	char	   *buf;
	long		ha,
				hb,
				hc,
				hr;
	int			r;

	if (argc < 2 || (f = fopen(argv[1], "r")) == NULL)
	{
		fprintf(stderr, "usage: %s diagnostics.tsv [rounds]\n", argv[0]);
		return 2;
	}
	/* columns: 4 expected_reason, 10 diagnostic_code */
	getline(&line, &cap, f);
	while ((n = getline(&line, &cap, f)) > 0)
	{
		char	   *col[13] = {0};
		char	   *p = line;
		int			k = 0;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		col[k++] = p;
		for (; *p && k < 13; p++)
			if (*p == '\t')
			{
				*p = '\0';
				col[k++] = p + 1;
			}
		if (k < 10 || !strcmp(col[3], "feedback") || !strcmp(col[3], "vacation") ||
			!strcmp(col[3], "delivered"))
			continue;
		texts = realloc(texts, (ntext + 1) * sizeof(char *));
		lens = realloc(lens, (ntext + 1) * sizeof(size_t));
		texts[ntext] = strdup(col[9]);
		lens[ntext] = strlen(col[9]);
		if (lens[ntext] > maxlen)
			maxlen = lens[ntext];
		bytes += lens[ntext];
		ntext++;
	}
	fclose(f);
	buf = malloc(maxlen + 2);

	t0 = now();
	ac_phrase_init();
	build_a = now() - t0;

	pats = malloc(rb_phrase_count * sizeof(char *));
	flags = malloc(rb_phrase_count * sizeof(unsigned));
	ids = malloc(rb_phrase_count * sizeof(unsigned));
	plens = malloc(rb_phrase_count * sizeof(size_t));
	for (i = 0; i < rb_phrase_count; i++)
	{
		pats[i] = rb_phrase_table[i].text;
		plens[i] = strlen(pats[i]);
		flags[i] = HS_FLAG_CASELESS;
		ids[i] = (unsigned) i;
	}
	t0 = now();
	if (hs_compile_lit_multi(pats, flags, ids, plens, (unsigned) rb_phrase_count,
							 HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS)
	{
		fprintf(stderr, "hs_compile_lit_multi: %s\n", err->message);
		return 1;
	}
	hs_alloc_scratch(db, &scratch);
	build_hs = now() - t0;
	hs_database_size(db, &dbsize);
	hs_scratch_size(scratch, &scratchsize);

	t0 = now();
	rb_phrase_init();
	build_r = now() - t0;

	/*
	 * The machine is shared: interleave the matchers round by round so that
	 * a busy spell weighs on all of them alike.
	 */
	ta = tb = tc = tr = 0;
	ha = hb = hc = hr = 0;
	for (r = 0; r < rounds; r++)
	{
		hits = 0;
		t0 = now();
		for (i = 0; i < ntext; i++)
			ac_phrase_scan(texts[i], lens[i], on_hit, NULL);
		ta += now() - t0;
		ha += hits;

		hits = 0;
		t0 = now();
		for (i = 0; i < ntext; i++)
			hs_scan(db, texts[i], (unsigned) lens[i], 0, scratch, on_hs, NULL);
		tb += now() - t0;
		hb += hits;

		hits = 0;
		t0 = now();
		for (i = 0; i < ntext; i++)
		{
			size_t		m = normalize(texts[i], lens[i], buf);

			hs_scan(db, buf, (unsigned) m, 0, scratch, on_hs, NULL);
		}
		tc += now() - t0;
		hc += hits;

		hits = 0;
		t0 = now();
		for (i = 0; i < ntext; i++)
			rb_phrase_scan(texts[i], lens[i], false, on_hit, NULL);
		tr += now() - t0;
		hr += hits;
	}

	{
		const char *seps[2] = {"\\s+", "(?:\\s+(?:[245]\\d\\d[- ](?:[245]\\.\\d{1,3}\\.\\d{1,3}\\s+)?)?)"};
		const char *names[2] = {"D. Vectorscan regex, \\s+ for spaces, raw", "E. Vectorscan regex, \\s+ and prefixes, raw"};
		int			v;

		for (v = 0; v < 2; v++)
		{
			double		ms,
						td;
			hs_database_t *rdb = compile_regex_db(seps[v], &ms);
			hs_scratch_t *rs = NULL;
			size_t		rsz;

			hs_alloc_scratch(rdb, &rs);
			hs_database_size(rdb, &rsz);
			hits = 0;
			t0 = now();
			for (r = 0; r < rounds; r++)
				for (i = 0; i < ntext; i++)
					hs_scan(rdb, texts[i], (unsigned) lens[i], 0, rs, on_hs, NULL);
			td = now() - t0;
			printf("# %-44s %8.0f ns/text %6.2f vs A, %ld hits/round, build %.1f ms, %zu KB\n", names[v],
				   td * 1e9 / (rounds * (double) ntext), td / ta, hits / rounds, ms, rsz / 1024);
			hs_free_scratch(rs);
			hs_free_database(rdb);
		}
	}
	printf("texts: %zu (avg %.0f bytes), phrases: %zu, rounds: %d\n",
		   ntext, (double) bytes / ntext, rb_phrase_count, rounds);
	printf("%-44s %8s %8s %10s %12s %10s\n", "matcher", "ns/text", "vs A", "hits/round", "build ms", "memory KB");
	printf("%-44s %8.0f %8.2f %10ld %12.2f %10zu\n", "A. hand-written automaton (ac_phrase.c)",
		   ta * 1e9 / (rounds * (double) ntext), 1.0, ha / rounds, build_a * 1e3, ac_phrase_memory() / 1024);
	printf("%-44s %8.0f %8.2f %10ld %12.2f %10zu\n", "B. Vectorscan, raw text (no normalization)",
		   tb * 1e9 / (rounds * (double) ntext), tb / ta, hb / rounds, build_hs * 1e3, (dbsize + scratchsize) / 1024);
	printf("%-44s %8.0f %8.2f %10ld %12s %10s\n", "C. Vectorscan after normalizing copy",
		   tc * 1e9 / (rounds * (double) ntext), tc / ta, hc / rounds, "(as B)", "(as B)");
	printf("%-44s %8.0f %8.2f %10ld %12.2f %10zu\n", "R. rebound's matcher (phrase.c, Vectorscan)",
		   tr * 1e9 / (rounds * (double) ntext), tr / ta, hr / rounds, build_r * 1e3,
		   rb_phrase_memory() / 1024);
	printf("(R reports each phrase once per text; A, B and C every occurrence.)\n");
	hs_free_scratch(scratch);
	hs_free_database(db);
	return 0;
}
