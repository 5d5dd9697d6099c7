/*
 * history.c
 *	  rebound.observe_domain(), rebound.observe_host(), rebound.observe()
 *	  and rebound.observed_hosts(): observations written into domain_host
 *	  and host_address.
 *
 * The merge itself is core/history.c; this file normalizes what was
 * observed, takes the writers' locks, reads a key's rows, and applies the
 * changes the merge returns through SPI.
 *
 * Locking.  Writers of one key (a domain's MX or NS role, a host's
 * addresses) take turns on a row of rebound.observation_lock, locked by
 * INSERT ... ON CONFLICT DO UPDATE: only roles that may write that table
 * can lock its rows, so a role without grants cannot stall observations
 * (it could with the advisory locks of 0.1.0), and a key's lock is its own,
 * never shared with unrelated keys.  A call locks all the keys it writes in
 * one statement, in one global order (kind, then name, byte order), so two
 * calls never wait for each other in a cycle, whether their keys are
 * disjoint or overlap.  Locks are held until the transaction ends.
 */
#include "rebound.h"

#include <sys/socket.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "core/domain.h"
#include "core/history.h"

extern Datum rebound_normalize_domain(PG_FUNCTION_ARGS);

typedef enum ObservedKind
{
	KIND_ADDR,					/* host_address, by host */
	KIND_MX,					/* domain_host, by domain, role 'mx' */
	KIND_NS						/* domain_host, by domain, role 'ns' */
} ObservedKind;

static const char *const kind_names[] = {"addr", "mx", "ns"};

/*
 * One observation, normalized: the key, and its set of values.  For
 * domains a value is a host name ("" for none, "." for a null MX) and its
 * preference (-1: none); for hosts an address (NULL for none).
 */
typedef struct Observation
{
	ObservedKind kind;
	char	   *name;
	TimestampTz at;
	int			order;			/* position in the caller's input */
	int			nvalues;
	char	  **hosts;
	int32	   *prefs;
	inet	  **addrs;
} Observation;

/*
 * The host set of an observation of a domain.  Elements are host names,
 * or for MX "preference host" as in a zone file; names are normalized,
 * "." (a null MX) kept, duplicates merged (lowest preference), and an
 * empty set becomes the one host "".
 */
static int
ParseHostSet(bool is_mx, ArrayType *arr, char ***hostsp, int32 **prefsp)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	  **hosts;
	int32	   *prefs;
	int			nhosts = 0;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	hosts = palloc(sizeof(char *) * (n + 1));
	prefs = palloc(sizeof(int32) * (n + 1));

	for (int i = 0; i < n; i++)
	{
		text	   *t;
		size_t		len;
		char	   *s;
		size_t		start = 0;
		int32		pref = -1;
		char		norm[RB_DOMAIN_BUFSIZE];
		size_t		normlen;
		char	   *host;
		bool		dup = false;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		s = rb_text_to_utf8(t, &len);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		while (start < len && (s[start] == ' ' || s[start] == '\t'))
			start++;
		if (start == len)
			continue;
		if (is_mx)
		{
			size_t		p = start;

			while (p < len && p - start < 6 && s[p] >= '0' && s[p] <= '9')
				p++;
			if (p > start && p - start <= 5 && p < len && (s[p] == ' ' || s[p] == '\t'))
			{
				size_t		q = p;

				while (q < len && (s[q] == ' ' || s[q] == '\t'))
					q++;
				if (memchr(s + q, ' ', len - q) == NULL && memchr(s + q, '\t', len - q) == NULL)
				{
					pref = 0;
					for (size_t k = start; k < p; k++)
						pref = pref * 10 + (s[k] - '0');
					start = q;
				}
			}
		}
		if (len - start == 1 && s[start] == '.')
			host = ".";
		else
		{
			rb_domain_error err = rb_normalize_domain(s + start, len - start, norm, &normlen);

			if (err != RB_DOMAIN_OK)
				ereport(ERROR,
						(errcode(err == RB_DOMAIN_ICU_FAILURE ?
								 ERRCODE_INTERNAL_ERROR : ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid host name: \"%s\"", rb_quote_text(t)),
						 errdetail("%s", rb_domain_strerror(err))));
			host = pstrdup(norm);
		}
		for (int k = 0; k < nhosts; k++)
			if (strcmp(hosts[k], host) == 0)
			{
				if (pref >= 0 && (prefs[k] < 0 || pref < prefs[k]))
					prefs[k] = pref;
				dup = true;
				break;
			}
		if (!dup)
		{
			hosts[nhosts] = host;
			prefs[nhosts++] = pref;
		}
	}
	if (nhosts == 0)
	{
		hosts[0] = "";
		prefs[0] = -1;
		nhosts = 1;
	}
	*hostsp = hosts;
	*prefsp = prefs;
	return nhosts;
}

static bool
SameAddr(const inet *a, const inet *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return ip_family(a) == ip_family(b) && ip_bits(a) == ip_bits(b) &&
		memcmp(ip_addr(a), ip_addr(b), ip_addrsize(a)) == 0;
}

/* Host addresses, without masks, distinct; an empty set is NULL. */
static int
ParseAddrSet(ArrayType *arr, inet ***addrsp)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	inet	  **addrs;
	int			naddrs = 0;

	deconstruct_array(arr, INETOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	addrs = palloc(sizeof(inet *) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		inet	   *a;
		bool		dup = false;

		if (nulls[i])
			continue;
		a = (inet *) PG_DETOAST_DATUM_COPY(elems[i]);
		ip_bits(a) = ip_family(a) == PGSQL_AF_INET ? 32 : 128;
		for (int k = 0; k < naddrs && !dup; k++)
			dup = SameAddr(addrs[k], a);
		if (!dup)
			addrs[naddrs++] = a;
	}
	if (naddrs == 0)
		addrs[naddrs++] = NULL;
	*addrsp = addrs;
	return naddrs;
}

static void
CheckTime(TimestampTz at)
{
	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid observation time: \"%s\"",
						DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(at)))),
				 errdetail("An observation happens at a finite time.")));
}

static char *
NormalizeName(text *name)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(rebound_normalize_domain,
															  PointerGetDatum(name))));
}

/*
 * An observation of a domain's role; false when there is none (hosts NULL:
 * the lookup failed).  Checks in the order observe_domain always did.
 */
static bool
MakeDomainObservation(Observation *o, text *domain, text *role, ArrayType *hosts,
					  bool at_null, TimestampTz at)
{
	char	   *r;

	if (hosts == NULL)
		return false;
	if (domain == NULL || role == NULL || at_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("domain, role and time of an observation must not be null")));
	r = text_to_cstring(role);
	if (strcmp(r, "mx") == 0)
		o->kind = KIND_MX;
	else if (strcmp(r, "ns") == 0)
		o->kind = KIND_NS;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid role: \"%s\"", r),
				 errdetail("The role of a domain's host is 'mx' or 'ns'.")));
	CheckTime(at);
	o->name = NormalizeName(domain);
	o->at = at;
	o->nvalues = ParseHostSet(o->kind == KIND_MX, hosts, &o->hosts, &o->prefs);
	o->addrs = NULL;
	return true;
}

static bool
MakeHostObservation(Observation *o, text *host, ArrayType *addrs,
					bool at_null, TimestampTz at)
{
	if (addrs == NULL)
		return false;
	if (host == NULL || at_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("host and time of an observation must not be null")));
	CheckTime(at);
	o->kind = KIND_ADDR;
	o->name = NormalizeName(host);
	o->at = at;
	o->nvalues = ParseAddrSet(addrs, &o->addrs);
	o->hosts = NULL;
	o->prefs = NULL;
	return true;
}

/* Global lock order, and the order in which one call writes its keys. */
static SPIPlanPtr Prepare(const char *sql, int nargs, Oid *types);

static int
ObservationCmp(const void *a, const void *b)
{
	const Observation *x = *(Observation *const *) a;
	const Observation *y = *(Observation *const *) b;
	int			c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	/* a key's observations in time order: the merge's fast path */
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->order - y->order;
}

/*
 * Lock the keys of obs[0..n) (sorted by ObservationCmp) in that order, in
 * one statement: INSERT ... ON CONFLICT DO UPDATE locks the row of a key
 * that has one (waiting for its holder), and inserts the row of a key that
 * has none (waiting, in order, for a concurrent insert of the same key).
 * The WHERE of DO UPDATE is never true, so a lock writes no new row
 * version; the row stays locked until the transaction ends.
 */
static void
LockKeys(Observation **obs, int n)
{
	static SPIPlanPtr plan = NULL;
	Datum	   *kinds = palloc(sizeof(Datum) * n);
	Datum	   *names = palloc(sizeof(Datum) * n);
	int			nkeys = 0;
	Datum		args[2];
	int			ret;

	for (int i = 0; i < n; i++)
	{
		if (i > 0 && obs[i]->kind == obs[i - 1]->kind &&
			strcmp(obs[i]->name, obs[i - 1]->name) == 0)
			continue;
		kinds[nkeys] = CStringGetTextDatum(kind_names[obs[i]->kind]);
		names[nkeys] = CStringGetTextDatum(obs[i]->name);
		nkeys++;
	}
	if (nkeys == 0)
		return;
	if (plan == NULL)
	{
		Oid			types[2] = {TEXTARRAYOID, TEXTARRAYOID};

		/* rows come in the order of the arrays, and are locked in it */
		plan = Prepare("INSERT INTO rebound.observation_lock AS l (kind, name) "
					   "SELECT k.kind, k.name "
					   "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) "
					   "WITH ORDINALITY AS k (kind, name, i) "
					   "ORDER BY k.i "
					   "ON CONFLICT (kind, name) DO UPDATE SET kind = excluded.kind WHERE false",
					   2, types);
	}
	args[0] = PointerGetDatum(construct_array(kinds, nkeys, TEXTOID, -1, false, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(names, nkeys, TEXTOID, -1, false, TYPALIGN_INT));
	ret = SPI_execute_plan(plan, args, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
}

/*
 * The statements of one table: read a key's rows; delete, update, insert
 * rows of the key, each kind of change in one statement over arrays.
 * Prepared once per backend; every name is qualified.  $1 (and for
 * domain_host $2) is the key; the changed rows are found by ctid among the
 * key's rows, which the key's index finds.
 */
typedef struct TablePlans
{
	SPIPlanPtr	select;
	SPIPlanPtr	delete;
	SPIPlanPtr	update;
	SPIPlanPtr	insert;
} TablePlans;

static TablePlans domain_plans;
static TablePlans host_plans;

static SPIPlanPtr
Prepare(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	return plan;
}

#define ROWS_FROM_CHANGES \
	"ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), " \
	"pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)) "

static void
PreparePlans(void)
{
	/* $3: ctids or values, $4: preferences, $5, $6: bounds, $7, $8: seen */
	Oid			types[8] = {TEXTOID, TEXTOID, InvalidOid, INT4ARRAYOID,
		TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};

	if (domain_plans.select == NULL)
	{
		domain_plans.select =
			Prepare("SELECT h.ctid, h.host, h.preference, pg_catalog.lower(h.observed), "
					"pg_catalog.upper(h.observed), h.first_seen, h.last_seen "
					"FROM rebound.domain_host h "
					"WHERE h.domain OPERATOR(pg_catalog.=) $1 AND h.role OPERATOR(pg_catalog.=) $2",
					2, types);
		types[2] = TIDARRAYOID;
		domain_plans.delete =
			Prepare("DELETE FROM rebound.domain_host h "
					"WHERE h.domain OPERATOR(pg_catalog.=) $1 AND h.role OPERATOR(pg_catalog.=) $2 "
					"AND h.ctid OPERATOR(pg_catalog.=) ANY ($3)",
					3, types);
		domain_plans.update =
			Prepare("UPDATE rebound.domain_host h SET preference = u.pref, "
					"observed = pg_catalog.tstzrange(u.lo, u.hi, '[)'), first_seen = u.f, last_seen = u.l "
					"FROM " ROWS_FROM_CHANGES "AS u (t, pref, lo, hi, f, l) "
					"WHERE h.domain OPERATOR(pg_catalog.=) $1 AND h.role OPERATOR(pg_catalog.=) $2 "
					"AND h.ctid OPERATOR(pg_catalog.=) u.t",
					8, types);
		types[2] = TEXTARRAYOID;
		domain_plans.insert =
			Prepare("INSERT INTO rebound.domain_host "
					"(domain, role, host, preference, observed, first_seen, last_seen) "
					"SELECT $1, $2, u.host, u.pref, pg_catalog.tstzrange(u.lo, u.hi, '[)'), u.f, u.l "
					"FROM " ROWS_FROM_CHANGES "AS u (host, pref, lo, hi, f, l)",
					8, types);
	}
	if (host_plans.select == NULL)
	{
		/* $2 is there for the shape: the key is the host alone */
		host_plans.select =
			Prepare("SELECT h.ctid, h.addr, NULL::pg_catalog.int4, pg_catalog.lower(h.observed), "
					"pg_catalog.upper(h.observed), h.first_seen, h.last_seen "
					"FROM rebound.host_address h WHERE h.host OPERATOR(pg_catalog.=) $1",
					1, types);
		types[2] = TIDARRAYOID;
		host_plans.delete =
			Prepare("DELETE FROM rebound.host_address h "
					"WHERE h.host OPERATOR(pg_catalog.=) $1 AND $2 IS NOT NULL "
					"AND h.ctid OPERATOR(pg_catalog.=) ANY ($3)",
					3, types);
		host_plans.update =
			Prepare("UPDATE rebound.host_address h SET "
					"observed = pg_catalog.tstzrange(u.lo, u.hi, '[)'), first_seen = u.f, last_seen = u.l "
					"FROM " ROWS_FROM_CHANGES "AS u (t, pref, lo, hi, f, l) "
					"WHERE h.host OPERATOR(pg_catalog.=) $1 AND $2 IS NOT NULL "
					"AND h.ctid OPERATOR(pg_catalog.=) u.t",
					8, types);
		types[2] = INETARRAYOID;
		host_plans.insert =
			Prepare("INSERT INTO rebound.host_address (host, addr, observed, first_seen, last_seen) "
					"SELECT $1, u.addr, pg_catalog.tstzrange(u.lo, u.hi, '[)'), u.f, u.l "
					"FROM " ROWS_FROM_CHANGES "AS u (addr, pref, lo, hi, f, l) "
					"WHERE $2 IS NOT NULL",
					8, types);
	}
}

/* A range bound in an array: an unbounded end is NULL. */
static void
BoundArg(rb_htime t, Datum *value, bool *null)
{
	*null = t == RB_HTIME_UNBOUNDED_LO || t == RB_HTIME_UNBOUNDED_HI;
	*value = *null ? (Datum) 0 : TimestampTzGetDatum((TimestampTz) t);
}

static Datum
MakeArray(Datum *values, bool *nulls, int n, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs,
											  type, typlen, typbyval, typalign));
}

/*
 * Run one change statement over the changes of one kind: rows[0..n) with
 * their ctids or values in first[].
 */
static void
ApplyChanges(SPIPlanPtr plan, Datum *key, Datum *first, bool *firstnull, Oid firsttype,
			 const rb_hrow **rows, int n, int expect)
{
	Datum		args[8];
	Datum	   *cols[5];
	bool	   *colnulls[5];
	Oid			coltypes[5] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	int			ret;

	if (n == 0)
		return;
	for (int c = 0; c < 5; c++)
	{
		cols[c] = palloc(sizeof(Datum) * n);
		colnulls[c] = palloc(sizeof(bool) * n);
	}
	for (int i = 0; i < n; i++)
	{
		cols[0][i] = Int32GetDatum(rows[i]->pref);
		colnulls[0][i] = rows[i]->pref < 0;
		BoundArg(rows[i]->lo, &cols[1][i], &colnulls[1][i]);
		BoundArg(rows[i]->hi, &cols[2][i], &colnulls[2][i]);
		cols[3][i] = TimestampTzGetDatum(rows[i]->first_seen);
		colnulls[3][i] = false;
		cols[4][i] = TimestampTzGetDatum(rows[i]->last_seen);
		colnulls[4][i] = false;
	}
	args[0] = key[0];
	args[1] = key[1];
	args[2] = MakeArray(first, firstnull, n, firsttype);
	for (int c = 0; c < 5; c++)
		args[3 + c] = MakeArray(cols[c], colnulls[c], n, coltypes[c]);
	ret = SPI_execute_plan(plan, args, NULL, false, 0);
	if (ret != expect || SPI_processed != (uint64) n)
		elog(ERROR, "SPI_execute_plan failed: %s, " UINT64_FORMAT " rows of %d",
			 SPI_result_code_string(ret), SPI_processed, n);
}

/*
 * Merge one observation into its key's rows.  Values are numbered: the
 * observation's own first (value k is element k of its set), then those
 * only the rows have.
 */
static void
MergeObservation(const Observation *o)
{
	bool		is_domain = o->kind != KIND_ADDR;
	TablePlans *plans = is_domain ? &domain_plans : &host_plans;
	Datum		sargs[2];
	int			ret;
	uint64		nrows;
	ItemPointerData *tids;
	rb_hrow    *rows;
	Datum	   *vals;			/* value k: text or inet, NULL for none */
	bool	   *vnull;
	int			nvals;
	rb_hseen   *seen;
	rb_hchange *changes;
	int			nchanges;
	SPITupleTable *tuptable;

	sargs[0] = CStringGetTextDatum(o->name);
	sargs[1] = CStringGetTextDatum(kind_names[o->kind]);
	ret = SPI_execute_plan(plans->select, sargs, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
	nrows = SPI_processed;
	tuptable = SPI_tuptable;
	if (nrows > (uint64) (INT_MAX / 4 - o->nvalues))
		elog(ERROR, "too many history rows for one key: " UINT64_FORMAT, nrows);

	tids = palloc(sizeof(ItemPointerData) * (nrows + 1));
	rows = palloc(sizeof(rb_hrow) * (nrows + 1));
	vals = palloc(sizeof(Datum) * (nrows + o->nvalues));
	vnull = palloc(sizeof(bool) * (nrows + o->nvalues));
	seen = palloc(sizeof(rb_hseen) * o->nvalues);
	for (int k = 0; k < o->nvalues; k++)
	{
		if (is_domain)
		{
			vals[k] = CStringGetTextDatum(o->hosts[k]);
			vnull[k] = false;
		}
		else
		{
			vals[k] = PointerGetDatum(o->addrs[k]);
			vnull[k] = o->addrs[k] == NULL;
		}
		seen[k].value = k;
		seen[k].pref = is_domain ? o->prefs[k] : -1;
	}
	nvals = o->nvalues;

	for (uint64 i = 0; i < nrows; i++)
	{
		HeapTuple	tup = tuptable->vals[i];
		TupleDesc	desc = tuptable->tupdesc;
		bool		isnull;
		Datum		v;
		int			value = -1;

		tids[i] = *(ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 1, &isnull));
		v = SPI_getbinval(tup, desc, 2, &isnull);
		for (int k = 0; k < nvals && value < 0; k++)
		{
			if (vnull[k] || isnull)
			{
				if (vnull[k] && isnull)
					value = k;
			}
			else if (is_domain ? strcmp(TextDatumGetCString(vals[k]), TextDatumGetCString(v)) == 0
					 : SameAddr(DatumGetInetPP(vals[k]), DatumGetInetPP(v)))
				value = k;
		}
		if (value < 0)
		{
			value = nvals++;
			vnull[value] = isnull;
			vals[value] = isnull ? (Datum) 0 :
				(is_domain ? PointerGetDatum(DatumGetTextPCopy(v)) : PointerGetDatum((inet *) PG_DETOAST_DATUM_COPY(v)));
		}
		rows[i].value = value;
		v = SPI_getbinval(tup, desc, 3, &isnull);
		rows[i].pref = isnull ? -1 : DatumGetInt32(v);
		v = SPI_getbinval(tup, desc, 4, &isnull);
		rows[i].lo = isnull ? RB_HTIME_UNBOUNDED_LO : DatumGetTimestampTz(v);
		v = SPI_getbinval(tup, desc, 5, &isnull);
		rows[i].hi = isnull ? RB_HTIME_UNBOUNDED_HI : DatumGetTimestampTz(v);
		rows[i].first_seen = DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull));
		rows[i].last_seen = DatumGetTimestampTz(SPI_getbinval(tup, desc, 7, &isnull));
	}

	changes = palloc(sizeof(rb_hchange) * RB_HISTORY_MAX_CHANGES(nrows, o->nvalues));
	nchanges = rb_history_merge(rows, (int) nrows, seen, o->nvalues, o->at, changes);
	if (nchanges < 0)
		elog(ERROR, "history of %s \"%s\" cannot be merged", kind_names[o->kind], o->name);

	/*
	 * The deletes, then the updates, then the inserts, in the order the
	 * merge gives them: the unique index never sees two rows of one value
	 * with the same start.
	 */
	{
		Datum	   *first = palloc(sizeof(Datum) * (nchanges + 1));
		bool	   *firstnull = palloc(sizeof(bool) * (nchanges + 1));
		const rb_hrow **crows = palloc(sizeof(rb_hrow *) * (nchanges + 1));

		for (int kind = RB_HCHANGE_DELETE; kind <= RB_HCHANGE_INSERT; kind++)
		{
			int			n = 0;

			for (int c = 0; c < nchanges; c++)
			{
				const rb_hchange *ch = &changes[c];

				if ((int) ch->kind != kind)
					continue;
				crows[n] = &ch->to;
				if (kind == RB_HCHANGE_INSERT)
				{
					first[n] = vals[ch->to.value];
					firstnull[n] = vnull[ch->to.value];
				}
				else
				{
					first[n] = PointerGetDatum(&tids[ch->row]);
					firstnull[n] = false;
				}
				n++;
			}
			if (kind == RB_HCHANGE_DELETE)
			{
				/* the rows' own values do not matter for a delete */
				for (int i = 0; i < n; i++)
					crows[i] = &rows[0];
				ApplyChanges(plans->delete, sargs, first, firstnull, TIDOID, crows, n, SPI_OK_DELETE);
			}
			else if (kind == RB_HCHANGE_UPDATE)
				ApplyChanges(plans->update, sargs, first, firstnull, TIDOID, crows, n, SPI_OK_UPDATE);
			else
				ApplyChanges(plans->insert, sargs, first, firstnull,
							 is_domain ? TEXTOID : INETOID, crows, n, SPI_OK_INSERT);
		}
	}
	SPI_freetuptable(tuptable);
}

/* Lock, then merge, the observations obs[0..n). */
static void
RecordObservations(Observation **obs, int n)
{
	MemoryContext merge_cxt;

	if (n == 0)
		return;
	qsort(obs, n, sizeof(Observation *), ObservationCmp);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PreparePlans();
	LockKeys(obs, n);
	/* a batch of refresh_domains is thousands of keys: free each one's */
	merge_cxt = AllocSetContextCreate(CurrentMemoryContext, "rebound observation",
									  ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < n; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(merge_cxt);

		CHECK_FOR_INTERRUPTS();
		MergeObservation(obs[i]);
		MemoryContextSwitchTo(old);
		MemoryContextReset(merge_cxt);
	}
	SPI_finish();
}

/*
 * rebound.observe_domain(domain, role, hosts, at): a resolver saw hosts as
 * the domain's MX or NS hosts at at.  NULL hosts (a failed lookup) records
 * nothing.
 */
PG_FUNCTION_INFO_V1(rebound_observe_domain);
Datum
rebound_observe_domain(PG_FUNCTION_ARGS)
{
	Observation o;
	Observation *p = &o;

	o.order = 0;
	if (MakeDomainObservation(&o,
							  PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0),
							  PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1),
							  PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2),
							  PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3)))
		RecordObservations(&p, 1);
	PG_RETURN_VOID();
}

/* rebound.observe_host(host, addrs, at): the same for a host's addresses. */
PG_FUNCTION_INFO_V1(rebound_observe_host);
Datum
rebound_observe_host(PG_FUNCTION_ARGS)
{
	Observation o;
	Observation *p = &o;

	o.order = 0;
	if (MakeHostObservation(&o,
							PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0),
							PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1),
							PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_TIMESTAMPTZ(2)))
		RecordObservations(&p, 1);
	PG_RETURN_VOID();
}

/*
 * rebound.observe(observations rebound.observation[]): many observations of
 * domains and hosts, all the keys locked at once in the global order.
 * Elements (name, kind, hosts, addrs, at): kind 'mx' or 'ns' records hosts
 * as observe_domain does, 'addr' records addrs as observe_host does; a NULL
 * set records nothing.  Returns the number of observations recorded.
 */
PG_FUNCTION_INFO_V1(rebound_observe);
Datum
rebound_observe(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Observation *obs;
	Observation **ptrs;
	int			nobs = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	arr = PG_GETARG_ARRAYTYPE_P(0);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &n);
	obs = palloc(sizeof(Observation) * (n + 1));
	ptrs = palloc(sizeof(Observation *) * (n + 1));

	for (int i = 0; i < n; i++)
	{
		HeapTupleHeader tup;
		bool		isnull[5];
		Datum		f[5];
		char	   *kind;
		bool		made;

		if (nulls[i])
			continue;
		tup = DatumGetHeapTupleHeader(elems[i]);
		for (int a = 0; a < 5; a++)
			f[a] = GetAttributeByNum(tup, a + 1, &isnull[a]);
		if (isnull[1])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the kind of an observation must not be null")));
		kind = TextDatumGetCString(f[1]);
		obs[nobs].order = i;
		if (strcmp(kind, "addr") == 0)
			made = MakeHostObservation(&obs[nobs],
									   isnull[0] ? NULL : DatumGetTextPP(f[0]),
									   isnull[3] ? NULL : DatumGetArrayTypeP(f[3]),
									   isnull[4], isnull[4] ? 0 : DatumGetTimestampTz(f[4]));
		else
			made = MakeDomainObservation(&obs[nobs],
										 isnull[0] ? NULL : DatumGetTextPP(f[0]),
										 DatumGetTextPP(f[1]),
										 isnull[2] ? NULL : DatumGetArrayTypeP(f[2]),
										 isnull[4], isnull[4] ? 0 : DatumGetTimestampTz(f[4]));
		if (made)
		{
			ptrs[nobs] = &obs[nobs];
			nobs++;
		}
	}
	RecordObservations(ptrs, nobs);
	PG_RETURN_INT32(nobs);
}

/*
 * rebound.observed_hosts(role, hosts): the host set an observation of a
 * domain records, as rows (host, preference).
 */
PG_FUNCTION_INFO_V1(rebound_observed_hosts);
Datum
rebound_observed_hosts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	  **hosts;
	int32	   *prefs;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	n = ParseHostSet(strcmp(text_to_cstring(PG_GETARG_TEXT_PP(0)), "mx") == 0,
					 PG_GETARG_ARRAYTYPE_P(1), &hosts, &prefs);
	for (int k = 0; k < n; k++)
	{
		Datum		values[2];
		bool		isnull[2] = {false, prefs[k] < 0};

		values[0] = CStringGetTextDatum(hosts[k]);
		values[1] = Int32GetDatum(prefs[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
	}
	return (Datum) 0;
}
