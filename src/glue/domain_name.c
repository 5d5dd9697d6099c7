/*
 * domain_name.c
 *	  rebound.normalize_domain() and rebound.address_domain().
 */
#include "rebound.h"

#include "utils/builtins.h"

#include "core/domain.h"

/*
 * The one report of a domain, host name or address that does not parse:
 * 22P02, as for any malformed text, with the input quoted.  An ICU failure
 * is not the input's fault: internal error.
 */
void
rb_report_domain_error(rb_domain_error err, const char *what, text *input)
{
	ereport(ERROR,
			(errcode(err == RB_DOMAIN_ICU_FAILURE ?
					 ERRCODE_INTERNAL_ERROR : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s: \"%s\"", what, rb_quote_text(input)),
			 errdetail("%s", rb_domain_strerror(err))));
}

typedef rb_domain_error (*domain_parser) (const char *in, size_t len,
										   char *out, size_t *outlen);

/* Runs one of the core parsers over a text argument. */
static text *
parse_domain_text(text *in, domain_parser parse, const char *what)
{
	size_t		len;
	char	   *utf8 = rb_text_to_utf8(in, &len);
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		outlen;
	rb_domain_error err;

	err = parse(utf8, len, out, &outlen);
	if (err != RB_DOMAIN_OK)
		rb_report_domain_error(err, what, in);
	return cstring_to_text_with_len(out, (int) outlen);
}

PG_FUNCTION_INFO_V1(rebound_normalize_domain);
Datum
rebound_normalize_domain(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(parse_domain_text(PG_GETARG_TEXT_PP(0),
									   rb_normalize_domain, "domain name"));
}

PG_FUNCTION_INFO_V1(rebound_address_domain);
Datum
rebound_address_domain(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(parse_domain_text(PG_GETARG_TEXT_PP(0),
									   rb_address_domain, "e-mail address"));
}
