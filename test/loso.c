/*
 * loso.c
 *	  Driver of test/loso.sh: classifies NUL-separated texts with the core
 *	  built with -DRB_LOSO, leaving out of the phrase matcher and of the
 *	  word signals every entry written from one labelled source, and
 *	  prints one
 *	  "reason<TAB>severity<TAB>infrastructure" line per text.
 *
 *	  loso TEXTS SOURCE [ORIGINS]
 *
 * SOURCE is the source key of test/data/labelled/diagnostics.tsv whose
 * entries (origin tagged "[labelled: SOURCE]") are left out ("-" for none).  ORIGINS, when given, is a list of
 * names separated by '|' ("Gmail|Google"): entries whose origin names one
 * of them (case-insensitive) are left out too, whatever their source tag --
 * the strict measure, which also drops the older entries written from that
 * provider's or MTA's wording before the labelled data existed.
 */
#define _GNU_SOURCE				/* strcasestr() */
#include "core/classify.h"
#include "core/phrase.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/slurp.h"

static const char *loso_source;
static char *loso_origins;

bool
rb_loso_excluded(const char *origin)
{
	char		tag[128];
	char	   *names,
			   *save = NULL;
	bool		hit = false;

	if (origin == NULL)
		return false;
	if (loso_source != NULL)
	{
		snprintf(tag, sizeof(tag), "[labelled: %s]", loso_source);
		if (strstr(origin, tag) != NULL)
			return true;
	}
	if (loso_origins == NULL)
		return false;
	names = strdup(loso_origins);
	if (names == NULL)
		exit(2);
	for (char *n = strtok_r(names, "|", &save); n != NULL && !hit;
		 n = strtok_r(NULL, "|", &save))
		hit = strcasestr(origin, n) != NULL;
	free(names);
	return hit;
}

bool
rb_loso_word_excluded(const char *sources)
{
	size_t		n;

	if (sources == NULL || loso_source == NULL)
		return false;
	n = strlen(loso_source);
	for (const char *p = sources; (p = strstr(p, loso_source)) != NULL; p += n)
		if ((p == sources || p[-1] == '|') && (p[n] == '\0' || p[n] == '|'))
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	size_t		tlen;
	char	   *texts;

	if (argc < 3 || argc > 4)
		return 2;
	loso_source = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
	loso_origins = argc == 4 && argv[3][0] != '\0' ? argv[3] : NULL;
	texts = slurp(argv[1], &tlen);
	if (!rb_phrase_init())
		return 3;
	for (char *t = texts; t < texts + tlen; t += strlen(t) + 1)
	{
		rb_classify_input in;
		rb_verdict	v;

		memset(&in, 0, sizeof(in));
		in.text = t;
		in.len = strlen(t);
		rb_classify(&in, &v);
		printf("%s\t%s\t%s\n", rb_reason_name(v.reason),
			   rb_severity_name(v.severity), v.infrastructure ? "t" : "f");
	}
	return 0;
}
