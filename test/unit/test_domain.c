/*
 * test_domain.c
 *	  Unit tests of core/domain.c.
 */
#include "core/domain.h"
#include "tap.h"

#include <stdlib.h>

static void
norm_ok(const char *in, const char *want)
{
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		n = 0;
	char		what[512];
	rb_domain_error err;

	snprintf(what, sizeof(what), "normalize '%s' -> '%s'", in, want);
	err = rb_normalize_domain(in, strlen(in), out, &n);
	if (err != RB_DOMAIN_OK)
	{
		ok(0, what);
		printf("#   error: %s\n", rb_domain_strerror(err));
		return;
	}
	is_str(out, want, what);
	is_int(n, strlen(want), "and its length");
}

static void
norm_err(const char *in, rb_domain_error want)
{
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		n = 0;
	char		what[512];

	snprintf(what, sizeof(what), "normalize '%.60s' fails: %s", in, rb_domain_strerror(want));
	is_int(rb_normalize_domain(in, strlen(in), out, &n), want, what);
}

static void
addr_ok(const char *in, const char *want)
{
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		n = 0;
	char		what[512];
	rb_domain_error err;

	snprintf(what, sizeof(what), "domain of '%s' is '%s'", in, want);
	err = rb_address_domain(in, strlen(in), out, &n);
	if (err != RB_DOMAIN_OK)
	{
		ok(0, what);
		printf("#   error: %s\n", rb_domain_strerror(err));
		return;
	}
	is_str(out, want, what);
}

static void
addr_err(const char *in, rb_domain_error want)
{
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		n = 0;
	char		what[512];

	snprintf(what, sizeof(what), "address '%.60s' fails: %s", in, rb_domain_strerror(want));
	is_int(rb_address_domain(in, strlen(in), out, &n), want, what);
}

int
main(void)
{
	char		big[600];

	norm_ok("Example.COM", "example.com");
	norm_ok("example.com.", "example.com");
	norm_ok(" mx.ovh.net ", "mx.ovh.net");
	norm_ok("b\xc3\xbc" "cher.example", "xn--bcher-kva.example");
	norm_ok("XN--BCHER-KVA.example", "xn--bcher-kva.example");
	norm_ok("stra\xc3\x9f" "e.de", "xn--strae-oqa.de");	/* non-transitional */
	norm_ok("\xef\xbd\x85x.com", "ex.com");	/* fullwidth e */
	norm_ok("a\xe3\x80\x82" "b", "a.b");	/* ideographic full stop */
	norm_ok("ab--cd.example", "ab--cd.example");
	norm_ok("a\xc2\xad" "b.example", "ab.example");	/* soft hyphen vanishes */

	norm_err("", RB_DOMAIN_EMPTY);
	norm_err("a..b", RB_DOMAIN_EMPTY_LABEL);
	norm_err(".a", RB_DOMAIN_EMPTY_LABEL);
	norm_err("a.b..", RB_DOMAIN_EMPTY_LABEL);
	norm_err("-a.b", RB_DOMAIN_BAD_HYPHEN);
	norm_err("a-.b", RB_DOMAIN_BAD_HYPHEN);
	norm_err("a_b.c", RB_DOMAIN_BAD_CHAR);
	norm_err("a b.c", RB_DOMAIN_BAD_CHAR);
	norm_err("a@b.c", RB_DOMAIN_BAD_CHAR);
	norm_err("xn--zz.example", RB_DOMAIN_BAD_ACE);
	norm_err("b\xfc" "cher.example", RB_DOMAIN_BAD_UTF8);
	norm_err("\xc0\xaf.example", RB_DOMAIN_BAD_UTF8);	/* overlong */
	norm_err("\xed\xa0\x80.example", RB_DOMAIN_BAD_UTF8);	/* surrogate */
	norm_err("\xe2\x82", RB_DOMAIN_BAD_UTF8);	/* truncated */

	memset(big, 'a', 64);
	strcpy(big + 64, ".example");
	norm_err(big, RB_DOMAIN_LABEL_TOO_LONG);
	for (int i = 0; i < 4; i++)
	{
		memset(big + i * 64, 'a', 63);
		big[i * 64 + 63] = '.';
	}
	big[255] = '\0';			/* 4 * 63 + 3 dots = 255 octets */
	norm_err(big, RB_DOMAIN_TOO_LONG);
	big[253] = '\0';
	norm_ok(big, big);

	addr_ok("john@Example.com", "example.com");
	addr_ok("\"a@b\"@example.org", "example.org");
	addr_ok("\"a\\\"@b\"@example.org", "example.org");
	addr_ok("Name <x@Y.example>", "y.example");
	addr_ok("x@[192.0.2.1]", "[192.0.2.1]");
	addr_ok("x@[IPv6:2001:DB8::0:1]", "[ipv6:2001:db8::1]");
	addr_err("nobody", RB_ADDR_NO_AT);
	addr_err("@example.com", RB_ADDR_EMPTY_LOCAL);
	addr_err("\"x@example.com", RB_ADDR_UNTERMINATED_QUOTE);
	addr_err("x@", RB_DOMAIN_EMPTY);
	addr_err("x@[1.2.3]", RB_ADDR_BAD_LITERAL);
	addr_err("x@[IPv6:1.2.3.4]", RB_ADDR_BAD_LITERAL);
	addr_err("", RB_DOMAIN_EMPTY);

	/* a huge input is refused quickly, not processed */
	{
		size_t		n = 1 << 20;
		char	   *huge = malloc(n + 1);

		memset(huge, 'a', n);
		huge[n] = '\0';
		norm_err(huge, RB_DOMAIN_TOO_LONG);
		free(huge);
	}

	return tap_done();
}
