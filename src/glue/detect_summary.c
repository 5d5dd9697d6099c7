/*
 * detect_summary.c
 *	  The writers' side of the detection summary (src/sql/code/detect.sql,
 *	  "The detection summary"): the trigger that marks in detect_dirty the
 *	  stretch of time a change of the ledger, the provider map or the
 *	  catalogue makes stale, in the writer's own transaction.
 *
 *	  Every writer of a row that counts takes ROW EXCLUSIVE on
 *	  detect_summary and keeps it until it commits; a summariser's claim
 *	  takes SHARE ROW EXCLUSIVE, so it waits for the writers in flight, and
 *	  the writers after it read the claimed end (with the latest snapshot:
 *	  a REPEATABLE READ writer's own snapshot may predate the claim) and
 *	  mark every row before it.  What a writer learns is kept for its
 *	  transaction: the summarised end cannot move while it holds the lock,
 *	  and a bucket marked once needs no second mark.  A subtransaction that
 *	  aborts takes its marks (and maybe the lock) with it: then everything
 *	  is forgotten.
 *
 *	  A row trigger per row, in C, because a bulk capture of a million
 *	  bounces calls it a million times: a row that is not a hard bounce, or
 *	  falls after the summarised end, costs a few comparisons.
 */
#include "rebound.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rangetypes.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* What this backend knows of the summary in the current transaction. */
static struct
{
	bool		known;			/* read under the lock in this transaction */
	bool		active;			/* something summarised or claimed */
	TimestampTz end;			/* greatest(summarised_to, claimed_to) */
	int			bucket_seconds;
	bool		all_marked;		/* (-infinity, infinity) marked */
	HTAB	   *buckets;		/* buckets marked, in TopTransactionContext */
} summary;

static bool callbacks_registered = false;

/* The enum value 'hard' of rebound.severity, found once. */
static Oid	severity_type = InvalidOid;
static Oid	severity_hard = InvalidOid;

static void
forget(bool destroy)
{
	summary.known = false;
	summary.all_marked = false;
	if (destroy && summary.buckets != NULL)
		hash_destroy(summary.buckets);
	summary.buckets = NULL;
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the hash went with TopTransactionContext */
			forget(false);
			break;
		default:
			break;
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget(true);
}

/*
 * Take the writers' lock (kept to the end of the transaction) and, when
 * newly taken or not yet read, read the summarised end with the latest
 * snapshot, as the extension's owner.
 */
static void
know_summary(Oid nsp)
{
	Oid			relid = get_relname_relid("detect_summary", nsp);
	LOCKTAG		tag;
	LockAcquireResult res;
	rb_owner_switch sw;
	SPIPlanPtr	plan;
	char	   *sql;
	bool		isnull;
	Datum		v;

	if (!callbacks_registered)
	{
		RegisterXactCallback(xact_callback, NULL);
		RegisterSubXactCallback(subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (!OidIsValid(relid))
		elog(ERROR, "table detect_summary of rebound is missing");
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	res = LockAcquire(&tag, RowExclusiveLock, false, false);
	if (res != LOCKACQUIRE_ALREADY_HELD && res != LOCKACQUIRE_ALREADY_CLEAR)
		summary.known = false;
	if (summary.known)
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rb_become_extension_owner(&sw);
	sql = psprintf("SELECT s.bucket_seconds, GREATEST(s.summarised_to, s.claimed_to)"
				   " FROM %s.detect_summary s", rb_extension_schema_quoted());
	plan = SPI_prepare(sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "rebound: cannot prepare the summary query: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "rebound: reading the detection summary failed");
	summary.active = false;
	if (SPI_processed == 1)
	{
		v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		if (!isnull)
		{
			summary.active = true;
			summary.end = DatumGetTimestampTz(v);
			v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			summary.bucket_seconds = isnull ? 0 : DatumGetInt32(v);
		}
	}
	rb_restore_user(&sw);
	SPI_finish();
	summary.known = true;
}

/* Insert one mark, [lo, hi] (NULL: unbounded), as the extension's owner. */
static void
insert_mark(bool lo_inf, TimestampTz lo, bool hi_inf, TimestampTz hi)
{
	rb_owner_switch sw;
	Oid			types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	char	   *sql;

	args[0] = TimestampTzGetDatum(lo);
	args[1] = TimestampTzGetDatum(hi);
	if (lo_inf)
		nulls[0] = 'n';
	if (hi_inf)
		nulls[1] = 'n';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rb_become_extension_owner(&sw);
	sql = psprintf("INSERT INTO %s.detect_dirty (during)"
				   " VALUES (pg_catalog.tstzrange($1, $2, '[]'))",
				   rb_extension_schema_quoted());
	if (SPI_execute_with_args(sql, 2, types, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "rebound: marking the detection summary failed");
	rb_restore_user(&sw);
	SPI_finish();
}

static void
mark_all(Oid nsp)
{
	know_summary(nsp);
	if (!summary.active || summary.all_marked)
		return;
	insert_mark(true, 0, true, 0);
	summary.all_marked = true;
}

/*
 * Mark the bucket of a bounce at t, once per transaction: the whole
 * bucket, both ends included, which a reader of any rounding widens to
 * the buckets that hold them.
 */
static void
mark_bucket(Oid nsp, TimestampTz t)
{
	int64		b;
	bool		found;
	TimestampTz lo;

	know_summary(nsp);
	if (!summary.active || summary.all_marked || summary.bucket_seconds <= 0 ||
		TIMESTAMP_NOT_FINITE(t) || t >= summary.end)
	{
		/* an infinite time falls in no bucket detection reads */
		return;
	}
	b = (int64) floor(((double) (t - SetEpochTimestamp()) / 1000000.0) /
					  (double) summary.bucket_seconds);
	if (summary.buckets == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(int64);
		ctl.hcxt = TopTransactionContext;
		summary.buckets = hash_create("rebound marked buckets", 64, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	hash_search(summary.buckets, &b, HASH_ENTER, &found);
	if (found)
		return;
	lo = b * summary.bucket_seconds * USECS_PER_SEC + SetEpochTimestamp();
	insert_mark(false, lo, false, lo + (TimestampTz) summary.bucket_seconds * USECS_PER_SEC);
}

/* Hosts with more domains than this are marked by time, not per bounce. */
#define MAX_HOST_DOMAINS 1000

/*
 * Mark what a change of the map's history over [lo, hi] (either end may be
 * infinite) makes stale: the buckets of that stretch, before the
 * summarised end, that hold an infrastructure hard bounce of the domain
 * (a row of domain_host) or of a domain of the host (a row of
 * host_address); no other bucket's counts read that row.  A host of very
 * many domains (a large provider's mail host renumbered) marks the whole
 * stretch instead of reading their bounces.  The bounces are read with
 * the latest snapshot: one committed since this transaction's snapshot is
 * counted by the next summariser run, unless it was late, in which case
 * its own writer marked it.
 */
static void
mark_stretch(Oid nsp, bool by_domain, Datum key, const RangeBound *lo, const RangeBound *hi)
{
	bool		lo_inf = lo->infinite || TIMESTAMP_IS_NOBEGIN(DatumGetTimestampTz(lo->val));
	bool		hi_inf = hi->infinite || TIMESTAMP_IS_NOEND(DatumGetTimestampTz(hi->val));
	TimestampTz t0 = lo_inf ? DT_NOBEGIN : DatumGetTimestampTz(lo->val);
	TimestampTz t1 = hi_inf ? DT_NOEND : DatumGetTimestampTz(hi->val);
	rb_owner_switch sw;
	char	   *schema;
	char	   *sql;
	SPIPlanPtr	plan;
	Oid			types[5] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT8OID};
	Datum		args[5];
	bool		isnull;

	know_summary(nsp);
	if (!summary.active || summary.all_marked || summary.bucket_seconds <= 0)
		return;
	if (t0 >= summary.end)
		return;
	schema = rb_extension_schema_quoted();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rb_become_extension_owner(&sw);
	if (!by_domain)
	{
		int64		domains;

		sql = psprintf("SELECT pg_catalog.count(DISTINCT dh.domain) FROM %s.domain_host dh"
					   " WHERE dh.host OPERATOR(pg_catalog.=) $1", schema);
		plan = SPI_prepare(sql, 1, types);
		if (plan == NULL ||
			SPI_execute_snapshot(plan, &key, NULL, GetLatestSnapshot(), InvalidSnapshot,
								 true, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "rebound: marking the detection summary failed");
		domains = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (domains > MAX_HOST_DOMAINS)
		{
			rb_restore_user(&sw);
			SPI_finish();
			insert_mark(lo_inf, t0, hi_inf, t1);
			return;
		}
	}
	sql = psprintf("INSERT INTO %s.detect_dirty (during)"
				   " SELECT DISTINCT pg_catalog.tstzrange("
				   "  pg_catalog.to_timestamp(s.b OPERATOR(pg_catalog.*) $5),"
				   "  pg_catalog.to_timestamp((s.b OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.*) $5), '[]')"
				   " FROM (SELECT pg_catalog.floor(pg_catalog.date_part('epoch', x.occurred_at)"
				   "   OPERATOR(pg_catalog./) $5) AS b"
				   "  FROM %s.bounce x"
				   "  WHERE x.domain OPERATOR(pg_catalog.=) ANY (%s)"
				   "   AND x.hard AND x.infrastructure"
				   "   AND x.occurred_at OPERATOR(pg_catalog.>=) $2 AND x.occurred_at OPERATOR(pg_catalog.<=) $3"
				   "   AND x.occurred_at OPERATOR(pg_catalog.<) $4) s",
				   schema, schema,
				   by_domain ? "ARRAY[$1]" :
				   psprintf("ARRAY(SELECT DISTINCT dh.domain FROM %s.domain_host dh"
							" WHERE dh.host OPERATOR(pg_catalog.=) $1)", schema));
	plan = SPI_prepare(sql, 5, types);
	args[0] = key;
	args[1] = TimestampTzGetDatum(t0);
	args[2] = TimestampTzGetDatum(t1);
	args[3] = TimestampTzGetDatum(summary.end);
	args[4] = Float8GetDatum((double) summary.bucket_seconds);
	if (plan == NULL ||
		SPI_execute_snapshot(plan, args, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 false, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "rebound: marking the detection summary failed");
	rb_restore_user(&sw);
	SPI_finish();
}

static int
attnum_of(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "rebound: column \"%s\" not found by the detection summary's trigger", name);
	return n;
}

static bool
severity_is_hard(Oid typid, Datum v)
{
	if (typid != severity_type)
	{
		severity_hard = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
										ObjectIdGetDatum(typid),
										CStringGetDatum("hard"));
		severity_type = typid;
	}
	return DatumGetObjectId(v) == severity_hard;
}

/*
 * Whether a version of a bounce counts for detection: a hard bounce.  A
 * new version's generated column hard is not computed yet in a BEFORE
 * trigger: it is worked out from the two severities as the column is.
 */
static bool
counts(HeapTuple tup, TupleDesc desc, bool stored)
{
	bool		isnull;
	Datum		v;
	int			a;

	if (stored)
	{
		v = heap_getattr(tup, attnum_of(desc, "hard"), desc, &isnull);
		return !isnull && DatumGetBool(v);
	}
	a = attnum_of(desc, "severity");
	v = heap_getattr(tup, a, desc, &isnull);
	if (!isnull && severity_is_hard(TupleDescAttr(desc, a - 1)->atttypid, v))
		return true;
	a = attnum_of(desc, "source_severity");
	v = heap_getattr(tup, a, desc, &isnull);
	return !isnull && severity_is_hard(TupleDescAttr(desc, a - 1)->atttypid, v);
}

static void
mark_bounce(Oid nsp, HeapTuple tup, TupleDesc desc, bool stored)
{
	bool		isnull;
	Datum		t;

	if (!counts(tup, desc, stored))
		return;
	t = heap_getattr(tup, attnum_of(desc, "occurred_at"), desc, &isnull);
	if (!isnull)
		mark_bucket(nsp, DatumGetTimestampTz(t));
}

static void
observed_of(HeapTuple tup, TupleDesc desc, RangeBound *lo, RangeBound *hi)
{
	bool		isnull,
				empty;
	int			a = attnum_of(desc, "observed");
	Datum		v = heap_getattr(tup, a, desc, &isnull);
	RangeType  *r;
	TypeCacheEntry *tc;

	if (isnull)
	{
		/* a NOT NULL column: mark everything rather than guess */
		lo->infinite = hi->infinite = true;
		return;
	}
	r = DatumGetRangeTypeP(v);
	tc = lookup_type_cache(RangeTypeGetOid(r), TYPECACHE_RANGE_INFO);
	range_deserialize(tc, r, lo, hi, &empty);
	if (empty)
		lo->infinite = hi->infinite = true;
}

static int
cmp_bound(const RangeBound *a, const RangeBound *b, bool lower)
{
	if (a->infinite || b->infinite)
	{
		if (a->infinite && b->infinite)
			return 0;
		/* an infinite lower bound is the smallest, an upper the largest */
		return (a->infinite == lower) ? -1 : 1;
	}
	return timestamptz_cmp_internal(DatumGetTimestampTz(a->val), DatumGetTimestampTz(b->val));
}

/*
 * A row of domain_host or host_address: the interval it holds (insert,
 * delete, another key), or the parts of it that moved (an end moved: an
 * observation extended or cut it).  The first key column names the
 * domain (domain_host) or the host (host_address).
 */
static void
mark_history(Oid nsp, TriggerData *td)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	RangeBound	olo,
				ohi,
				nlo,
				nhi;
	bool		same_key = true;
	bool		by_domain;
	int			keyatt,
				i;
	Datum		okey = (Datum) 0,
				nkey = (Datum) 0;
	bool		knull;

	if (td->tg_trigger->tgnargs < 2)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rebound.detect_mark('history') needs the key columns, the domain or the host first")));
	by_domain = strcmp(td->tg_trigger->tgargs[1], "domain") == 0;
	keyatt = attnum_of(desc, td->tg_trigger->tgargs[1]);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		observed_of(td->tg_trigtuple, desc, &nlo, &nhi);
		nkey = heap_getattr(td->tg_trigtuple, keyatt, desc, &knull);
		if (!knull)
			mark_stretch(nsp, by_domain, nkey, &nlo, &nhi);
		return;
	}
	observed_of(td->tg_trigtuple, desc, &olo, &ohi);
	okey = heap_getattr(td->tg_trigtuple, keyatt, desc, &knull);
	if (knull)
		return;
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		mark_stretch(nsp, by_domain, okey, &olo, &ohi);
		return;
	}
	observed_of(td->tg_newtuple, desc, &nlo, &nhi);
	nkey = heap_getattr(td->tg_newtuple, keyatt, desc, &knull);
	for (i = 1; i < td->tg_trigger->tgnargs; i++)
	{
		int			a = attnum_of(desc, td->tg_trigger->tgargs[i]);
		Form_pg_attribute att = TupleDescAttr(desc, a - 1);
		bool		n1,
					n2;
		Datum		v1 = heap_getattr(td->tg_trigtuple, a, desc, &n1);
		Datum		v2 = heap_getattr(td->tg_newtuple, a, desc, &n2);

		if (n1 != n2 || (!n1 && !datumIsEqual(v1, v2, att->attbyval, att->attlen)))
			same_key = false;
	}
	if (!same_key)
	{
		mark_stretch(nsp, by_domain, okey, &olo, &ohi);
		if (!knull)
			mark_stretch(nsp, by_domain, nkey, &nlo, &nhi);
		return;
	}
	if (cmp_bound(&olo, &nlo, true) != 0)
	{
		if (cmp_bound(&olo, &nlo, true) < 0)
			mark_stretch(nsp, by_domain, okey, &olo, &nlo);
		else
			mark_stretch(nsp, by_domain, okey, &nlo, &olo);
	}
	if (cmp_bound(&ohi, &nhi, false) != 0)
	{
		if (cmp_bound(&ohi, &nhi, false) < 0)
			mark_stretch(nsp, by_domain, okey, &ohi, &nhi);
		else
			mark_stretch(nsp, by_domain, okey, &nhi, &ohi);
	}
}

PG_FUNCTION_INFO_V1(rebound_detect_mark);
Datum
rebound_detect_mark(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			nsp;
	const char *what;
	HeapTuple	ret;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rebound.detect_mark() must be called as a trigger")));
	if (td->tg_trigger->tgnargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rebound.detect_mark() needs an argument: bounce, history or all")));
	/* the tables are in the extension's schema, the function is not */
	nsp = rb_extension_schema();
	what = td->tg_trigger->tgargs[0];
	ret = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;

	if (strcmp(what, "all") == 0)
	{
		mark_all(nsp);
		return PointerGetDatum(TRIGGER_FIRED_FOR_ROW(td->tg_event) ? ret : NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rebound.detect_mark('%s') must be fired BEFORE, FOR EACH ROW", what)));
	if (strcmp(what, "bounce") == 0)
	{
		TupleDesc	desc = RelationGetDescr(td->tg_relation);

		if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
			mark_bounce(nsp, td->tg_trigtuple, desc, false);
		else
		{
			mark_bounce(nsp, td->tg_trigtuple, desc, true);
			if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
				mark_bounce(nsp, td->tg_newtuple, desc, false);
		}
	}
	else if (strcmp(what, "history") == 0)
		mark_history(nsp, td);
	else
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("unknown argument \"%s\" of rebound.detect_mark()", what),
				 errhint("The argument is bounce, history or all.")));
	return PointerGetDatum(ret);
}

/*
 * detect_forget(): the summariser changed the summary in this transaction
 * (which a writer of the same transaction would otherwise not see).
 */
PG_FUNCTION_INFO_V1(rebound_detect_forget);
Datum
rebound_detect_forget(PG_FUNCTION_ARGS)
{
	forget(true);
	PG_RETURN_VOID();
}
