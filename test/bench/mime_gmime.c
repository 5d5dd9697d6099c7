/*
 * mime_gmime.c
 *	  The measurement behind the choice of rebound's own MIME reader over
 *	  GMime (README, "Design notes"): the same work done by both on every
 *	  mail of a directory, repeated, in one process each:
 *
 *	    - read the entity tree;
 *	    - decode every text/plain part (transfer encoding, charset to UTF-8);
 *	    - read the header block of the message.
 *
 *	  Prints messages per second and, with test/bench/mime_gmime.sh, the
 *	  number of heap allocations per message.  Built and run by that script,
 *	  not by check.sh.
 *
 *	  usage: mime_gmime {gmime|rebound} ITERATIONS FILE...
 */
#include "core/mime.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile size_t sink;	/* keeps the work from being optimized away */

static void
gmime_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	(void) parent;
	(void) data;
	if (GMIME_IS_TEXT_PART(part))
	{
		GMimeContentType *ct = g_mime_object_get_content_type(part);

		if (g_mime_content_type_is_type(ct, "text", "plain"))
		{
			char	   *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));

			if (t)
				sink += strlen(t);
			g_free(t);
		}
	}
}

static void
with_gmime(const char *buf, size_t len)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(buf, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);

	if (msg)
	{
		const char *subject = g_mime_message_get_subject(msg);

		sink += subject ? strlen(subject) : 0;
		g_mime_message_foreach(msg, gmime_part, NULL);
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_object_unref(stream);
}

static void
with_rebound(const char *buf, size_t len)
{
	rb_arena	a;
	rb_message	m;
	rb_span		v;

	rb_arena_init(&a, len * 64 + (4u << 20), NULL, NULL, NULL);
	if (rb_mime_parse(&a, buf, len, &m))
	{
		if (rb_header_get(m.parts[0].headers, "subject", &v))
			sink += rb_decode_words(&a, v).len;
		for (int i = 0; i < m.nparts; i++)
		{
			rb_span		t;

			if (m.parts[i].ctype == RB_CT_TEXT_PLAIN &&
				rb_mime_decode_text(&a, &m.parts[i], false, &t))
				sink += t.len;
		}
	}
	rb_arena_release(&a);
}

int
main(int argc, char **argv)
{
	int			gmime,
				iters,
				n = argc - 3;
	char	  **bufs;
	size_t	   *lens;
	struct timespec t0,
				t1;
	double		s;

	if (argc < 4)
	{
		fprintf(stderr, "usage: %s {gmime|rebound} ITERATIONS FILE...\n", argv[0]);
		return 2;
	}
	gmime = strcmp(argv[1], "gmime") == 0;
	iters = atoi(argv[2]);
	bufs = malloc(n * sizeof(char *));
	lens = malloc(n * sizeof(size_t));
	for (int i = 0; i < n; i++)
	{
		FILE	   *f = fopen(argv[i + 3], "rb");
		long		l;

		if (f == NULL)
			return 1;
		fseek(f, 0, SEEK_END);
		l = ftell(f);
		fseek(f, 0, SEEK_SET);
		bufs[i] = malloc(l);
		if (fread(bufs[i], 1, l, f) != (size_t) l)
			return 1;
		fclose(f);
		lens[i] = l;
	}
	if (gmime)
		g_mime_init();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int it = 0; it < iters; it++)
		for (int i = 0; i < n; i++)
		{
			if (gmime)
				with_gmime(bufs[i], lens[i]);
			else
				with_rebound(bufs[i], lens[i]);
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s\t%d\t%.3f\t%.0f\n", argv[1], n * iters, s, n * iters / s);
	return 0;
}
