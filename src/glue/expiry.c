/*
 * expiry.c
 *	  rebound.expiry(text): what core/expiry.c reads in a diagnostic, as a
 *	  row, for the tail of an incident (src/sql/code/ledger.sql).
 */
#include "rebound.h"
#include "core/expiry.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/inet.h"

/* (expired, kind, host, addr): host in lower case, addr an inet. */
PG_FUNCTION_INFO_V1(rebound_expiry);
Datum
rebound_expiry(PG_FUNCTION_ARGS)
{
	text	   *diag = PG_GETARG_TEXT_PP(0);
	rb_expiry	e;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	const char *kind;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	/* The wordings are ASCII, which every server encoding extends. */
	rb_expiry_scan(VARDATA_ANY(diag), VARSIZE_ANY_EXHDR(diag), &e);
	values[0] = BoolGetDatum(e.expired);
	kind = rb_failure_kind_name(e.kind);
	if (kind != NULL)
		values[1] = CStringGetTextDatum(kind);
	else
		nulls[1] = true;
	if (e.host_len > 0)
	{
		char	   *h = pnstrdup(e.host, e.host_len);
		size_t		i;

		for (i = 0; i < e.host_len; i++)
			if (h[i] >= 'A' && h[i] <= 'Z')
				h[i] += 'a' - 'A';
		values[2] = CStringGetTextDatum(h);
	}
	else
		nulls[2] = true;
	if (e.addr_len > 0)
		values[3] = DirectFunctionCall1(inet_in,
										CStringGetDatum(pnstrdup(e.addr, e.addr_len)));
	else
		nulls[3] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
