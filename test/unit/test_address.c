/*
 * test_address.c
 *	  Unit tests of core/address.c.
 */
#include "core/address.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
addr_ok(const char *in, const char *want)
{
	size_t		len = strlen(in);
	char	   *out = malloc(RB_ADDRESS_BUFSIZE(len));
	size_t		n = 0;
	char		what[512];
	rb_domain_error err;

	snprintf(what, sizeof(what), "address '%s' -> '%s'", in, want);
	err = rb_normalize_address(in, len, out, &n);
	if (err != RB_DOMAIN_OK)
	{
		ok(0, what);
		printf("#   error: %s\n", rb_domain_strerror(err));
	}
	else
	{
		is_str(out, want, what);
		is_int(n, strlen(want), "and its length");
	}
	free(out);
}

static void
addr_err(const char *in, rb_domain_error want)
{
	size_t		len = strlen(in);
	char	   *out = malloc(RB_ADDRESS_BUFSIZE(len));
	size_t		n = 0;
	char		what[512];

	snprintf(what, sizeof(what), "address '%s' fails: %s", in, rb_domain_strerror(want));
	is_int(rb_normalize_address(in, len, out, &n), want, what);
	free(out);
}

int
main(void)
{
	addr_ok("jean.dupont@wanadoo.fr", "jean.dupont@wanadoo.fr");
	addr_ok("Jean.Dupont@Wanadoo.FR.", "jean.dupont@wanadoo.fr");
	addr_ok("  Contact@OVH.net \n", "contact@ovh.net");
	addr_ok("Jean Dupont <Jean@Example.COM>", "jean@example.com");
	addr_ok("< Jean@Example.COM >", "jean@example.com");
	addr_ok("\"Sales EMEA\"@Example.com", "\"Sales EMEA\"@example.com");
	addr_ok("\"A@B\"@Example.com", "\"A@B\"@example.com");
	addr_ok("\"x\\\"Y\"Z@example.com", "\"x\\\"Y\"z@example.com");
	addr_ok("Ünïcode@Bücher.example", "Ünïcode@xn--bcher-kva.example");
	addr_ok("root@[192.0.2.1]", "root@[192.0.2.1]");
	addr_ok("Root@[IPv6:2001:DB8::1]", "root@[ipv6:2001:db8::1]");
	addr_err("jean.dupont.wanadoo.fr", RB_ADDR_NO_AT);
	addr_err("@wanadoo.fr", RB_ADDR_EMPTY_LOCAL);
	addr_err("jean@", RB_DOMAIN_EMPTY);
	addr_err("", RB_DOMAIN_EMPTY);
	addr_err("\"jean@wanadoo.fr", RB_ADDR_UNTERMINATED_QUOTE);
	addr_err("jean@wana doo.fr", RB_DOMAIN_BAD_CHAR);
	addr_err("< @wanadoo.fr>", RB_ADDR_EMPTY_LOCAL);
	addr_ok("Jean @Wanadoo.fr", "jean@wanadoo.fr");
	return tap_done();
}
