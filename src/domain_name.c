/*
 * domain_name.c
 *	  rebound.normalize_domain() and rebound.address_domain().
 */
#include "rebound.h"

#include "utils/builtins.h"

#include "core/domain.h"

static void
report_domain_error(rb_domain_error err, const char *what, text *input)
{
	ereport(ERROR,
			(errcode(err == RB_DOMAIN_ICU_FAILURE ?
					 ERRCODE_INTERNAL_ERROR : ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s: \"%s\"", what, rb_quote_text(input)),
			 errdetail("%s", rb_domain_strerror(err))));
}

PG_FUNCTION_INFO_V1(rebound_normalize_domain);
Datum
rebound_normalize_domain(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	size_t		len;
	char	   *utf8 = rb_text_to_utf8(in, &len);
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		outlen;
	rb_domain_error err;

	err = rb_normalize_domain(utf8, len, out, &outlen);
	if (err != RB_DOMAIN_OK)
		report_domain_error(err, "domain name", in);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) outlen));
}

PG_FUNCTION_INFO_V1(rebound_address_domain);
Datum
rebound_address_domain(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	size_t		len;
	char	   *utf8 = rb_text_to_utf8(in, &len);
	char		out[RB_DOMAIN_BUFSIZE];
	size_t		outlen;
	rb_domain_error err;

	err = rb_address_domain(utf8, len, out, &outlen);
	if (err != RB_DOMAIN_OK)
		report_domain_error(err, "e-mail address", in);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) outlen));
}
