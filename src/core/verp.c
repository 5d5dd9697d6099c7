/*
 * verp.c
 *	  VERP decoding: "bounces+jean=client.fr@sender.example" names
 *	  jean@client.fr.  The sender's MTA encodes the recipient in the return
 *	  path so that a bounce that names nobody still says whom it was for.
 *
 * The last '=' of the encoded part is the '@': a local part may hold '='
 * itself (jean=dupont@client.fr becomes jean=dupont=client.fr), a domain
 * never does.
 */
#include "core/verp.h"

#include <string.h>

bool
rb_verp_decode(const char *addr, size_t len, char separator, char *out, size_t *outlen)
{
	const char *at = NULL;
	const char *sep;
	const char *eq = NULL;
	const char *p;

	/* the local part ends at the last '@' */
	for (p = addr + len; p > addr; p--)
		if (p[-1] == '@')
		{
			at = p - 1;
			break;
		}
	if (at == NULL)
		return false;
	sep = memchr(addr, separator, (size_t) (at - addr));
	if (sep == NULL || sep == addr)
		return false;
	for (p = at; p > sep + 1; p--)
		if (p[-1] == '=')
		{
			eq = p - 1;
			break;
		}
	/* a local part and a domain on each side of the '=' */
	if (eq == NULL || eq == sep + 1 || eq + 1 == at)
		return false;
	memcpy(out, sep + 1, (size_t) (eq - sep - 1));
	out[eq - sep - 1] = '@';
	memcpy(out + (eq - sep), eq + 1, (size_t) (at - eq - 1));
	*outlen = (size_t) (at - sep - 1);
	return true;
}
