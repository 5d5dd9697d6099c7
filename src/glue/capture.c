/*
 * capture.c
 *	  capture_bounce at statement level, written the way COPY FROM writes a
 *	  table: the rows of the transition table classified in C, sorted, and
 *	  stored with buffered table_multi_insert calls through a
 *	  BulkInsertState, each row's index entries made after its batch
 *	  (src/backend/commands/copyfrom.c, CopyMultiInsertBufferFlush).
 *
 * The SQL form of the same insert (INSERT ... SELECT from the transition
 * table, ledger.c) spent most of a bulk load outside the ledger's own
 * insert: a tuplestore and a function scan per row for rebound.classify(),
 * the address parsed twice, one WAL record per heap row, heap pages that
 * pushed the indexes' pages out of the shared buffer pool (a bulk-insert
 * ring keeps them to 16 MB here, as COPY's does), and one AFTER trigger
 * event per row for the foreign key on forgiven_by, whose check then
 * fetched the row again to find that column NULL.  Here the address is normalized and its
 * domain taken by the same functions SQL calls, the classifier is the one
 * rebound.classify() runs, the identity, the defaults and the generated
 * column are the table's own expressions, and the indexes are maintained
 * by the executor's ExecInsertIndexTuples: the rows are the ones the SQL
 * form writes.
 *
 * The path applies to the ledger as rebound installs it.  Anything the
 * executor would have to honour beyond that (a trigger someone added on
 * rebound.bounce, row security, a CHECK constraint, a deferrable unique
 * index, a ledger that Citus distributes, no INSERT privilege) sends the
 * statement to the SQL form, decided before any row is written.  Of the
 * triggers rebound itself puts on the ledger, its BEFORE ROW ones fire for
 * each row (is_own_before_row), and the foreign key on forgiven_by needs
 * no check for a captured row: its NULL satisfies it (MATCH SIMPLE).
 */
#include "rebound.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/dependency.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "utils/tuplesort.h"
#include "utils/tuplestore.h"

#include "capture.h"
#include "classify.h"

/* SQL-callable functions of this library, called directly */
extern Datum rebound_normalize_address(PG_FUNCTION_ARGS);
extern Datum rebound_address_domain(PG_FUNCTION_ARGS);

/*
 * A batch: at most this many rows or bytes per table_multi_insert call,
 * COPY's own limits (MAX_BUFFERED_TUPLES, MAX_BUFFERED_BYTES), which keep
 * the memory of a load of any size flat.
 */
#define BATCH_ROWS 1000
#define BATCH_BYTES 65535

/* The ledger columns the capture writes, in this order. */
enum
{
	L_ADDRESS,
	L_DOMAIN,
	L_SOURCE,
	L_OCCURRED_AT,
	L_DIAGNOSTIC,
	L_SOURCE_SEVERITY,
	L_REPLY_CODE,				/* the five of rb_verdict_values(), in its order */
	L_STATUS,
	L_REASON,
	L_SEVERITY,
	L_INFRASTRUCTURE,
	L_NCOLS
};

static const char *const ledger_column_names[L_NCOLS] = {
	"address", "domain", "source", "occurred_at", "diagnostic",
	"source_severity", "reply_code", "status", "reason", "severity",
	"infrastructure"
};

/*
 * A string column read as text, as the SQL form's "column::text" reads it:
 * binary-compatible types as they are, bpchar through its cast (which drops
 * the padding), anything else through its output function.
 */
typedef struct ToText
{
	CoercionPathType path;
	FmgrInfo	func;
} ToText;

static void
to_text_init(ToText *c, Oid type)
{
	Oid			funcid = InvalidOid;

	c->path = find_coercion_pathway(TEXTOID, type, COERCION_EXPLICIT, &funcid);
	if (c->path == COERCION_PATH_FUNC)
		fmgr_info(funcid, &c->func);
	else if (c->path == COERCION_PATH_COERCEVIAIO)
	{
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(type, &out, &varlena);
		fmgr_info(out, &c->func);
	}
	else if (c->path != COERCION_PATH_RELABELTYPE)
		elog(ERROR, "no cast from type %s to text", format_type_be(type));
}

static Datum
to_text(const ToText *c, Datum d)
{
	if (c->path == COERCION_PATH_FUNC)
		return FunctionCall1((FmgrInfo *) &c->func, d);
	if (c->path == COERCION_PATH_COERCEVIAIO)
		return CStringGetTextDatum(OutputFunctionCall((FmgrInfo *) &c->func, d));
	return d;
}

/*
 * Whether a trigger is one of rebound's own BEFORE ROW INSERT triggers on
 * the ledger (its function a member of the extension): fired for each row
 * here, as COPY fires them, before the row joins its batch.  COPY writes
 * row by row when a table has BEFORE ROW triggers, in case one reads the
 * table and expects the rows before it there; rebound's own do not read
 * the ledger (hold_for_restore reads incident, a detection mark writes
 * its own table), and must not start to.
 */
static bool
is_own_before_row(const Trigger *t)
{
	return TRIGGER_FOR_BEFORE(t->tgtype) &&
		getExtensionOfObject(ProcedureRelationId, t->tgfoid) ==
		get_extension_oid("rebound", false);
}

/* Whether a trigger checks a foreign key whose columns are all left NULL. */
static bool
is_null_fk_check(const Trigger *t, const Bitmapset *left_null)
{
	HeapTuple	tup;
	Datum		d;
	bool		isnull;
	ArrayType  *arr;
	int16	   *keys;
	int			nkeys;
	bool		all_null = true;

	if (RI_FKey_trigger_type(t->tgfoid) != RI_TRIGGER_FK || !OidIsValid(t->tgconstraint))
		return false;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(t->tgconstraint));
	if (!HeapTupleIsValid(tup))
		return false;
	d = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
	if (isnull)
	{
		ReleaseSysCache(tup);
		return false;
	}
	arr = DatumGetArrayTypeP(d);
	keys = (int16 *) ARR_DATA_PTR(arr);
	nkeys = ARR_DIMS(arr)[0];
	for (int i = 0; i < nkeys; i++)
		if (!bms_is_member(keys[i], left_null))
			all_null = false;
	ReleaseSysCache(tup);
	return all_null;
}

/*
 * Whether the executor would have nothing to do for a captured row beyond
 * what this file does.  left_null: the columns the capture leaves NULL.
 */
static bool
ledger_is_plain(Relation rel, ResultRelInfo *rri, const Bitmapset *left_null)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
		return false;
	/* a distributed ledger's rows go to its shards, through Citus's executor */
	if (OidIsValid(get_extension_oid("citus", true)))
		return false;
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED)
		return false;
	if (constr != NULL && constr->num_check > 0)
		return false;
	/* a deferred unique check needs an AFTER trigger event per row */
	for (int i = 0; i < rri->ri_NumIndices; i++)
	{
		Form_pg_index idx = rri->ri_IndexRelationDescs[i]->rd_index;

		if (idx->indisunique && !idx->indimmediate)
			return false;
	}
	if (trigdesc == NULL)
		return true;
	for (int i = 0; i < trigdesc->numtriggers; i++)
	{
		const Trigger *t = &trigdesc->triggers[i];

		if (!TRIGGER_FOR_INSERT(t->tgtype) || t->tgenabled == TRIGGER_DISABLED)
			continue;
		if (TRIGGER_FOR_ROW(t->tgtype) &&
			(is_null_fk_check(t, left_null) || is_own_before_row(t)))
			continue;
		return false;
	}
	return true;
}

/* The bulk state: the ledger, its executor state, and the current batch. */
typedef struct Bulk
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	BulkInsertState bistate;
	CommandId	cid;
	TupleDesc	desc;
	int			ndefaults;		/* the columns the table's defaults fill */
	AttrNumber *default_atts;
	ExprState **default_exprs;
	TupleTableSlot *slots[BATCH_ROWS];
	int			nslots;
	Size		bytes;
} Bulk;

/* Stores the batch, then makes each row's index entries. */
static void
flush_batch(Bulk *b)
{
	if (b->nslots == 0)
		return;
	table_multi_insert(b->rel, b->slots, b->nslots, b->cid, 0, b->bistate);
	for (int i = 0; i < b->nslots; i++)
	{
		List	   *recheck;

#if PG_VERSION_NUM >= 160000
		recheck = ExecInsertIndexTuples(b->rri, b->slots[i], b->estate,
										false, false, NULL, NIL, false);
#else
		recheck = ExecInsertIndexTuples(b->rri, b->slots[i], b->estate,
										false, false, NULL, NIL);
#endif
		/* ledger_is_plain() let no deferred unique index through */
		if (recheck != NIL)
			elog(ERROR, "unexpected deferred index check on the ledger");
		ExecClearTuple(b->slots[i]);
		ResetPerTupleExprContext(b->estate);
	}
	b->nslots = 0;
	b->bytes = 0;
}

/*
 * Adds a row (the capture's columns, the others NULL) to the batch: the
 * table's defaults (the identity among them), its generated column, its
 * NOT NULL constraints.
 */
static void
insert_row(Bulk *b, TupleTableSlot *src)
{
	TupleDesc	desc = b->desc;
	ExprContext *econtext = GetPerTupleExprContext(b->estate);
	TupleTableSlot *s;

	if (b->slots[b->nslots] == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(b->estate->es_query_cxt);

		b->slots[b->nslots] = table_slot_create(b->rel, NULL);
		MemoryContextSwitchTo(old);
	}
	s = b->slots[b->nslots];
	ExecClearTuple(s);
	slot_getallattrs(src);
	memcpy(s->tts_values, src->tts_values, sizeof(Datum) * desc->natts);
	memcpy(s->tts_isnull, src->tts_isnull, sizeof(bool) * desc->natts);
	for (int i = 0; i < b->ndefaults; i++)
	{
		AttrNumber	a = b->default_atts[i];

		s->tts_values[a - 1] = ExecEvalExpr(b->default_exprs[i], econtext,
											&s->tts_isnull[a - 1]);
	}
	ExecStoreVirtualTuple(s);
	/* then, as COPY does, the BEFORE ROW triggers, the generated column */
	if (b->rri->ri_TrigDesc != NULL && b->rri->ri_TrigDesc->trig_insert_before_row &&
		!ExecBRInsertTriggers(b->estate, b->rri, s))
	{
		ExecClearTuple(s);
		ResetPerTupleExprContext(b->estate);
		return;
	}
	if (desc->constr != NULL && desc->constr->has_generated_stored)
		ExecComputeStoredGenerated(b->rri, b->estate, s, CMD_INSERT);
	ExecMaterializeSlot(s);
	for (int i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attnotnull && s->tts_isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
							NameStr(TupleDescAttr(desc, i)->attname),
							RelationGetRelationName(b->rel)),
					 errtablecol(b->rel, i + 1)));
	b->bytes += ExecFetchSlotHeapTuple(s, false, NULL)->t_len;
	ResetPerTupleExprContext(b->estate);
	if (++b->nslots == BATCH_ROWS || b->bytes >= BATCH_BYTES)
		flush_batch(b);
}

bool
rb_capture_bulk(TriggerData *td, const RbCaptureColumns *cols)
{
	Oid			relid = get_relname_relid("bounce", rb_extension_schema());
	Relation	rel;
	TupleDesc	desc;
	TupleDesc	crm_desc = RelationGetDescr(td->tg_relation);
	AttrNumber	att[L_NCOLS];
	Bitmapset  *written = NULL;
	Bitmapset  *left_null = NULL;
	AttrNumber *default_atts;
	ExprState **default_exprs;
	int			ndefaults = 0;
	Bulk		b;
	ToText		address_text,
				diagnostic_text,
				severity_text;
	FmgrInfo	severity_in;
	Oid			severity_ioparam;
	Oid			severity_collation = InvalidOid;
	Datum		severity_hard = (Datum) 0,
				severity_soft = (Datum) 0;
	Datum		source;
	Tuplestorestate *ts = td->tg_newtable;
	TupleTableSlot *in;
	TupleTableSlot *row;
	TupleTableSlot *sorted;
	Tuplesortstate *sort;
	AttrNumber	sort_atts[2];
	Oid			sort_ops[2] = {TextLessOperator, TextLessOperator};
	Oid			sort_collations[2];
	bool		sort_nulls_first[2] = {false, false};
	MemoryContext rowcxt;
	MemoryContext old;
	int			readptr;

	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);

	/* the SQL form reports a missing privilege */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
	{
		table_close(rel, NoLock);
		return false;
	}
	for (int i = 0; i < L_NCOLS; i++)
	{
		att[i] = get_attnum(relid, ledger_column_names[i]);
		if (att[i] <= 0)
		{
			table_close(rel, NoLock);
			return false;
		}
		written = bms_add_member(written, att[i]);
	}

	b.rel = rel;
	b.estate = CreateExecutorState();
	b.rri = makeNode(ResultRelInfo);
	InitResultRelInfo(b.rri, rel, 1, NULL, 0);
	ExecOpenIndices(b.rri, false);

	/* the other columns: the table's defaults (the identity among them) */
	old = MemoryContextSwitchTo(b.estate->es_query_cxt);
	default_atts = palloc(sizeof(AttrNumber) * desc->natts);
	default_exprs = palloc(sizeof(ExprState *) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);
		Node	   *expr;

		if (a->attisdropped || a->attgenerated || bms_is_member(a->attnum, written))
			continue;
		expr = build_column_default(rel, a->attnum);
		if (expr == NULL)
		{
			left_null = bms_add_member(left_null, a->attnum);
			continue;
		}
		default_atts[ndefaults] = a->attnum;
		default_exprs[ndefaults] = ExecPrepareExpr((Expr *) expr, b.estate);
		ndefaults++;
	}
	MemoryContextSwitchTo(old);
	b.desc = desc;
	b.ndefaults = ndefaults;
	b.default_atts = default_atts;
	b.default_exprs = default_exprs;

	if (!ledger_is_plain(rel, b.rri, left_null))
	{
		ExecCloseIndices(b.rri);
		FreeExecutorState(b.estate);
		table_close(rel, NoLock);
		return false;
	}

	/* how each CRM column becomes a ledger value */
	to_text_init(&address_text, cols->address_type);
	to_text_init(&diagnostic_text, cols->diagnostic_type);
	if (cols->severity > 0)
	{
		Oid			severity_type = get_atttype(relid, att[L_SOURCE_SEVERITY]);
		Oid			infunc;

		getTypeInputInfo(severity_type, &infunc, &severity_ioparam);
		fmgr_info(infunc, &severity_in);
		if (cols->severity_type == BOOLOID)
		{
			severity_hard = InputFunctionCall(&severity_in, "hard", severity_ioparam, -1);
			severity_soft = InputFunctionCall(&severity_in, "soft", severity_ioparam, -1);
		}
		else if (cols->severity_type != severity_type)
		{
			to_text_init(&severity_text, cols->severity_type);
			severity_collation = TupleDescAttr(crm_desc, cols->severity - 1)->attcollation;
			if (!OidIsValid(severity_collation))
				severity_collation = DEFAULT_COLLATION_OID;
		}
	}
	source = CStringGetTextDatum(cols->source);

	/* as SPI does before a statement that writes */
	CommandCounterIncrement();
	b.cid = GetCurrentCommandId(true);
	b.bistate = GetBulkInsertState();
	b.nslots = 0;
	b.bytes = 0;
	memset(b.slots, 0, sizeof(b.slots));

	/*
	 * Sorted by (domain, address), the leading columns of the ledger's
	 * primary key and address index: a load in the CRM's own order would
	 * scatter its inserts over the whole of both indexes, sorted keys land
	 * on the page the previous row touched.  The sort spills to disk past
	 * work_mem, as the SQL form's ORDER BY does.
	 */
	sort_atts[0] = att[L_DOMAIN];
	sort_atts[1] = att[L_ADDRESS];
	sort_collations[0] = TupleDescAttr(desc, att[L_DOMAIN] - 1)->attcollation;
	sort_collations[1] = TupleDescAttr(desc, att[L_ADDRESS] - 1)->attcollation;
	sort = tuplesort_begin_heap(desc, 2, sort_atts, sort_ops, sort_collations,
								sort_nulls_first, work_mem, NULL, TUPLESORT_NONE);

	in = MakeSingleTupleTableSlot(crm_desc, &TTSOpsMinimalTuple);
	row = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "rebound capture row",
								   ALLOCSET_DEFAULT_SIZES);

	/*
	 * Our own read pointer, as a NamedTuplestoreScan takes one: another
	 * trigger of the same statement reads the same transition table.
	 */
	readptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, readptr);
	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, in))
	{
		Datum	   *v = row->tts_values;
		bool	   *n = row->tts_isnull;
		Datum		address;
		Datum		d;
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(rowcxt);
		old = MemoryContextSwitchTo(rowcxt);
		ExecClearTuple(row);
		memset(n, true, sizeof(bool) * desc->natts);

		/* a row the ledger cannot take fails the load, as in the row form */
		d = slot_getattr(in, cols->address, &isnull);
		if (isnull)
			rb_capture_missing(cols->trigger, cols->table, cols->address_column, true);
		address = to_text(&address_text, d);
		d = slot_getattr(in, cols->time, &isnull);
		if (isnull)
			rb_capture_missing(cols->trigger, cols->table, cols->time_column, false);
		if (cols->time_type == TIMESTAMPOID)
			d = DirectFunctionCall1(timestamp_timestamptz, d);
		v[att[L_OCCURRED_AT] - 1] = d;
		n[att[L_OCCURRED_AT] - 1] = false;

		v[att[L_ADDRESS] - 1] = DirectFunctionCall1(rebound_normalize_address, address);
		n[att[L_ADDRESS] - 1] = false;
		v[att[L_DOMAIN] - 1] = DirectFunctionCall1(rebound_address_domain, address);
		n[att[L_DOMAIN] - 1] = false;
		v[att[L_SOURCE] - 1] = source;
		n[att[L_SOURCE] - 1] = false;

		/* classified as rebound.classify() does; a NULL text, no verdict */
		d = slot_getattr(in, cols->diagnostic, &isnull);
		if (!isnull)
		{
			Datum		verdict[5];
			bool		verdict_null[5];
			rb_classify_input cin = {0};
			rb_verdict	vd;
			size_t		len;

			d = to_text(&diagnostic_text, d);
			v[att[L_DIAGNOSTIC] - 1] = d;
			n[att[L_DIAGNOSTIC] - 1] = false;
			cin.text = rb_text_to_utf8(DatumGetTextPP(d), &len);
			cin.len = len;
			rb_classify_with_rules(&cin, &vd);
			rb_verdict_values(&vd, verdict, verdict_null);
			for (int i = 0; i < 5; i++)
			{
				v[att[L_REPLY_CODE + i] - 1] = verdict[i];
				n[att[L_REPLY_CODE + i] - 1] = verdict_null[i];
			}
		}

		/* the sender's verdict: severity, boolean (true = hard) or text */
		if (cols->severity > 0)
		{
			d = slot_getattr(in, cols->severity, &isnull);
			if (!isnull)
			{
				if (cols->severity_type == BOOLOID)
					d = DatumGetBool(d) ? severity_hard : severity_soft;
				else if (OidIsValid(severity_collation))
				{
					d = DirectFunctionCall1Coll(lower, severity_collation,
												to_text(&severity_text, d));
					d = InputFunctionCall(&severity_in, TextDatumGetCString(d),
										  severity_ioparam, -1);
				}
				v[att[L_SOURCE_SEVERITY] - 1] = d;
				n[att[L_SOURCE_SEVERITY] - 1] = false;
			}
		}

		ExecStoreVirtualTuple(row);
		tuplesort_puttupleslot(sort, row);
		MemoryContextSwitchTo(old);
	}
	tuplestore_select_read_pointer(ts, 0);
	ExecDropSingleTupleTableSlot(in);
	ExecDropSingleTupleTableSlot(row);
	MemoryContextDelete(rowcxt);

	tuplesort_performsort(sort);

	sorted = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	while (tuplesort_gettupleslot(sort, true, false, sorted, NULL))
	{
		CHECK_FOR_INTERRUPTS();
		insert_row(&b, sorted);
	}
	flush_batch(&b);

	ExecDropSingleTupleTableSlot(sorted);
	for (int i = 0; i < BATCH_ROWS && b.slots[i] != NULL; i++)
		ExecDropSingleTupleTableSlot(b.slots[i]);
	tuplesort_end(sort);
	FreeBulkInsertState(b.bistate);
	table_finish_bulk_insert(rel, 0);
	ExecCloseIndices(b.rri);
	FreeExecutorState(b.estate);
	table_close(rel, NoLock);
	return true;
}
