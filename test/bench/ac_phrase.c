/*
 * ac_phrase.c
 *	  The hand-written alternative to Vectorscan, kept as the baseline of
 *	  test/bench/matcher_bench.c: an Aho-Corasick automaton over the same
 *	  phrase table, compiled to a dense transition table over a folded
 *	  alphabet, normalizing the text (case, white space, continuation
 *	  prefixes) as it reads it, in one pass and with no copy.
 *
 * rebound uses Vectorscan instead (src/core/phrase.c): on the corpus it
 * was faster even with the normalizing copy; see the README's design notes.
 */
#include "core/phrase.h"

#include "ac_phrase.h"

#include <stdlib.h>
#include <string.h>

typedef uint16_t rb_state;		/* the table has far fewer than 65535 states */

static struct
{
	bool		built;
	bool		failed;
	int			nclass;
	unsigned char cls[256];		/* byte -> alphabet class, 0 = any other */
	size_t		nstate;
	rb_state   *delta;			/* nstate * nclass */
	int32_t    *out;			/* first phrase ending at a state, or -1 */
	int32_t    *next_out;		/* next phrase in that state's output list */
} ac;

static unsigned char
fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c + ('a' - 'A');
	if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
		return ' ';
	return c;
}

size_t
ac_phrase_memory(void)
{
	if (!ac.built)
		return 0;
	return ac.nstate * ac.nclass * sizeof(rb_state) +
		ac.nstate * sizeof(int32_t) + rb_phrase_count * sizeof(int32_t);
}

bool
ac_phrase_init(void)
{
	size_t		maxstate = 1,
				i;
	int32_t    *fail = NULL,
			   *queue = NULL;
	int32_t    *trie = NULL;	/* nstate * nclass, -1 = no edge */
	size_t		head = 0,
				tail = 0;

	if (ac.built)
		return true;
	if (ac.failed)
		return false;

	/* Alphabet: every byte used by a phrase gets its own class. */
	memset(ac.cls, 0, sizeof(ac.cls));
	ac.nclass = 1;
	for (i = 0; i < rb_phrase_count; i++)
	{
		const unsigned char *p = (const unsigned char *) rb_phrase_table[i].text;

		for (; *p; p++)
		{
			unsigned char c = fold(*p);

			maxstate++;
			if (ac.cls[c] == 0)
				ac.cls[c] = (unsigned char) ac.nclass++;
		}
	}
	/* Upper-case letters share their lower-case class. */
	for (i = 'A'; i <= 'Z'; i++)
		ac.cls[i] = ac.cls[i + ('a' - 'A')];
	if (maxstate >= 65535 || ac.nclass > 255)
		goto fail;

	trie = malloc(maxstate * ac.nclass * sizeof(int32_t));
	ac.out = malloc(maxstate * sizeof(int32_t));
	ac.next_out = malloc(rb_phrase_count * sizeof(int32_t));
	fail = malloc(maxstate * sizeof(int32_t));
	queue = malloc(maxstate * sizeof(int32_t));
	if (!trie || !ac.out || !ac.next_out || !fail || !queue)
		goto fail;
	memset(trie, 0xff, maxstate * ac.nclass * sizeof(int32_t));
	for (i = 0; i < maxstate; i++)
		ac.out[i] = -1;

	/* The trie. */
	ac.nstate = 1;
	for (i = 0; i < rb_phrase_count; i++)
	{
		const unsigned char *p = (const unsigned char *) rb_phrase_table[i].text;
		int32_t		st = 0;

		for (; *p; p++)
		{
			int			c = ac.cls[fold(*p)];

			if (trie[st * ac.nclass + c] < 0)
				trie[st * ac.nclass + c] = (int32_t) ac.nstate++;
			st = trie[st * ac.nclass + c];
		}
		/* Chain this phrase in front of the state's own list. */
		ac.next_out[i] = ac.out[st];
		ac.out[st] = (int32_t) i;
	}

	/*
	 * Breadth-first: failure links, then complete the transitions so that
	 * the scan never follows a failure link.  A state's output list is
	 * extended by pointing the tail of its own list at its failure state's
	 * list; since lists only grow at the tail, they stay acyclic.
	 */
	ac.delta = malloc(ac.nstate * ac.nclass * sizeof(rb_state));
	if (!ac.delta)
		goto fail;
	fail[0] = 0;
	for (i = 0; i < (size_t) ac.nclass; i++)
	{
		int32_t		t = trie[i];

		if (t < 0)
			ac.delta[i] = 0;
		else
		{
			ac.delta[i] = (rb_state) t;
			fail[t] = 0;
			queue[tail++] = t;
		}
	}
	while (head < tail)
	{
		int32_t		s = queue[head++];
		int			c;

		/* Append the failure state's outputs to s's list. */
		if (ac.out[s] < 0)
			ac.out[s] = ac.out[fail[s]];
		else
		{
			int32_t		k = ac.out[s];

			while (ac.next_out[k] >= 0 && ac.next_out[k] != ac.out[fail[s]])
				k = ac.next_out[k];
			if (ac.next_out[k] < 0)
				ac.next_out[k] = ac.out[fail[s]];
		}
		for (c = 0; c < ac.nclass; c++)
		{
			int32_t		t = trie[s * ac.nclass + c];

			if (t < 0)
				ac.delta[s * ac.nclass + c] = ac.delta[fail[s] * ac.nclass + c];
			else
			{
				ac.delta[s * ac.nclass + c] = (rb_state) t;
				fail[t] = ac.delta[fail[s] * ac.nclass + c];
				queue[tail++] = t;
			}
		}
	}
	free(trie);
	free(fail);
	free(queue);
	ac.built = true;
	return true;

fail:
	free(trie);
	free(fail);
	free(queue);
	free(ac.out);
	free(ac.next_out);
	free(ac.delta);
	ac.out = ac.next_out = NULL;
	ac.delta = NULL;
	ac.failed = true;
	return false;
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

		while (q < len && ((s[q] >= '0' && s[q] <= '9') || s[q] == '.'))
			q++;
		if (q < len && s[q] == ' ')
			p = q + 1;
	}
	return p - i;
}

void
ac_phrase_scan(const char *text, size_t len, rb_phrase_hit_fn hit, void *arg)
{
	const unsigned char *s = (const unsigned char *) text;
	const rb_state *delta;
	const unsigned char *cls;
	int			nclass;
	size_t		i;
	rb_state	st;
	bool		space = true;	/* the text starts as after a space */
	int			spcls;

	if (!ac_phrase_init() || s == NULL)
		return;
	delta = ac.delta;
	cls = ac.cls;
	nclass = ac.nclass;
	spcls = cls[' '];

	/* A virtual space before the text, so " word" matches at its start. */
	st = delta[spcls];
	for (i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
		{
			if (c == '\n' || c == '\r')
			{
				size_t		j = i + 1;
				size_t		skip;

				while (j < len && (s[j] == '\n' || s[j] == '\r'))
					j++;
				skip = continuation_prefix(s, j, len);
				if (skip > 0)
					i = j + skip - 1;
			}
			if (space)
				continue;
			space = true;
			st = delta[st * nclass + spcls];
		}
		else
		{
			space = false;
			st = delta[st * nclass + cls[c]];
		}
		if (ac.out[st] >= 0)
		{
			int32_t		k;

			for (k = ac.out[st]; k >= 0; k = ac.next_out[k])
				hit(&rb_phrase_table[k], i + 1, arg);
		}
	}
	/* A virtual space after the text, so "word " matches at its end. */
	if (!space)
	{
		st = delta[st * nclass + spcls];
		if (ac.out[st] >= 0)
		{
			int32_t		k;

			for (k = ac.out[st]; k >= 0; k = ac.next_out[k])
				hit(&rb_phrase_table[k], len, arg);
		}
	}
}
