/*
 * classify.c
 *	  rebound.classify(text), the user rules of rebound.rule, and the
 *	  Datums of a verdict.
 *
 * The rules are read and compiled once per backend and kept until the
 * table changes: the statement-level trigger rebound_internal.rule_changed()
 * sends a relcache invalidation for rebound.rule, and the callback below
 * only clears a flag (STYLE.md, "Per-backend caches").  The enum OIDs and
 * the row type are cached the same way, reset by a syscache callback on
 * pg_type (a DROP/CREATE EXTENSION in the same backend gives new OIDs).
 */
#include "rebound.h"
#include "classify.h"
#include "core/phrase.h"
#include "core/signal.h"
#include "provider.h"

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
#include "miscadmin.h"
#include "regex/regex.h"
#include "regex/regexport.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/*
 * PostgreSQL 15's regex engine returns REG_CANCEL when a cancel arrives
 * while it works; from 16 on it raises the cancel itself and the code is
 * gone.  -1 is no code pg_regcomp/pg_regexec return.
 */
#ifdef REG_CANCEL
#define RB_REG_CANCEL REG_CANCEL
#else
#define RB_REG_CANCEL (-1)
#endif

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
	Oid			nsp = rb_extension_schema();
	Oid			typ = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									  CStringGetDatum(name), ObjectIdGetDatum(nsp));

	if (!OidIsValid(typ))
		elog(ERROR, "type %s of extension rebound does not exist", name);
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
		elog(ERROR, "type classification of extension rebound has %d attributes, expected %d",
			 desc->natts, RB_CLASSIFICATION_NATTS);
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
 *
 * The set of rules a backend uses is all of rebound.rule or nothing: it is
 * built aside and published only when every rule is in; any error on the
 * way (a cancel, a statement timeout, a rule out of bounds, out of memory)
 * throws the partial set away and leaves the cache invalid, so that the
 * next call reads the table again.  A rule is never skipped.
 * --------------------------------------------------------------------- */

/*
 * Bounds on a regex rule, checked when it is inserted or updated and again
 * when a backend loads the rules (README, "Your own rules"; design notes).
 * Rules are matched by PostgreSQL's regex engine, which for a pattern
 * without back-references or lookaround constraints runs one lazily built
 * DFA over the text: each character costs at most one DFA step, and a step
 * that is not cached yet costs O(states + arcs + colors).  Bounding the NFA
 * therefore bounds the time per character, and the DFA's memory per text.
 */
#define RB_RULE_PATTERN_MAX	1000	/* characters of a regex rule */
#define RB_RULE_STATES_MAX	2000	/* NFA states */
#define RB_RULE_ARCS_MAX	20000	/* NFA arcs */
#define RB_RULE_DFA_MAX		(8 * 1024 * 1024)	/* bytes of one match's DFA */
#define RB_RULES_COST_MAX	200000	/* states + arcs of all regex rules */

/* the message of a pattern that does not compile, told apart by address */
static const char rule_syntax_msg[] = "invalid regular expression in rule: \"%s\"";

typedef struct regex_cost
{
	int			states;
	int64		arcs;
	int			colors;
	int64		dfa_bytes;		/* what one pg_regexec may allocate */
} regex_cost;

typedef struct user_rule
{
	int64		id;
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
static Oid	rule_relid = InvalidOid;

/*
 * The set being built: its compiled regexes are malloc'd by PostgreSQL 15's
 * regex library, and must be given back if the build fails.
 */
static user_rule *building = NULL;
static int	nbuilding = 0;
static hs_database_t *building_db = NULL;

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
 * A regex result code that is neither a match nor a refusal: a cancel
 * (statement timeout, pg_cancel_backend) is raised as the cancel it is,
 * anything else as an error.  Never returns.
 */
static void
regex_failure(int rc, regex_t *re, const char *what)
{
	char		msg[256];

	if (rc == RB_REG_CANCEL)
		CHECK_FOR_INTERRUPTS();
	pg_regerror(rc, re, msg, sizeof(msg));
	if (rc == REG_ESPACE)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while %s a rule's regular expression", what)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
			 errmsg("regular expression failed while %s a rule: %s", what, msg)));
}

/*
 * The cost of a compiled regex, read from its search NFA through the
 * regexport API (as contrib/pg_trgm reads it).  The DFA that pg_regexec
 * builds holds 2 * states state sets, each with a bitmap of the states, a
 * header and, per color, an out pointer and an in-arc: 64 + 24 * colors +
 * states / 8 bytes (rounded up to whole words).
 */
static void
regex_measure(const regex_t *re, regex_cost *cost)
{
	int			i;
	int64		nss;

	cost->states = pg_reg_getnumstates(re);
	cost->colors = pg_reg_getnumcolors(re);
	cost->arcs = 0;
	for (i = 0; i < cost->states; i++)
		cost->arcs += pg_reg_getnumoutarcs(re, i);
	nss = 2 * (int64) cost->states;
	cost->dfa_bytes = nss * (64 + 24 * (int64) cost->colors) +
		(nss + 1) * 4 * (((int64) cost->states + 31) / 32);
}

/*
 * Compile a rule's regex the way it is matched: advanced syntax,
 * case-insensitive, no submatch data (a rule only asks whether the text
 * matches).  PostgreSQL 15's regex library allocates with malloc: a
 * compiled regex must be given back with pg_regfree().
 *
 * Returns true with *re compiled and *cost filled when the pattern is
 * within bounds.  Otherwise returns false with nothing left allocated, the
 * error message and detail for the refusal in *msg and *detail.  A cancel
 * during the compilation is raised, never taken for a refusal.
 */
static bool
compile_rule_regex(text *pattern, regex_t *re, regex_cost *cost,
				   const char **msg, char **detail)
{
	size_t		len;
	char	   *bytes = rb_text_to_utf8(pattern, &len);
	int			wlen;
	pg_wchar   *wpat = to_wchar(bytes, len, &wlen);
	int			rc;

	if (wlen > RB_RULE_PATTERN_MAX)
	{
		pfree(wpat);
		*msg = "regular expression in rule is too long: \"%s\"";
		*detail = psprintf("The pattern has %d characters; a regular expression rule may have at most %d.",
						   wlen, RB_RULE_PATTERN_MAX);
		return false;
	}
	rc = pg_regcomp(re, wpat, wlen, REG_ADVANCED | REG_ICASE | REG_NOSUB,
					C_COLLATION_OID);
	pfree(wpat);
	if (rc == RB_REG_CANCEL || rc == REG_ESPACE)
		regex_failure(rc, re, "compiling");
	if (rc != REG_OKAY)
	{
		char		err[256];

		pg_regerror(rc, re, err, sizeof(err));
		*msg = rule_syntax_msg;
		*detail = psprintf("The pattern does not compile: %s.", err);
		return false;
	}

	/*
	 * Back-references need backtracking: PostgreSQL's engine then tries the
	 * substrings one by one, in time exponential in the text.  A lookahead
	 * or lookbehind constraint runs a matcher of its own from each position
	 * it is reached at, and nested ones multiply: quadratic time and worse.
	 */
	if (re->re_info & REG_UBACKREF)
	{
		pg_regfree(re);
		*msg = "regular expression in rule uses back-references: \"%s\"";
		*detail = pstrdup("Back-references (\\1 to \\9) make matching take time exponential in the length of the text.");
		return false;
	}
	if (re->re_info & REG_ULOOKAROUND)
	{
		pg_regfree(re);
		*msg = "regular expression in rule uses lookahead or lookbehind: \"%s\"";
		*detail = pstrdup("Lookahead and lookbehind constraints ((?=, (?!, (?<=, (?<!) are matched again from every position they are reached at, in time quadratic in the length of the text or worse.");
		return false;
	}

	regex_measure(re, cost);
	if (cost->states > RB_RULE_STATES_MAX || cost->arcs > RB_RULE_ARCS_MAX ||
		cost->dfa_bytes > RB_RULE_DFA_MAX)
	{
		pg_regfree(re);
		*msg = "regular expression in rule is too complex: \"%s\"";
		*detail = psprintf("It compiles to %d states, %lld arcs and %d colors, needing up to %lld kB to match one text; "
						   "a regular expression rule may have at most %d states, %d arcs and %d kB.",
						   cost->states, (long long) cost->arcs, cost->colors,
						   (long long) (cost->dfa_bytes / 1024),
						   RB_RULE_STATES_MAX, RB_RULE_ARCS_MAX, RB_RULE_DFA_MAX / 1024);
		return false;
	}
	return true;
}

/* One literal database of every substring rule; id = the rule's index. */
static void
build_needle_db(user_rule *set, int n_set, hs_database_t **db)
{
	const char **pats;
	unsigned   *flags,
			   *ids;
	size_t	   *lens;
	unsigned	n = 0;
	int			i;
	hs_compile_error_t *err = NULL;

	*db = NULL;
	for (i = 0; i < n_set; i++)
		if (set[i].needle != NULL)
			n++;
	if (n == 0)
		return;
	pats = palloc(n * sizeof(char *));
	flags = palloc(n * sizeof(unsigned));
	ids = palloc(n * sizeof(unsigned));
	lens = palloc(n * sizeof(size_t));
	n = 0;
	for (i = 0; i < n_set; i++)
	{
		if (set[i].needle == NULL)
			continue;
		pats[n] = set[i].needle;
		lens[n] = set[i].needle_len;
		flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[n] = (unsigned) i;
		n++;
	}
	/* no database means contains() for each rule: slower, same verdicts */
	if (hs_compile_lit_multi(pats, flags, ids, lens, n, HS_MODE_BLOCK, NULL,
							 db, &err) != HS_SUCCESS)
	{
		hs_free_compile_error(err);
		*db = NULL;
	}
	else if (hs_alloc_scratch(*db, &needle_scratch) != HS_SUCCESS)
	{
		hs_free_database(*db);
		*db = NULL;
	}
	pfree(pats);
	pfree(flags);
	pfree(ids);
	pfree(lens);
}

/* Give back what a set of rules holds outside its memory context. */
static void
free_regexes(user_rule *set, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (set[i].re)
		{
			pg_regfree(set[i].re);
			set[i].re = NULL;
		}
}

static void
discard_rules(void)
{
	free_regexes(rules, nrules);
	if (needle_db)
		hs_free_database(needle_db);
	needle_db = NULL;
	if (rules_cxt)
		MemoryContextDelete(rules_cxt);
	rules_cxt = NULL;
	rules = NULL;
	nrules = 0;
}

/*
 * Read and compile every rule into building[], in cxt.  The table is read
 * as the extension's owner, with every name in the query qualified: the
 * rules do not depend on the caller's grants or search_path.  read_only is
 * false only from the rule_changed() trigger, whose query must see the
 * rows of the statement that fired it.  Returns the total cost of the regex
 * rules.
 */
static int64
read_rules(MemoryContext cxt, const char *schema, bool read_only)
{
	rb_owner_switch sw;
	char	   *query;
	int			ret;
	uint64		n,
				i;
	int64		total = 0;
	MemoryContext old;

	query = psprintf("SELECT r.id, r.pattern, r.is_regex, r.status, r.provider,"
					 " r.reason::pg_catalog.text, r.severity::pg_catalog.text,"
					 " r.infrastructure"
					 " FROM %s.rule r ORDER BY r.priority DESC, r.id", schema);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rb_become_extension_owner(&sw);
	ret = SPI_execute(query, read_only, 0);
	rb_restore_user(&sw);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.rule: %s", schema, SPI_result_code_string(ret));
	n = SPI_processed;

	old = MemoryContextSwitchTo(cxt);
	building = palloc0(sizeof(user_rule) * Max(n, 1));
	nbuilding = 0;
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		user_rule  *r = &building[nbuilding];
		text	   *pat = DatumGetTextPP(SPI_getbinval(tup, desc, 2, &isnull));
		bool		is_regex = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
		Datum		d;
		char	   *s;
		int			reason;

		r->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		s = SPI_getvalue(tup, desc, 6);
		reason = rb_reason_lookup(s, strlen(s));
		if (reason < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rule %lld of %s.rule has a reason this version of rebound does not know: \"%s\"",
							(long long) r->id, schema, s),
					 errhint("Install the rebound library that matches the extension's SQL objects.")));
		r->reason = (rb_reason) reason;
		d = SPI_getbinval(tup, desc, 4, &isnull);
		r->status = isnull ? 0 : DatumGetUInt32(d);
		s = SPI_getvalue(tup, desc, 5);
		r->provider = s ? pstrdup(s) : NULL;
		s = SPI_getvalue(tup, desc, 7);
		if (s == NULL)
			r->severity = -1;
		else
			r->severity = strcmp(s, "hard") == 0 ? RB_SEVERITY_HARD :
				strcmp(s, "soft") == 0 ? RB_SEVERITY_SOFT : RB_SEVERITY_UNDETERMINED;
		r->infrastructure = DatumGetBool(SPI_getbinval(tup, desc, 8, &isnull));

		if (is_regex)
		{
			regex_t    *re = palloc(sizeof(regex_t));
			regex_cost	cost;
			const char *msg;
			char	   *detail;

			/*
			 * Refused at insert; one may still be here from before these
			 * bounds, or restored with the triggers disabled.  It is an
			 * error, not a rule left out.
			 */
			if (!compile_rule_regex(pat, re, &cost, &msg, &detail))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
						 errmsg_internal(msg, rb_quote_text(pat)),
						 errdetail_internal("%s", detail),
						 errcontext("rule %lld of %s.rule", (long long) r->id, schema),
						 errhint("Change or delete the rule: classify() and parse_dsn() fail until then.")));
			r->re = re;
			total += cost.states + cost.arcs;
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
		/* counted at once, so that a later error cannot leak the regex */
		nbuilding++;
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	pfree(query);

	if (total > RB_RULES_COST_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the regular expression rules of %s.rule are too complex together", schema),
				 errdetail("They compile to %lld states and arcs; all regular expression rules together may have at most %d.",
						   (long long) total, RB_RULES_COST_MAX),
				 errhint("Simplify or delete regular expression rules, or turn them into substring rules.")));
	return total;
}

/*
 * Build the rules into a fresh context; publish them only when all are in.
 */
static void
build_rules(bool read_only)
{
	Oid			nsp;
	char	   *schema;
	MemoryContext volatile cxt = NULL;
	MemoryContext caller_cxt = CurrentMemoryContext;

	/* nothing of the previous set may be used from here on */
	rules_valid = false;
	discard_rules();

	nsp = rb_extension_schema();
	schema = rb_extension_schema_quoted();
	rule_relid = get_relname_relid("rule", nsp);
	if (!OidIsValid(rule_relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s.rule\" does not exist", schema)));

	cxt = AllocSetContextCreate(CacheMemoryContext, "rebound rules",
								ALLOCSET_SMALL_SIZES);

	/*
	 * Valid from before the read: an invalidation that arrives while we read
	 * clears it and wins, and the set is read again at the next call.
	 */
	rules_valid = true;
	PG_TRY();
	{
		read_rules(cxt, schema, read_only);
		build_needle_db(building, nbuilding, &building_db);
	}
	PG_CATCH();
	{
		/* the error may have left us in cxt, which goes now */
		MemoryContextSwitchTo(caller_cxt);
		rules_valid = false;
		free_regexes(building, nbuilding);
		building = NULL;
		nbuilding = 0;
		if (building_db)
			hs_free_database(building_db);
		building_db = NULL;
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	rules_cxt = cxt;
	rules = building;
	nrules = nbuilding;
	needle_db = building_db;
	building_db = NULL;
	building = NULL;
	nbuilding = 0;
}

static void
load_rules(void)
{
	if (!rules_valid)
		build_rules(true);
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

/*
 * The provider of the remote host, or NULL.  The host name comes from the
 * bounce, which anyone can write: one that is no host name names no
 * provider, it is no error.
 */
static char *
rhost_provider(const rb_classify_input *in)
{
	const char *p;

	if (in->rhost == NULL || in->rhost_len == 0)
		return NULL;
	p = rb_host_provider_of(in->rhost, in->rhost_len);
	return p ? pstrdup(p) : NULL;
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

	/*
	 * The phrase table is built once per process; a verdict without it
	 * would be wrong without saying so (the core skips phrases it has no
	 * matcher for), so failing to build it is an error, tried again at the
	 * next call.
	 */
	if (!rb_phrase_init())
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not build the classifier's phrase matcher"),
				 errdetail("Vectorscan could not compile the built-in phrase table: out of memory, or a CPU it does not support.")));

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
		int			rc;

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
			rc = pg_regexec(r->re, wtext, wlen, 0, NULL, 0, NULL, 0);
			if (rc != REG_OKAY && rc != REG_NOMATCH)
				regex_failure(rc, r->re, "matching");
			hit = rc == REG_OKAY;
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
		out->basis = RB_BASIS_RULE;
		out->rule = i;
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
	regex_cost	cost;
	const char *msg;
	char	   *detail;

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
	if (!compile_rule_regex(pat, &re, &cost, &msg, &detail))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg_internal(msg, rb_quote_text(pat)),
				 errdetail_internal("%s", detail),
				 msg == rule_syntax_msg ?
				 errhint("Set is_regex to false to match the pattern as a plain substring.") :
				 errhint("Write a simpler expression, or several rules, or set is_regex to false to match the pattern as a plain substring.")));
	pg_regfree(&re);
	return PointerGetDatum(tuple);
}

/*
 * AFTER ... FOR EACH STATEMENT trigger on rebound.rule: tell every backend
 * (this one at the end of the command, the others at commit) that the
 * compiled rules are stale.  After an INSERT or UPDATE, also compile the
 * whole new set here, so that a statement that would leave rules no
 * backend can load (together too costly) fails itself, rather than every
 * classify() after it.  Two transactions adding rules at once can still
 * pass the bound together; loading then fails with the same message.
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
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		build_rules(false);
	return PointerGetDatum(NULL);
}

/*
 * rebound.explain(diagnostic): the verdict of classify() and what decided
 * it, one row per step (README, "Why a verdict").
 */
static const char *
basis_name(rb_basis b)
{
	switch (b)
	{
		case RB_BASIS_PHRASE:
			return "phrase";
		case RB_BASIS_STATUS:
			return "status code";
		case RB_BASIS_CODE:
			return "reply code";
		case RB_BASIS_SIGNALS:
			return "signals";
		case RB_BASIS_RULE:
			return "rule";
		default:
			return "nothing";
	}
}

static const char *
severity_why(const rb_verdict *v)
{
	if (v->basis == RB_BASIS_RULE)
		return "as the rule says, or rebound's rule for its reason";
	switch (v->severity)
	{
		case RB_SEVERITY_HARD:
			return "the text is evidence that the address or the domain will not work";
		case RB_SEVERITY_SOFT:
			return v->reason == RB_REASON_UNDEFINED ?
				"a reply code or wording, but no evidence about the address" :
				"this reason does not say the address will never work";
		default:
			return "nothing in the text says how bad it is";
	}
}

static void
explain_row(ReturnSetInfo *rsinfo, const char *step, const char *detail)
{
	Datum		values[2];
	bool		nulls[2] = {false, detail == NULL};

	values[0] = CStringGetTextDatum(step);
	values[1] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(rebound_explain);
Datum
rebound_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	rb_classify_input in = {0};
	rb_verdict	v;
	size_t		len;
	char		names[160];
	char		st[16];
	const rb_phrase *p = NULL;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	in.text = rb_text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	in.len = len;
	rb_classify_with_rules(&in, &v);

	explain_row(rsinfo, "reply code", v.reply_code ? psprintf("%d", v.reply_code) : NULL);
	if (v.status != 0)
		rb_status_format(v.status, st);
	explain_row(rsinfo, "status", v.status ? st : NULL);
	for (size_t i = 0; v.phrase != NULL && i < rb_phrase_count && p == NULL; i++)
		if (rb_phrase_table[i].text == v.phrase)
			p = &rb_phrase_table[i];
	explain_row(rsinfo, "phrase",
				p == NULL ? NULL :
				psprintf("\"%s\" (%s, rank %d, from %s)", p->text,
						 p->reason == RB_PHRASE_NO_REASON ? "flags only" :
						 rb_reason_name((rb_reason) p->reason), p->rank, p->origin));
	rb_signal_names(rb_signal_scan(in.text, in.len), names, sizeof(names));
	explain_row(rsinfo, "signals",
				names[0] == '\0' ? NULL :
				v.basis == RB_BASIS_SIGNALS ? names :
				v.signals == 0 ? psprintf("%s (not read: the %s decided first)", names, basis_name(v.basis)) :
				v.basis == RB_BASIS_NOTHING ? psprintf("%s (no reason follows from them)", names) :
				psprintf("%s (the %s says more)", names, basis_name(v.basis)));
	explain_row(rsinfo, "rule",
				v.basis == RB_BASIS_RULE ? psprintf("rebound.rule id %lld", (long long) rules[v.rule].id) : NULL);
	explain_row(rsinfo, "decided by", basis_name(v.basis));
	explain_row(rsinfo, "reason", rb_reason_name(v.reason));
	explain_row(rsinfo, "severity", psprintf("%s: %s", rb_severity_name(v.severity), severity_why(&v)));
	explain_row(rsinfo, "infrastructure", v.infrastructure ? "true" : "false");
	return (Datum) 0;
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
		Datum		flags[6];
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
		if (p->flags & RB_PF_RCPT)
			flags[nflags++] = CStringGetTextDatum("after_rcpt");
		if (p->flags & RB_PF_DNS)
			flags[nflags++] = CStringGetTextDatum("dns");
		values[3] = PointerGetDatum(construct_array(flags, nflags, TEXTOID, -1, false, TYPALIGN_INT));
		values[4] = CStringGetTextDatum(p->origin);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
