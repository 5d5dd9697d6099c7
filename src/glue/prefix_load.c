/*
 * prefix_load.c
 *	  rebound.prefix_rows(): the (prefix, AS) rows of a prefix-to-AS file,
 *	  for rebound.load_prefixes() to store.
 *
 * The file arrives as one text value; its lines are found by a scan for
 * '\n' and each is parsed by core/prefixfile.c, so the whole load is one
 * pass.  The first line that is not a line of the format stops the load
 * with its number and its text quoted: nothing is stored from a file that
 * does not read, and a truncated download is not taken for a table.
 */
#include "rebound.h"

#include <sys/socket.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inet.h"

#include "core/prefixfile.h"

static bool
format_of(const char *name, rb_prefix_format *format)
{
	if (strcmp(name, "pfx2as") == 0)
		*format = RB_PF_PFX2AS;
	else if (strcmp(name, "plain") == 0)
		*format = RB_PF_PLAIN;
	else if (strcmp(name, "geolite2") == 0)
		*format = RB_PF_GEOLITE2;
	else
		return false;
	return true;
}

static Datum
cidr_datum(const rb_prefix_entry *e)
{
	inet	   *res = (inet *) palloc0(sizeof(inet));

	ip_family(res) = e->family == 4 ? PGSQL_AF_INET : PGSQL_AF_INET6;
	ip_bits(res) = e->bits;
	memcpy(ip_addr(res), e->addr, e->family == 4 ? 4 : 16);
	SET_INET_VARSIZE(res);
	return InetPGetDatum(res);
}

PG_FUNCTION_INFO_V1(rebound_prefix_rows);
Datum
rebound_prefix_rows(PG_FUNCTION_ARGS)
{
	text	   *data = PG_GETARG_TEXT_PP(0);
	char	   *fmtname = text_to_cstring(PG_GETARG_TEXT_PP(1));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	rb_prefix_format format;
	const char *s = VARDATA_ANY(data);
	size_t		len = VARSIZE_ANY_EXHDR(data);
	size_t		pos = 0;
	int64		lineno = 0;
	rb_prefix_entry e;

	if (!format_of(fmtname, &format))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown prefix format: \"%s\"", fmtname),
				 errdetail("Formats are pfx2as (CAIDA RouteViews prefix-to-AS), plain (\"prefix AS\" lines) and geolite2 (MaxMind GeoLite2-ASN CSV).")));
	InitMaterializedSRF(fcinfo, 0);

	while (pos < len)
	{
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t		end = nl ? (size_t) (nl - s) : len;
		rb_prefix_status st;

		lineno++;
		if ((lineno & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		st = rb_prefix_parse_line(s + pos, end - pos, format, &e);
		if (st == RB_PL_OK)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = cidr_datum(&e);
			for (int i = 0; i < e.norigins; i++)
			{
				values[1] = Int64GetDatum((int64) e.origins[i]);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
			pfree(DatumGetPointer(values[0]));
		}
		else if (st != RB_PL_SKIP)
		{
			text	   *line = cstring_to_text_with_len(s + pos, end - pos);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid %s line " INT64_FORMAT ": \"%s\"",
							fmtname, lineno, rb_quote_text(line)),
					 st == RB_PL_BAD_PREFIX ?
					 errdetail("\"%.*s\" is no network prefix (an IPv4 or IPv6 address with no bits set right of its length).",
							   (int) e.prefix_len, s + pos + e.prefix_start) :
					 errdetail("%s", rb_prefix_strerror(st, format))));
		}
		pos = end + 1;
	}
	return (Datum) 0;
}
