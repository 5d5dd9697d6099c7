/*
 * classify.c
 *	  rebound.classify(text), the user rules of rebound.rule, and the
 *	  Datums of a verdict.
 *
 * The rules are read and compiled once per backend and kept until the
 * table changes: the statement-level trigger rebound.rule_changed()
 * sends a relcache invalidation for rebound.rule, and the callback below
 * only clears a flag (STYLE.md, "Per-backend caches").  The enum OIDs and
 * the row type are cached the same way, reset by a syscache callback on
 * pg_type (a DROP/CREATE EXTENSION in the same backend gives new OIDs).
 */
#include "rebound.h"
#include "classify.h"
#include "core/phrase.h"

#include <hs/hs.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "parser/parse_func.h"
#include "regex/regex.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#define RB_SCHEMA "rebound"

/* ---------------------------------------------------------------------
 * Enum values and the row type
 * --------------------------------------------------------------------- */

static bool types_valid = false;
static Oid	reason_oids[RB_REASON_COUNT];
static Oid	severity_oids[RB_SEVERITY_COUNT];
static TupleDesc classification_desc = NULL;

static void
invalidate_types(Datum arg, int cacheid, uint32 hashvalue)
{
	types_valid = false;
}

static Oid
type_oid(const char *name)
{
	Oid			nsp = get_namespace_oid(RB_SCHEMA, false);
	Oid			typ = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									  CStringGetDatum(name), ObjectIdGetDatum(nsp));

	if (!OidIsValid(typ))
		elog(ERROR, "type %s.%s does not exist", RB_SCHEMA, name);
	return typ;
}

static Oid
enum_oid(Oid typ, const char *label)
{
	Oid			v = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
									ObjectIdGetDatum(typ), CStringGetDatum(label));

	if (!OidIsValid(v))
		elog(ERROR, "enum label \"%s\" of type %u does not exist", label, typ);
	return v;
}

static void
load_types(void)
{
	Oid			rtyp,
				styp,
				ctyp;
	int			i;
	TupleDesc	desc;
	MemoryContext old;

	if (types_valid)
		return;
	rtyp = type_oid("reason");
	styp = type_oid("severity");
	for (i = 0; i < RB_REASON_COUNT; i++)
		reason_oids[i] = enum_oid(rtyp, rb_reason_name((rb_reason) i));
	for (i = 0; i < RB_SEVERITY_COUNT; i++)
		severity_oids[i] = enum_oid(styp, rb_severity_name((rb_severity) i));

	ctyp = type_oid("classification");
	old = MemoryContextSwitchTo(CacheMemoryContext);
	desc = lookup_rowtype_tupdesc_copy(ctyp, -1);
	MemoryContextSwitchTo(old);
	if (desc->natts != RB_CLASSIFICATION_NATTS)
		elog(ERROR, "type %s.classification has %d attributes, expected %d",
			 RB_SCHEMA, desc->natts, RB_CLASSIFICATION_NATTS);
	BlessTupleDesc(desc);
	if (classification_desc != NULL)
		FreeTupleDesc(classification_desc);
	classification_desc = desc;
	types_valid = true;
}

Datum
rb_reason_datum(rb_reason r)
{
	load_types();
	if ((int) r < 0 || r >= RB_REASON_COUNT)
		elog(ERROR, "reason %d out of range", (int) r);
	return ObjectIdGetDatum(reason_oids[r]);
}

Datum
rb_severity_datum(rb_severity s)
{
	load_types();
	if ((int) s < 0 || s >= RB_SEVERITY_COUNT)
		elog(ERROR, "severity %d out of range", (int) s);
	return ObjectIdGetDatum(severity_oids[s]);
}

void
rb_verdict_values(const rb_verdict *v, Datum *values, bool *nulls)
{
	values[0] = Int32GetDatum(v->reply_code);
	nulls[0] = v->reply_code == 0;
	values[1] = UInt32GetDatum(v->status);
	nulls[1] = v->status == 0;
	values[2] = rb_reason_datum(v->reason);
	nulls[2] = false;
	values[3] = rb_severity_datum(v->severity);
	nulls[3] = false;
	values[4] = BoolGetDatum(v->infrastructure);
	nulls[4] = false;
}

Datum
rb_classification_datum(const rb_verdict *v)
{
	Datum		values[RB_CLASSIFICATION_NATTS];
	bool		nulls[RB_CLASSIFICATION_NATTS];
	HeapTuple	tuple;

	rb_verdict_values(v, values, nulls);
	tuple = heap_form_tuple(classification_desc, values, nulls);
	return HeapTupleGetDatum(tuple);
}

/* ---------------------------------------------------------------------
 * User rules
 * --------------------------------------------------------------------- */

typedef struct user_rule
{
	char	   *needle;			/* ASCII-lower-cased substring, or NULL */
	int			needle_len;
	regex_t    *re;				/* compiled regex, or NULL */
	rb_status	status;			/* 0 = any */
	char	   *provider;		/* NULL = any */
	rb_reason	reason;
	int			severity;		/* -1 = rebound's rule for the reason */
	bool		infrastructure;
} user_rule;

/*
 * The substring rules are also compiled into one Vectorscan literal
 * database, so that a text is read once for all of them whatever their
 * number; contains() is the fallback if that database cannot be built.
 */
static hs_database_t *needle_db = NULL;
static hs_scratch_t *needle_scratch = NULL;

static bool rules_valid = false;
static MemoryContext rules_cxt = NULL;
static user_rule *rules = NULL;
static int	nrules = 0;
static bool any_provider = false;
static Oid	rule_relid = InvalidOid;
static FmgrInfo host_provider_fn;
static bool have_host_provider = false;

static void
invalidate_rules(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == rule_relid)
		rules_valid = false;
}

void
rb_classify_init(void)
{
	CacheRegisterRelcacheCallback(invalidate_rules, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, invalidate_types, (Datum) 0);
}

static unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * Texts reach the rules as rb_text_to_utf8() gives them: UTF-8, or raw
 * bytes in a SQL_ASCII database.  Patterns are brought to the same form,
 * and both are decoded to pg_wchar in that encoding.
 */
static int
match_encoding(void)
{
	return GetDatabaseEncoding() == PG_SQL_ASCII ? PG_SQL_ASCII : PG_UTF8;
}

static pg_wchar *
to_wchar(const char *s, size_t len, int *wlen)
{
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));

	*wlen = pg_encoding_mb2wchar_with_len(match_encoding(), s, w, (int) len);
	return w;
}

/*
 * Compile a rule's regex the way it is matched: advanced syntax,
 * case-insensitive.  PostgreSQL 15's regex library allocates with malloc:
 * a compiled regex must be given back with pg_regfree().
 */
static int
compile_regex(text *pattern, regex_t *re)
{
	size_t		len;
	char	   *bytes = rb_text_to_utf8(pattern, &len);
	int			wlen;
	pg_wchar   *wpat = to_wchar(bytes, len, &wlen);
	int			rc;

	rc = pg_regcomp(re, wpat, wlen, REG_ADVANCED | REG_ICASE, C_COLLATION_OID);
	pfree(wpat);
	return rc;
}

/* One literal database of every substring rule; id = the rule's index. */
static void
build_needle_db(void)
{
	const char **pats;
	unsigned   *flags,
			   *ids;
	size_t	   *lens;
	unsigned	n = 0;
	int			i;
	hs_compile_error_t *err = NULL;

	for (i = 0; i < nrules; i++)
		if (rules[i].needle != NULL)
			n++;
	if (n == 0)
		return;
	pats = palloc(n * sizeof(char *));
	flags = palloc(n * sizeof(unsigned));
	ids = palloc(n * sizeof(unsigned));
	lens = palloc(n * sizeof(size_t));
	n = 0;
	for (i = 0; i < nrules; i++)
	{
		if (rules[i].needle == NULL)
			continue;
		pats[n] = rules[i].needle;
		lens[n] = rules[i].needle_len;
		flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[n] = (unsigned) i;
		n++;
	}
	if (hs_compile_lit_multi(pats, flags, ids, lens, n, HS_MODE_BLOCK, NULL,
							 &needle_db, &err) != HS_SUCCESS)
	{
		hs_free_compile_error(err);
		needle_db = NULL;
	}
	else if (hs_alloc_scratch(needle_db, &needle_scratch) != HS_SUCCESS)
	{
		hs_free_database(needle_db);
		needle_db = NULL;
	}
	pfree(pats);
	pfree(flags);
	pfree(ids);
	pfree(lens);
}

static void
load_rules(void)
{
	Oid			nsp;
	MemoryContext old;
	int			i;

	if (rules_valid)
		return;

	nsp = get_namespace_oid(RB_SCHEMA, false);
	rule_relid = get_relname_relid("rule", nsp);
	if (rules_cxt == NULL)
		rules_cxt = AllocSetContextCreate(CacheMemoryContext, "rebound rules",
										  ALLOCSET_SMALL_SIZES);
	else
	{
		for (i = 0; i < nrules; i++)
			if (rules[i].re)
				pg_regfree(rules[i].re);
		MemoryContextReset(rules_cxt);
	}
	if (needle_db)
		hs_free_database(needle_db);
	needle_db = NULL;
	rules = NULL;
	nrules = 0;
	any_provider = false;

	if (!OidIsValid(rule_relid))
	{
		rules_valid = true;
		return;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT pattern, is_regex, status, provider, reason::text,"
					" severity::text, infrastructure"
					" FROM " RB_SCHEMA ".rule"
					" ORDER BY priority DESC, id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.rule", RB_SCHEMA);

	old = MemoryContextSwitchTo(rules_cxt);
	rules = palloc0(sizeof(user_rule) * Max(SPI_processed, 1));
	for (i = 0; i < (int) SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		user_rule  *r = &rules[nrules];
		text	   *pat = DatumGetTextPP(SPI_getbinval(tup, desc, 1, &isnull));
		bool		is_regex = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		Datum		d;
		char	   *s;
		int			reason;

		s = SPI_getvalue(tup, desc, 5);
		reason = rb_reason_lookup(s, strlen(s));
		if (reason < 0)
			continue;			/* a label this module does not know */
		memset(r, 0, sizeof(*r));
		r->reason = (rb_reason) reason;
		d = SPI_getbinval(tup, desc, 3, &isnull);
		r->status = isnull ? 0 : DatumGetUInt32(d);
		s = SPI_getvalue(tup, desc, 4);
		r->provider = s ? pstrdup(s) : NULL;
		s = SPI_getvalue(tup, desc, 6);
		if (s == NULL)
			r->severity = -1;
		else
			r->severity = strcmp(s, "hard") == 0 ? RB_SEVERITY_HARD :
				strcmp(s, "soft") == 0 ? RB_SEVERITY_SOFT : RB_SEVERITY_UNDETERMINED;
		r->infrastructure = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));

		if (is_regex)
		{
			regex_t    *re = palloc(sizeof(regex_t));

			/* refused at insert; skipped if one slipped in (pg_restore) */
			if (compile_regex(pat, re) != REG_OKAY)
				continue;
			r->re = re;
		}
		else
		{
			size_t		len;
			char	   *bytes = rb_text_to_utf8(pat, &len);
			size_t		k;

			r->needle = palloc(len + 1);
			for (k = 0; k < len; k++)
				r->needle[k] = fold((unsigned char) bytes[k]);
			r->needle[len] = '\0';
			r->needle_len = (int) len;
		}
		if (r->provider)
			any_provider = true;
		/* counted at once, so that a later error cannot leak the regex */
		nrules++;
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	build_needle_db();

	/* Provider rules need rebound.host_provider(text), when it exists. */
	have_host_provider = false;
	if (any_provider)
	{
		Oid			argtypes[1] = {TEXTOID};
		Oid			fn = LookupFuncName(list_make2(makeString(RB_SCHEMA),
												   makeString("host_provider")),
										1, argtypes, true);

		if (OidIsValid(fn))
		{
			fmgr_info_cxt(fn, &host_provider_fn, rules_cxt);
			have_host_provider = true;
		}
	}
	rules_valid = true;
}

/* Case-insensitive (ASCII) substring search; needle already folded. */
static bool
contains(const char *hay, size_t len, const char *needle, int nlen)
{
	size_t		i;

	if (nlen == 0)
		return true;
	if ((size_t) nlen > len)
		return false;
	for (i = 0; i + nlen <= len; i++)
	{
		int			k;

		if (fold((unsigned char) hay[i]) != (unsigned char) needle[0])
			continue;
		for (k = 1; k < nlen; k++)
			if (fold((unsigned char) hay[i + k]) != (unsigned char) needle[k])
				break;
		if (k == nlen)
			return true;
	}
	return false;
}

static int
on_needle(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	((bool *) ctx)[id] = true;
	return 0;
}

/* The provider of the remote host, or NULL. */
static char *
rhost_provider(const rb_classify_input *in)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	if (!have_host_provider || in->rhost == NULL || in->rhost_len == 0)
		return NULL;
	InitFunctionCallInfoData(*fcinfo, &host_provider_fn, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = PointerGetDatum(cstring_to_text_with_len(in->rhost, in->rhost_len));
	fcinfo->args[0].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		return NULL;
	return text_to_cstring(DatumGetTextPP(result));
}

void
rb_classify_with_rules(const rb_classify_input *in, rb_verdict *out)
{
	pg_wchar   *wtext = NULL;
	int			wlen = 0;
	char	   *provider = NULL;
	bool		provider_known = false;
	bool	   *found = NULL;
	int			i;

	/* The built-in verdict gives the codes the rules' conditions test. */
	rb_classify(in, out);

	load_rules();
	if (nrules == 0)
		return;

	/* Every substring rule in one pass. */
	if (needle_db != NULL)
	{
		found = palloc0(nrules * sizeof(bool));
		if (in->text != NULL && in->len > 0)
			hs_scan(needle_db, in->text, (unsigned int) in->len, 0,
					needle_scratch, on_needle, found);
	}

	for (i = 0; i < nrules; i++)
	{
		user_rule  *r = &rules[i];
		bool		hit;

		if (r->status != 0 && r->status != out->status)
			continue;
		if (r->provider != NULL)
		{
			if (!provider_known)
			{
				provider = rhost_provider(in);
				provider_known = true;
			}
			if (provider == NULL || strcmp(provider, r->provider) != 0)
				continue;
		}
		if (r->re != NULL)
		{
			if (wtext == NULL)
				wtext = to_wchar(in->text ? in->text : "", in->text ? in->len : 0, &wlen);
			hit = pg_regexec(r->re, wtext, wlen, 0, NULL, 0, NULL, 0) == REG_OKAY;
		}
		else if (found != NULL)
			hit = found[i];
		else
			hit = contains(in->text ? in->text : "", in->len, r->needle, r->needle_len);
		if (!hit)
			continue;

		out->reason = r->reason;
		out->severity = r->severity >= 0 ? (rb_severity) r->severity :
			rb_severity_for(r->reason, out->reply_code ? out->reply_code / 100 :
							(out->status ? RB_STATUS_CLASS(out->status) : 0),
							false, false);
		out->infrastructure = r->infrastructure;
		break;
	}
	if (wtext)
		pfree(wtext);
	if (found)
		pfree(found);
	if (provider)
		pfree(provider);
}

/* ---------------------------------------------------------------------
 * SQL functions
 * --------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rebound_classify);
Datum
rebound_classify(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	rb_classify_input in = {0};
	rb_verdict	v;
	size_t		len;

	in.text = rb_text_to_utf8(t, &len);
	in.len = len;
	rb_classify_with_rules(&in, &v);
	load_types();
	PG_RETURN_DATUM(rb_classification_datum(&v));
}

/*
 * BEFORE INSERT OR UPDATE trigger on rebound.rule: a regex that does not
 * compile is refused here, not found broken when bounces are classified.
 */
PG_FUNCTION_INFO_V1(rebound_rule_check);
Datum
rebound_rule_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;
	text	   *pat;
	regex_t		re;
	int			rc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rule_check() must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;

	d = heap_getattr(tuple, SPI_fnumber(desc, "is_regex"), desc, &isnull);
	if (isnull || !DatumGetBool(d))
		return PointerGetDatum(tuple);
	d = heap_getattr(tuple, SPI_fnumber(desc, "pattern"), desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	pat = DatumGetTextPP(d);
	rc = compile_regex(pat, &re);
	if (rc != REG_OKAY)
	{
		char		msg[256];

		pg_regerror(rc, &re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression in rule: \"%s\"", rb_quote_text(pat)),
				 errdetail("The pattern does not compile: %s.", msg),
				 errhint("Set is_regex to false to match the pattern as a plain substring.")));
	}
	pg_regfree(&re);
	return PointerGetDatum(tuple);
}

/*
 * AFTER ... FOR EACH STATEMENT trigger on rebound.rule: tell every backend
 * (this one at the end of the command, the others at commit) that the
 * compiled rules are stale.
 */
PG_FUNCTION_INFO_V1(rebound_rule_changed);
Datum
rebound_rule_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("rule_changed() must be fired as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * rebound.phrases(): the built-in phrase table, for users to read and for
 * the tests to check that every reason with phrases is exercised.
 */
PG_FUNCTION_INFO_V1(rebound_phrases);
Datum
rebound_phrases(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	size_t		i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < rb_phrase_count; i++)
	{
		const rb_phrase *p = &rb_phrase_table[i];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		Datum		flags[5];
		int			nflags = 0;

		values[0] = CStringGetTextDatum(p->text);
		if (p->reason == RB_PHRASE_NO_REASON)
			nulls[1] = true;
		else
			values[1] = rb_reason_datum((rb_reason) p->reason);
		values[2] = Int32GetDatum(p->rank);
		if (p->flags & RB_PF_INFRA)
			flags[nflags++] = CStringGetTextDatum("infrastructure");
		if (p->flags & RB_PF_TEMP)
			flags[nflags++] = CStringGetTextDatum("temporary");
		if (p->flags & RB_PF_PERM)
			flags[nflags++] = CStringGetTextDatum("permanent");
		if (p->flags & RB_PF_DATA)
			flags[nflags++] = CStringGetTextDatum("after_data");
		if (p->flags & RB_PF_DNS)
			flags[nflags++] = CStringGetTextDatum("dns");
		values[3] = PointerGetDatum(construct_array(flags, nflags, TEXTOID, -1, false, TYPALIGN_INT));
		values[4] = CStringGetTextDatum(p->origin);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
