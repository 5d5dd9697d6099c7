/*
 * prefixfile.h
 *	  One line of a prefix-to-AS file: CAIDA RouteViews pfx2as, MaxMind
 *	  GeoLite2-ASN CSV, or a plain "prefix AS" list.
 *
 * Plain C99, no PostgreSQL.  A line is given without its '\n' (a trailing
 * '\r' is ignored); the parser reads it once, left to right.  The caller
 * splits the file into lines and numbers them.
 */
#ifndef REBOUND_CORE_PREFIXFILE_H
#define REBOUND_CORE_PREFIXFILE_H

#include <stddef.h>
#include <stdint.h>

typedef enum rb_prefix_format
{
	RB_PF_PFX2AS,				/* "1.0.0.0<TAB>24<TAB>13335", origins by _ or , */
	RB_PF_PLAIN,				/* "1.0.0.0/24 AS13335", # comment lines */
	RB_PF_GEOLITE2				/* "1.0.0.0/24,13335,"Org"", a header line */
} rb_prefix_format;

typedef enum rb_prefix_status
{
	RB_PL_OK = 0,				/* *out holds a prefix and its origins */
	RB_PL_SKIP,					/* blank, comment or header line */
	RB_PL_BAD_SYNTAX,			/* not a line of the format */
	RB_PL_BAD_PREFIX,			/* no address, a length out of range, host bits */
	RB_PL_BAD_ASN,				/* an AS number over 32 bits */
	RB_PL_TOO_MANY_ORIGINS		/* more than RB_PREFIX_MAX_ORIGINS */
} rb_prefix_status;

/* AS sets in real tables have a few dozen members at most. */
#define RB_PREFIX_MAX_ORIGINS 64

typedef struct rb_prefix_entry
{
	int			family;			/* 4 or 6 */
	unsigned char addr[16];		/* network order, bits past the length zero */
	int			bits;
	int			norigins;
	uint32_t	origins[RB_PREFIX_MAX_ORIGINS];
	/* the prefix as the line writes it (address and length), for messages */
	size_t		prefix_start;
	size_t		prefix_len;
} rb_prefix_entry;

extern rb_prefix_status rb_prefix_parse_line(const char *line, size_t len,
											 rb_prefix_format format,
											 rb_prefix_entry *out);

extern const char *rb_prefix_strerror(rb_prefix_status status, rb_prefix_format format);

#endif							/* REBOUND_CORE_PREFIXFILE_H */
