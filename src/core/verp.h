/*
 * verp.h
 *	  VERP return paths (bounces+jean=client.fr@sender.example): the
 *	  recipient a bounce was for, read from the address it was sent to.
 */
#ifndef REBOUND_CORE_VERP_H
#define REBOUND_CORE_VERP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decode addr[0..len) into out (at least len bytes): the local part's text
 * after the first separator character, its last '=' read as '@'.  False
 * when the address is not of that shape (no separator, no '=', an empty
 * side).  *outlen is the decoded length.
 */
extern bool rb_verp_decode(const char *addr, size_t len, char separator,
						   char *out, size_t *outlen);

#endif							/* REBOUND_CORE_VERP_H */
