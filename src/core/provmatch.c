/*
 * provmatch.c
 *	  Suffix trie over host names and binary prefix trees over addresses.
 *
 * The name trie is walked from the last character of a name to the first,
 * one byte per level, so that every suffix rule is a path from the root.  A
 * rule's value sits on the node where its pattern ends; it applies to a
 * name when the walk reaches that node and the name either ends there or
 * continues with a '.', which is what "on a label boundary" means
 * (notovh.net walks through the node of ovh.net, but the next character is
 * 't', not '.').  The deepest applicable node wins: the longest suffix.
 *
 * Nodes live in one array and refer to each other by index, so a compiled
 * matcher is a few allocations whatever the number of rules.
 */
#include "core/provmatch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* a-z, 0-9, '-', '_', '.': every byte of a normalized name. */
#define NAME_ALPHABET	39

typedef struct name_node
{
	int32_t		child[NAME_ALPHABET];
	int32_t		suffix_value;
	int32_t		exact_value;
} name_node;

/*
 * A prefix node holds two values: an explicit prefix rule's, and a routed
 * network's (a prefix an AS announces, the AS named by a rule).  Lookups
 * take the longest explicit prefix, and only when there is none the
 * longest network: a rule someone wrote beats what routing tables say.
 */
typedef struct bit_node
{
	int32_t		child[2];
	int32_t		value;
	int32_t		net_value;
} bit_node;

struct rb_provmatch
{
	name_node  *names;
	size_t		nnames;
	size_t		names_cap;
	bit_node   *bits;
	size_t		nbits;
	size_t		bits_cap;
	int32_t		root4;
	int32_t		root6;
};

static int
name_slot(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	if (c == '-')
		return 36;
	if (c == '_')
		return 37;
	if (c == '.')
		return 38;
	return -1;
}

static int32_t
new_name_node(rb_provmatch *m)
{
	name_node  *n;

	if (m->nnames == m->names_cap)
	{
		size_t		cap = m->names_cap ? m->names_cap * 2 : 64;
		name_node  *grown = realloc(m->names, cap * sizeof(name_node));

		if (grown == NULL)
			return -1;
		m->names = grown;
		m->names_cap = cap;
	}
	n = &m->names[m->nnames];
	for (int i = 0; i < NAME_ALPHABET; i++)
		n->child[i] = -1;
	n->suffix_value = -1;
	n->exact_value = -1;
	return (int32_t) m->nnames++;
}

static int32_t
new_bit_node(rb_provmatch *m)
{
	bit_node   *n;

	if (m->nbits == m->bits_cap)
	{
		size_t		cap = m->bits_cap ? m->bits_cap * 2 : 256;
		bit_node   *grown = realloc(m->bits, cap * sizeof(bit_node));

		if (grown == NULL)
			return -1;
		m->bits = grown;
		m->bits_cap = cap;
	}
	n = &m->bits[m->nbits];
	n->child[0] = n->child[1] = -1;
	n->value = -1;
	n->net_value = -1;
	return (int32_t) m->nbits++;
}

rb_provmatch *
rb_provmatch_create(void)
{
	rb_provmatch *m = calloc(1, sizeof(rb_provmatch));

	if (m == NULL)
		return NULL;
	if (new_name_node(m) < 0 ||
		(m->root4 = new_bit_node(m)) < 0 ||
		(m->root6 = new_bit_node(m)) < 0)
	{
		rb_provmatch_free(m);
		return NULL;
	}
	return m;
}

void
rb_provmatch_free(rb_provmatch *m)
{
	if (m == NULL)
		return;
	free(m->names);
	free(m->bits);
	free(m);
}

rb_provmatch_error
rb_provmatch_add_name(rb_provmatch *m, const char *name, size_t len,
					  int exact, int value)
{
	int32_t		node = 0;
	int32_t    *slot;

	if (len == 0 || value < 0 || name[0] == '.' || name[len - 1] == '.')
		return RB_PM_BAD_PATTERN;
	for (size_t i = len; i > 0; i--)
	{
		int			c = name_slot((unsigned char) name[i - 1]);
		int32_t		next;

		if (c < 0)
			return RB_PM_BAD_PATTERN;
		next = m->names[node].child[c];
		if (next < 0)
		{
			/* new_name_node may move the array: index, never pointer */
			next = new_name_node(m);
			if (next < 0)
				return RB_PM_NOMEM;
			m->names[node].child[c] = next;
		}
		node = next;
	}
	slot = exact ? &m->names[node].exact_value : &m->names[node].suffix_value;
	if (*slot >= 0 && *slot != value)
		return RB_PM_CONFLICT;
	*slot = value;
	return RB_PM_OK;
}

int
rb_provmatch_name(const rb_provmatch *m, const char *name, size_t len, int exact)
{
	int32_t		node = 0;
	int			best = -1;

	if (m == NULL || len == 0)
		return -1;
	for (size_t i = len; i > 0; i--)
	{
		int			c = name_slot((unsigned char) name[i - 1]);

		if (c < 0 || (node = m->names[node].child[c]) < 0)
			return exact ? -1 : best;
		if (i == 1)
			break;
		if (!exact && name[i - 2] == '.' && m->names[node].suffix_value >= 0)
			best = m->names[node].suffix_value;
	}
	/* the whole name was consumed */
	if (exact)
		return m->names[node].exact_value;
	return m->names[node].suffix_value >= 0 ? m->names[node].suffix_value : best;
}

static rb_provmatch_error
add_prefix(rb_provmatch *m, int family, const unsigned char *addr,
		   int bits, int value, int network)
{
	int32_t		node;
	int32_t    *slot;

	if ((family != 4 && family != 6) || bits < 0 ||
		bits > (family == 4 ? 32 : 128) || value < 0)
		return RB_PM_BAD_PREFIX;
	node = family == 4 ? m->root4 : m->root6;
	for (int i = 0; i < bits; i++)
	{
		int			b = (addr[i / 8] >> (7 - i % 8)) & 1;
		int32_t		next = m->bits[node].child[b];

		if (next < 0)
		{
			next = new_bit_node(m);
			if (next < 0)
				return RB_PM_NOMEM;
			m->bits[node].child[b] = next;
		}
		node = next;
	}
	slot = network ? &m->bits[node].net_value : &m->bits[node].value;
	if (*slot >= 0 && *slot != value)
		return RB_PM_CONFLICT;
	*slot = value;
	return RB_PM_OK;
}

rb_provmatch_error
rb_provmatch_add_prefix(rb_provmatch *m, int family, const unsigned char *addr,
						int bits, int value)
{
	return add_prefix(m, family, addr, bits, value, 0);
}

rb_provmatch_error
rb_provmatch_add_network(rb_provmatch *m, int family, const unsigned char *addr,
						 int bits, int value)
{
	return add_prefix(m, family, addr, bits, value, 1);
}

int
rb_provmatch_addr(const rb_provmatch *m, int family, const unsigned char *addr)
{
	int32_t		node;
	int			nbits;
	int			best;
	int			best_net;

	if (m == NULL || (family != 4 && family != 6))
		return -1;
	node = family == 4 ? m->root4 : m->root6;
	nbits = family == 4 ? 32 : 128;
	best = m->bits[node].value;
	best_net = m->bits[node].net_value;
	/* one walk for both tiers: the tree is shared */
	for (int i = 0; i < nbits; i++)
	{
		node = m->bits[node].child[(addr[i / 8] >> (7 - i % 8)) & 1];
		if (node < 0)
			break;
		if (m->bits[node].value >= 0)
			best = m->bits[node].value;
		if (m->bits[node].net_value >= 0)
			best_net = m->bits[node].net_value;
	}
	return best >= 0 ? best : best_net;
}

size_t
rb_provmatch_nodes(const rb_provmatch *m)
{
	return m ? m->nnames + m->nbits : 0;
}

const char *
rb_provmatch_strerror(rb_provmatch_error err)
{
	switch (err)
	{
		case RB_PM_OK:
			return "No error.";
		case RB_PM_NOMEM:
			return "Out of memory while compiling the provider rules.";
		case RB_PM_BAD_PATTERN:
			return "A host-name pattern must be a non-empty normalized name.";
		case RB_PM_BAD_PREFIX:
			return "An address prefix must be IPv4 or IPv6 with a valid length.";
		case RB_PM_CONFLICT:
			return "The same pattern is given to two providers.";
	}
	return "Unknown error.";
}
