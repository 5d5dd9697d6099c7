/*
 * address.h
 *	  The one form under which the bounce ledger stores an e-mail address.
 *
 * Plain C99: no PostgreSQL here.  Input and output are UTF-8.
 */
#ifndef REBOUND_CORE_ADDRESS_H
#define REBOUND_CORE_ADDRESS_H

#include <stddef.h>

#include "core/domain.h"

/*
 * Size of an output buffer that holds the normalized form of an input of
 * len bytes: the local part never grows, the domain fits RB_DOMAIN_BUFSIZE.
 */
#define RB_ADDRESS_BUFSIZE(len) ((len) + RB_DOMAIN_BUFSIZE + 2)

/*
 * Normalize the address in[0..len): surrounding white space and a display
 * name ("Jean <jean@x.fr>") dropped, ASCII letters of the local part
 * lower-cased outside quoted strings, '@', then the domain exactly as
 * rb_address_domain() gives it.  Writes the result and a NUL into out
 * (RB_ADDRESS_BUFSIZE(len) bytes) and its length into *outlen.  Errors are
 * those of rb_address_domain(), and RB_ADDR_EMPTY_LOCAL for a local part of
 * white space alone; white space around the local part is dropped.
 */
extern rb_domain_error rb_normalize_address(const char *in, size_t len,
											char *out, size_t *outlen);

#endif							/* REBOUND_CORE_ADDRESS_H */
