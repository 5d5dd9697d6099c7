/*
 * ledger.c
 *	  The bounce ledger's C side: normalized addresses, the soft-bounce
 *	  settings, and the two trigger functions that wire a CRM's own bounce
 *	  tables to rebound.
 *
 * capture_bounce copies each inserted row into rebound.bounce through one
 * saved INSERT plan (classification included), so that every flow lands in
 * the ledger the same way rebound.record_bounce() puts it there; at
 * statement level, the whole transition table in batches (capture.c).
 * classify_bounce writes the classification into the CRM's own row.  Both
 * resolve their column arguments at every row: a column renamed or dropped
 * after CREATE TRIGGER is reported at the next row, never misread.
 */
#include "rebound.h"

#include <limits.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "access/xact.h"
#include "miscadmin.h"

#include "core/address.h"
#include "capture.h"

/* Soft-bounce policy; read by the SQL side through current_setting(). */
static int	rb_soft_bounce_limit = 5;
static int	rb_soft_bounce_days = 30;

/* How long an incident's tail lasts, in minutes (issue 18); read likewise. */
static int	rb_tail_horizon = 5 * 24 * 60;

/* Saved plans, one per backend; the plan cache replans them when needed. */
static SPIPlanPtr capture_plan = NULL;
static SPIPlanPtr classify_plan = NULL;

void
rb_ledger_init(void)
{
	DefineCustomIntVariable("rebound.soft_bounce_limit",
							"Soft bounces within rebound.soft_bounce_days that suppress an address.",
							"0 turns the soft-bounce policy off.",
							&rb_soft_bounce_limit,
							5, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("rebound.soft_bounce_days",
							"Length in days of the window in which soft bounces are counted.",
							NULL,
							&rb_soft_bounce_days,
							30, 1, 36500,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	/* 5 days: the longest queue lifetime senders use (Postfix's default) */
	DefineCustomIntVariable("rebound.tail_horizon",
							"How long after an incident's interval its tail lasts: expired mail whose last error was the provider's.",
							"0 turns the tail off; an incident's tail_horizon overrides it.",
							&rb_tail_horizon,
							5 * 24 * 60, 0, 365 * 24 * 60,
							PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
}

PG_FUNCTION_INFO_V1(rebound_normalize_address);
Datum
rebound_normalize_address(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	size_t		len;
	char	   *utf8 = rb_text_to_utf8(in, &len);
	char	   *out = palloc(RB_ADDRESS_BUFSIZE(len));
	size_t		outlen;
	rb_domain_error err;
	char	   *result;

	err = rb_normalize_address(utf8, len, out, &outlen);
	if (err != RB_DOMAIN_OK)
		rb_report_domain_error(err, "e-mail address", in);
	/* back to the database encoding (a no-op in UTF-8 databases) */
	result = pg_any_to_server(out, (int) outlen, PG_UTF8);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/* ------------------------------------------------------------------------
 * Trigger plumbing shared by both functions
 * ------------------------------------------------------------------------ */

typedef struct TriggerCall
{
	const char *func;			/* "capture_bounce" */
	const char *trigger;
	const char *table;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
} TriggerCall;

static TriggerCall
trigger_call(FunctionCallInfo fcinfo, const char *func)
{
	TriggerData *td;
	TriggerCall call;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function rebound.%s() must be called as a trigger", func),
				 errhint("Use it in CREATE TRIGGER ... EXECUTE FUNCTION rebound.%s(...).", func)));
	td = (TriggerData *) fcinfo->context;
	call.func = func;
	call.trigger = td->tg_trigger->tgname;
	call.table = RelationGetRelationName(td->tg_relation);
	call.tupdesc = RelationGetDescr(td->tg_relation);
	call.tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	return call;
}

static void
trigger_context(void *arg)
{
	TriggerCall *call = (TriggerCall *) arg;

	errcontext("%s trigger \"%s\" on table \"%s\"", call->func, call->trigger, call->table);
}

/* The attribute number of a column named by a trigger argument. */
static int
trigger_column(const TriggerCall *call, const char *column, const char *role)
{
	int			attnum = SPI_fnumber(call->tupdesc, column);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" named by trigger \"%s\" does not exist in table \"%s\"",
						column, call->trigger, call->table),
				 errdetail("The %s argument of rebound.%s() must name a column of the table.",
						   role, call->func)));
	return attnum;
}

static void
wrong_type(const TriggerCall *call, const char *column, Oid type, const char *expected)
{
	int			attnum = SPI_fnumber(call->tupdesc, column);
	int32		typmod = attnum > 0 ? TupleDescAttr(call->tupdesc, attnum - 1)->atttypmod : -1;

	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" named by trigger \"%s\" on table \"%s\" has type %s",
					column, call->trigger, call->table,
					format_type_with_typemod(type, typmod)),
			 errdetail("rebound.%s() expects %s there.", call->func, expected)));
}

/* A variable-length string type: text, varchar, bpchar, citext... */
static bool
is_string_type(Oid type)
{
	char		category;
	bool		preferred;

	get_type_category_preferred(type, &category, &preferred);
	return category == TYPCATEGORY_STRING && get_typlen(type) == -1;
}

static Oid
rebound_type(const char *name)
{
	Oid			nsp = get_namespace_oid("rebound", false);

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum(name), ObjectIdGetDatum(nsp));
}

/* ------------------------------------------------------------------------
 * capture_bounce(source, address_column, time_column, diagnostic_column
 *				  [, severity_column])
 * ------------------------------------------------------------------------ */

#define CAPTURE_INSERT \
	"INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic," \
	" source_severity, reply_code, status, reason, severity, infrastructure)" \
	" SELECT rebound.normalize_address($1), rebound.address_domain($1), $4, $2, $3," \
	" pg_catalog.lower($5)::rebound.severity, c.reply_code, c.status, c.reason," \
	" c.severity, c.infrastructure FROM rebound.classify($3) c"

/*
 * A column of the transition table as an SQL expression of the type the
 * ledger stores, checked as the row form checks it.
 */
static char *
statement_column(const TriggerCall *call, const char *column, const char *role,
				 AttrNumber *attnum_out, Oid *type_out)
{
	int			attnum = trigger_column(call, column, role);

	*attnum_out = attnum;
	*type_out = getBaseType(SPI_gettypeid(call->tupdesc, attnum));
	return psprintf("n.%s", quote_identifier(column));
}

void
rb_capture_missing(const char *trigger, const char *table, const char *column,
				   bool address)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("trigger \"%s\" on table \"%s\" found no %s in column \"%s\"",
					trigger, table, address ? "address" : "time", column),
			 errdetail(address ?
					   "A bounce without an address cannot be recorded; the statement is refused rather than leave the row out of the ledger." :
					   "A bounce without the time it occurred cannot be healed after an incident; the statement is refused rather than leave the row out of the ledger.")));
}

/*
 * The statement form: the rows of the transition table recorded set-wise,
 * instead of one SPI call per row.  rb_capture_bulk() (capture.c) writes
 * them as COPY does; where it does not apply (the ledger is not as rebound
 * installs it), one INSERT ... SELECT over the transition table, which
 * the executor handles in full.  The checks are the row form's: the first
 * row without an address or a time fails the statement.
 *
 * Both insert the rows sorted by (domain, address), the leading columns of
 * both of the ledger's text indexes: a bulk load arrives in the CRM's
 * order, which scatters each insert over the whole of those indexes, while
 * sorted keys land on the page the previous insert just touched.  Measured
 * on 300,000 rows (test/bench/copy.sql), the sort saves a quarter of the
 * statement's CPU time, more than it costs.
 */
static void
capture_statement(const TriggerCall *call, TriggerData *td)
{
	Trigger    *tg = td->tg_trigger;
	const char *newtab = quote_identifier(tg->tgnewtable);
	RbCaptureColumns cols = {0};
	char	   *addr;
	char	   *at;
	char	   *diag;
	char	   *sev = "NULL::rebound.severity";
	char	   *sql;
	Datum		source = CStringGetTextDatum(tg->tgargs[0]);
	Oid			argtypes[1] = {TEXTOID};
	ErrorContextCallback errctx;
	int			rc;

	cols.trigger = call->trigger;
	cols.table = call->table;
	cols.source = tg->tgargs[0];
	cols.address_column = tg->tgargs[1];
	cols.time_column = tg->tgargs[2];
	addr = statement_column(call, tg->tgargs[1], "address_column",
							&cols.address, &cols.address_type);
	if (!is_string_type(cols.address_type))
		wrong_type(call, tg->tgargs[1], cols.address_type, "a text column holding the address");
	at = statement_column(call, tg->tgargs[2], "time_column", &cols.time, &cols.time_type);
	if (cols.time_type != TIMESTAMPTZOID && cols.time_type != TIMESTAMPOID)
		wrong_type(call, tg->tgargs[2], cols.time_type, "timestamp with time zone (or timestamp)");
	diag = statement_column(call, tg->tgargs[3], "diagnostic_column",
							&cols.diagnostic, &cols.diagnostic_type);
	if (!is_string_type(cols.diagnostic_type))
		wrong_type(call, tg->tgargs[3], cols.diagnostic_type, "a text column holding the diagnostic");
	if (tg->tgnargs == 5)
	{
		Oid			severity_type = rebound_type("severity");
		Oid			type;
		char	   *s = statement_column(call, tg->tgargs[4], "severity_column",
										 &cols.severity, &type);

		cols.severity_type = type;
		if (type == BOOLOID)
			sev = psprintf("CASE WHEN %s THEN 'hard'::rebound.severity"
						   " WHEN NOT %s THEN 'soft'::rebound.severity END", s, s);
		else if (type == severity_type)
			sev = psprintf("%s::rebound.severity", s);
		else if (is_string_type(type))
			sev = psprintf("pg_catalog.lower(%s::pg_catalog.text)::rebound.severity", s);
		else
			wrong_type(call, tg->tgargs[4], type,
					   "rebound.severity, a text column ('hard', 'soft') or boolean (true for hard)");
	}

	errctx.callback = trigger_context;
	errctx.arg = (void *) call;
	errctx.previous = error_context_stack;
	error_context_stack = &errctx;

	if (rb_capture_bulk(td, &cols))
	{
		error_context_stack = errctx.previous;
		return;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed");

	/* a row the ledger cannot take fails the load, as in the row form */
	sql = psprintf("SELECT %s IS NULL FROM %s n WHERE %s IS NULL OR %s IS NULL LIMIT 1",
				   addr, newtab, addr, at);
	rc = SPI_execute(sql, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the transition table failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;
		bool		no_address = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 1, &isnull));

		rb_capture_missing(call->trigger, call->table, tg->tgargs[no_address ? 1 : 2], no_address);
	}

	sql = psprintf("INSERT INTO rebound.bounce (address, domain, source, occurred_at, diagnostic,"
				   " source_severity, reply_code, status, reason, severity, infrastructure)"
				   " SELECT rebound.normalize_address(%s::pg_catalog.text),"
				   " rebound.address_domain(%s::pg_catalog.text), $1,"
				   " %s::pg_catalog.timestamptz, %s::pg_catalog.text, %s,"
				   " c.reply_code, c.status, c.reason, c.severity, c.infrastructure"
				   " FROM %s n CROSS JOIN LATERAL rebound.classify(%s::pg_catalog.text) c"
				   " ORDER BY 2, 1",
				   addr, addr, at, diag, sev, newtab, diag);
	rc = SPI_execute_with_args(sql, 1, argtypes, &source, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "inserting into rebound.bounce failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	error_context_stack = errctx.previous;
}

PG_FUNCTION_INFO_V1(rebound_capture_bounce);
Datum
rebound_capture_bounce(PG_FUNCTION_ARGS)
{
	TriggerCall call = trigger_call(fcinfo, "capture_bounce");
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg = td->tg_trigger;
	ErrorContextCallback errctx;
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int			attnum;
	Oid			type;
	bool		isnull;
	int			rc;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" must be AFTER INSERT FOR EACH ROW",
						call.trigger, call.table),
				 errdetail("rebound.capture_bounce() copies each row into the ledger once it is inserted.")));
	/* a statement trigger without the rows would record nothing, silently */
	if (TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) && td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" is FOR EACH STATEMENT without REFERENCING NEW TABLE",
						call.trigger, call.table),
				 errdetail("At statement level rebound.capture_bounce() reads the inserted rows from the transition table, without which it would record nothing."),
				 errhint("CREATE TRIGGER ... AFTER INSERT ON %s REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION rebound.capture_bounce(...), or FOR EACH ROW.",
						 quote_identifier(call.table))));
	if (tg->tgnargs != 4 && tg->tgnargs != 5)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" gives rebound.capture_bounce() %d arguments",
						call.trigger, call.table, tg->tgnargs),
				 errdetail("The arguments are: source, address_column, time_column, diagnostic_column and, optionally, severity_column.")));
	if (tg->tgargs[0][0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" names an empty source",
						call.trigger, call.table),
				 errdetail("The first argument of rebound.capture_bounce() names the mail flow, such as 'campaigns'.")));

	if (TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
	{
		capture_statement(&call, td);
		return PointerGetDatum(NULL);
	}

	/* address: any string type, never NULL */
	attnum = trigger_column(&call, tg->tgargs[1], "address_column");
	type = getBaseType(SPI_gettypeid(call.tupdesc, attnum));
	if (!is_string_type(type))
		wrong_type(&call, tg->tgargs[1], type, "a text column holding the address");
	values[0] = SPI_getbinval(call.tuple, call.tupdesc, attnum, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("trigger \"%s\" on table \"%s\" found no address in column \"%s\"",
						call.trigger, call.table, tg->tgargs[1]),
				 errdetail("A bounce without an address cannot be recorded; the row is refused rather than left out of the ledger.")));

	/* time: timestamptz, or timestamp read in the session's time zone */
	attnum = trigger_column(&call, tg->tgargs[2], "time_column");
	type = getBaseType(SPI_gettypeid(call.tupdesc, attnum));
	if (type != TIMESTAMPTZOID && type != TIMESTAMPOID)
		wrong_type(&call, tg->tgargs[2], type, "timestamp with time zone (or timestamp)");
	values[1] = SPI_getbinval(call.tuple, call.tupdesc, attnum, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("trigger \"%s\" on table \"%s\" found no time in column \"%s\"",
						call.trigger, call.table, tg->tgargs[2]),
				 errdetail("A bounce without the time it occurred cannot be healed after an incident; the row is refused rather than left out of the ledger.")));
	if (type == TIMESTAMPOID)
		values[1] = DirectFunctionCall1(timestamp_timestamptz, values[1]);

	/* diagnostic: any string type, NULL allowed (a sender that says only "hard") */
	attnum = trigger_column(&call, tg->tgargs[3], "diagnostic_column");
	type = getBaseType(SPI_gettypeid(call.tupdesc, attnum));
	if (!is_string_type(type))
		wrong_type(&call, tg->tgargs[3], type, "a text column holding the diagnostic");
	values[2] = SPI_getbinval(call.tuple, call.tupdesc, attnum, &isnull);
	if (isnull)
		nulls[2] = 'n';

	values[3] = CStringGetTextDatum(tg->tgargs[0]);

	/* the sender's own verdict: rebound.severity, a string, or boolean (true = hard) */
	nulls[4] = 'n';
	if (tg->tgnargs == 5)
	{
		Oid			severity_type = rebound_type("severity");
		Datum		d;

		attnum = trigger_column(&call, tg->tgargs[4], "severity_column");
		type = getBaseType(SPI_gettypeid(call.tupdesc, attnum));
		if (type != severity_type && type != BOOLOID && !is_string_type(type))
			wrong_type(&call, tg->tgargs[4], type,
					   "rebound.severity, a text column ('hard', 'soft') or boolean (true for hard)");
		d = SPI_getbinval(call.tuple, call.tupdesc, attnum, &isnull);
		if (!isnull)
		{
			nulls[4] = ' ';
			if (type == BOOLOID)
				values[4] = CStringGetTextDatum(DatumGetBool(d) ? "hard" : "soft");
			else if (type == severity_type)
				values[4] = CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(enum_out, d)));
			else
				values[4] = d;
		}
	}

	errctx.callback = trigger_context;
	errctx.arg = &call;
	errctx.previous = error_context_stack;
	error_context_stack = &errctx;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (capture_plan == NULL)
	{
		Oid			argtypes[5] = {TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID};
		SPIPlanPtr	plan = SPI_prepare(CAPTURE_INSERT, 5, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		capture_plan = plan;
	}
	rc = SPI_execute_plan(capture_plan, values, nulls, false, 0);
	if (rc != SPI_OK_INSERT || SPI_processed != 1)
		elog(ERROR, "inserting into rebound.bounce failed: %s", SPI_result_code_string(rc));
	SPI_finish();

	error_context_stack = errctx.previous;
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * classify_bounce(diagnostic_column, reason_column [, severity_column
 *				   [, infrastructure_column]])
 * ------------------------------------------------------------------------ */

#define CLASSIFY_SELECT \
	"SELECT c.reason, c.severity, c.infrastructure FROM rebound.classify($1) c"

/*
 * A target column: the enum itself, or an unconstrained text or varchar
 * (a length limit or a domain would not be checked on a value a BEFORE
 * trigger writes).
 */
static bool
target_accepts(const TriggerCall *call, int attnum, Oid enum_type, Oid *type)
{
	Form_pg_attribute att = TupleDescAttr(call->tupdesc, attnum - 1);

	*type = att->atttypid;
	if (att->atttypid == enum_type || att->atttypid == BOOLOID)
		return true;
	return (att->atttypid == TEXTOID || att->atttypid == VARCHAROID) && att->atttypmod < 0;
}

PG_FUNCTION_INFO_V1(rebound_classify_bounce);
Datum
rebound_classify_bounce(PG_FUNCTION_ARGS)
{
	TriggerCall call = trigger_call(fcinfo, "classify_bounce");
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg = td->tg_trigger;
	static const char *const roles[] = {"reason_column", "severity_column", "infrastructure_column"};
	Oid			enum_types[3];
	int			colnums[3];
	Datum		newvals[3];
	bool		newnulls[3];
	int			ncols = 0;
	int			targets[3];
	Oid			target_types[3];
	Datum		diag;
	bool		isnull;
	int			attnum;
	Oid			type;
	ErrorContextCallback errctx;
	int			rc;

	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" must be BEFORE INSERT OR UPDATE FOR EACH ROW",
						call.trigger, call.table),
				 errdetail("rebound.classify_bounce() writes into the row before it is stored.")));
	if (tg->tgnargs < 2 || tg->tgnargs > 4)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" gives rebound.classify_bounce() %d arguments",
						call.trigger, call.table, tg->tgnargs),
				 errdetail("The arguments are: diagnostic_column, reason_column and, optionally, severity_column and infrastructure_column; an empty name skips a target.")));

	attnum = trigger_column(&call, tg->tgargs[0], "diagnostic_column");
	type = getBaseType(SPI_gettypeid(call.tupdesc, attnum));
	/* the diagnostic is evidence: overwriting it with a verdict loses it */
	for (int i = 1; i < tg->tgnargs; i++)
		if (tg->tgargs[i][0] != '\0' &&
			SPI_fnumber(call.tupdesc, tg->tgargs[i]) == attnum)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("trigger \"%s\" on table \"%s\" names column \"%s\" both as the diagnostic and as the %s",
							call.trigger, call.table, tg->tgargs[0], roles[i - 1]),
					 errdetail("rebound.classify_bounce() would overwrite the diagnostic it classifies."),
					 errhint("Give the verdict columns of their own.")));
	if (!is_string_type(type))
		wrong_type(&call, tg->tgargs[0], type, "a text column holding the diagnostic");
	diag = SPI_getbinval(call.tuple, call.tupdesc, attnum, &isnull);

	enum_types[0] = rebound_type("reason");
	enum_types[1] = rebound_type("severity");
	enum_types[2] = BOOLOID;
	for (int i = 1; i < tg->tgnargs; i++)
	{
		int			t = i - 1;

		if (tg->tgargs[i][0] == '\0')
			continue;
		targets[ncols] = t;
		colnums[ncols] = trigger_column(&call, tg->tgargs[i], roles[t]);
		if (TupleDescAttr(call.tupdesc, colnums[ncols] - 1)->attgenerated)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("column \"%s\" named by trigger \"%s\" on table \"%s\" is a generated column",
							tg->tgargs[i], call.trigger, call.table)));
		if (!target_accepts(&call, colnums[ncols], enum_types[t], &target_types[ncols]) ||
			(t == 2) != (target_types[ncols] == BOOLOID))
			wrong_type(&call, tg->tgargs[i], target_types[ncols],
					   t == 0 ? "rebound.reason, or text or varchar without a length limit" :
					   t == 1 ? "rebound.severity, or text or varchar without a length limit" :
					   "boolean");
		ncols++;
	}
	if (ncols == 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on table \"%s\" gives rebound.classify_bounce() no column to fill",
						call.trigger, call.table)));

	for (int i = 0; i < ncols; i++)
		newnulls[i] = true;

	if (!isnull)
	{
		MemoryContext caller = CurrentMemoryContext;

		errctx.callback = trigger_context;
		errctx.arg = &call;
		errctx.previous = error_context_stack;
		error_context_stack = &errctx;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (classify_plan == NULL)
		{
			Oid			argtypes[1] = {TEXTOID};
			SPIPlanPtr	plan = SPI_prepare(CLASSIFY_SELECT, 1, argtypes);

			if (plan == NULL)
				elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "SPI_keepplan failed");
			classify_plan = plan;
		}
		rc = SPI_execute_plan(classify_plan, &diag, " ", true, 1);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "rebound.classify() returned no row: %s", SPI_result_code_string(rc));
		for (int i = 0; i < ncols; i++)
		{
			bool		null;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										  targets[i] + 1, &null);

			newnulls[i] = null;
			if (null)
				continue;
			if (target_types[i] == TEXTOID || target_types[i] == VARCHAROID)
			{
				/* in the caller's memory: SPI_finish frees SPI's */
				MemoryContext old = MemoryContextSwitchTo(caller);

				newvals[i] = CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(enum_out, d)));
				MemoryContextSwitchTo(old);
			}
			else
				newvals[i] = d;		/* enum and bool are passed by value */
		}
		SPI_finish();
		error_context_stack = errctx.previous;
	}

	return PointerGetDatum(heap_modify_tuple_by_cols(call.tuple, call.tupdesc, ncols,
													 colnums, newvals, newnulls));
}

/* ------------------------------------------------------------------------
 * Who acts, and where heal may run
 * ------------------------------------------------------------------------ */

/*
 * The role on whose behalf rebound's SECURITY DEFINER entry points act:
 * the session's current role (SET ROLE included), not the definer that
 * current_user names inside them.  Audit rows, incidents and the heal log
 * record it, so that nobody can act in someone else's name.
 */
PG_FUNCTION_INFO_V1(rebound_invoker);
Datum
rebound_invoker(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(GetOuterUserId(), false)));
}

/*
 * rebound.heal() commits after each stretch it heals, which it cannot do
 * inside a transaction block: say so before any work is done, rather
 * than at its first COMMIT.
 */
PG_FUNCTION_INFO_V1(rebound_heal_outside_block);
Datum
rebound_heal_outside_block(PG_FUNCTION_ARGS)
{
	PreventInTransactionBlock(true, "CALL rebound.heal()");
	PG_RETURN_VOID();
}
