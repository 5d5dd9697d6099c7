/*
 * ascii.h
 *	  ASCII character classes and case folding, independent of the locale.
 *
 * Mail is ASCII where it matters (commands, codes, header names, the words
 * of English diagnostics); the C library's <ctype.h> depends on the locale
 * and is undefined for negative chars.  These take any byte.
 */
#ifndef REBOUND_CORE_ASCII_H
#define REBOUND_CORE_ASCII_H

#include <stdbool.h>

static inline bool
rb_ascii_isupper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
rb_ascii_isalpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || rb_ascii_isupper(c);
}

static inline bool
rb_ascii_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
rb_ascii_isalnum(unsigned char c)
{
	return rb_ascii_isalpha(c) || rb_ascii_isdigit(c);
}

/* The white space of mail: space, tab, CR, LF (RFC 5322 WSP and line ends). */
static inline bool
rb_ascii_isspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline char
rb_ascii_tolower(unsigned char c)
{
	return (char) (rb_ascii_isupper(c) ? c + ('a' - 'A') : c);
}

#endif							/* REBOUND_CORE_ASCII_H */
