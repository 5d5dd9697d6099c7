/*
 * provider.c
 *	  rebound.host_provider(), rebound.ip_provider(), rebound.domain_provider():
 *	  the rules of rebound.provider_rule compiled once per backend.
 *
 * The first call in a backend reads the rule table and builds the tries of
 * core/provmatch.c; later calls only walk them.  A statement-level trigger
 * on the table sends a relcache invalidation for it whenever its rows
 * change (row changes send none by themselves), and the callback here only
 * marks the compiled form stale, to be rebuilt at the next call.
 *
 * The table is read as the extension's owner (rebound.h): any role that
 * may call host_provider(), classify() or parse_dsn() gets the same
 * answers, with no grant on the catalogue.  The tries are built aside and
 * published only once every rule is in; an error or a cancel on the way
 * leaves the cache invalid, to be built again by the next call.
 */
#include "rebound.h"

#include <sys/socket.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/domain.h"
#include "core/provmatch.h"
#include "provider.h"

static rb_provmatch *matcher = NULL;
static char **provider_names = NULL;
static MemoryContext provider_cxt = NULL;
static bool matcher_valid = false;
static bool callback_registered = false;
static Oid	rule_relid = InvalidOid;
static Oid	prefix_relid = InvalidOid;
/* the relations read: the tables or, on Citus, their shards on this node */
static Oid	rule_local_relid = InvalidOid;
static Oid	prefix_local_relid = InvalidOid;

static void
ProviderRuleInvalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == rule_relid || relid == rule_local_relid ||
		relid == prefix_relid || relid == prefix_local_relid)
		matcher_valid = false;
}

/*
 * Values in the tries: a provider's index times two, plus one for a
 * gateway rule (a host_suffix rule that also says its hosts are a
 * security gateway's MX), so that one walk gives both the provider and
 * the layer.
 */
#define RULE_VALUE(index, gateway)	((index) * 2 + ((gateway) ? 1 : 0))
#define VALUE_INDEX(v)				((v) < 0 ? -1 : (v) / 2)
#define VALUE_GATEWAY(v)			((v) >= 0 && (v) % 2 == 1)

/*
 * Read the rule table into m; returns the provider names, by index.  The
 * query is immune to the caller's search_path: every name is qualified,
 * the operator too.  An asn rule brings in the prefixes its AS announces
 * (rebound.as_prefix, filled by load_prefixes()), as networks: consulted
 * only where no cidr rule applies.  A prefix announced by ASes of two
 * providers (multi-origin) goes to the first of them by name.
 */
static char **
CompileRules(rb_provmatch *m, const char *rules, const char *prefixes)
{
	int			ret;
	uint64		n;
	char	  **names;
	int			nnames = 0;
	char	   *query;

	/*
	 * The library of a newer version serves a database still at 0.1.0
	 * until ALTER EXTENSION UPDATE: without the prefix table, no networks.
	 */
	if (prefixes != NULL)
		query = psprintf("SELECT u.provider, u.kind, u.pattern, u.net FROM ("
						 " SELECT r.provider, r.kind, r.pattern,"
						 " CASE WHEN r.kind OPERATOR(pg_catalog.=) 'cidr'"
						 " THEN r.pattern::pg_catalog.inet END AS net"
						 " FROM %s r"
						 " WHERE r.kind OPERATOR(pg_catalog.<>) 'asn'"
						 " UNION ALL"
						 " SELECT r.provider, 'network', p.prefix::pg_catalog.text,"
						 " p.prefix::pg_catalog.inet"
						 " FROM %s r JOIN %s p"
						 " ON p.asn OPERATOR(pg_catalog.=)"
						 " pg_catalog.substr(r.pattern, 3)::pg_catalog.int8"
						 " WHERE r.kind OPERATOR(pg_catalog.=) 'asn') u"
						 " ORDER BY u.provider COLLATE pg_catalog.\"C\","
						 " u.kind COLLATE pg_catalog.\"C\", u.pattern COLLATE pg_catalog.\"C\"",
						 rules, rules, prefixes);
	else
		query = psprintf("SELECT r.provider, r.kind, r.pattern,"
						 " CASE WHEN r.kind OPERATOR(pg_catalog.=) 'cidr'"
						 " THEN r.pattern::pg_catalog.inet END"
						 " FROM %s r"
						 " ORDER BY r.provider COLLATE pg_catalog.\"C\"", rules);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* provider order gives each name one index, the value in the tries */
	ret = SPI_execute(query, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %d", ret);
	n = SPI_processed;
	names = MemoryContextAlloc(provider_cxt, sizeof(char *) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *prov = SPI_getvalue(tup, desc, 1);
		char	   *kind = SPI_getvalue(tup, desc, 2);
		char	   *pattern = SPI_getvalue(tup, desc, 3);
		bool		is_network = strcmp(kind, "network") == 0;
		rb_provmatch_error err;

		if (nnames == 0 || strcmp(names[nnames - 1], prov) != 0)
			names[nnames++] = MemoryContextStrdup(provider_cxt, prov);
		if (strcmp(kind, "cidr") == 0 || is_network)
		{
			bool		isnull;
			inet	   *ip = DatumGetInetPP(SPI_getbinval(tup, desc, 4, &isnull));
			int			family = ip_family(ip) == PGSQL_AF_INET ? 4 : 6;

			if (is_network)
			{
				err = rb_provmatch_add_network(m, family, ip_addr(ip), ip_bits(ip),
											   RULE_VALUE(nnames - 1, false));
				/* multi-origin: the first provider by name keeps it */
				if (err == RB_PM_CONFLICT)
					err = RB_PM_OK;
			}
			else
				err = rb_provmatch_add_prefix(m, family, ip_addr(ip), ip_bits(ip),
											  RULE_VALUE(nnames - 1, false));
		}
		else
			err = rb_provmatch_add_name(m, pattern, strlen(pattern),
										strcmp(kind, "domain") == 0,
										RULE_VALUE(nnames - 1,
												   strcmp(kind, "gateway") == 0));
		if (err != RB_PM_OK)
			ereport(ERROR,
					(errcode(err == RB_PM_NOMEM ? ERRCODE_OUT_OF_MEMORY :
							 ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid provider rule: \"%s\" (%s of %s)",
							pattern, kind, prov),
					 errdetail("%s", rb_provmatch_strerror(err))));
		/* a long catalogue stays cancellable */
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	pfree(query);
	return names;
}

static void
BuildMatcher(void)
{
	Oid			nsp;
	char	   *schema;
	rb_provmatch *volatile m;
	char	  **names = NULL;
	rb_owner_switch sw;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(ProviderRuleInvalidate, (Datum) 0);
		callback_registered = true;
	}
	nsp = rb_extension_schema();
	schema = rb_extension_schema_quoted();
	rule_relid = get_relname_relid("provider_rule", nsp);
	prefix_relid = get_relname_relid("as_prefix", nsp);
	if (!OidIsValid(rule_relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s.provider_rule\" does not exist", schema)));

	if (provider_cxt == NULL)
		provider_cxt = AllocSetContextCreate(CacheMemoryContext,
											 "rebound provider rules",
											 ALLOCSET_SMALL_SIZES);
	/* nothing of the previous build may be used from here on */
	matcher_valid = false;
	rb_provmatch_free(matcher);
	matcher = NULL;
	provider_names = NULL;
	MemoryContextReset(provider_cxt);

	m = rb_provmatch_create();
	if (m == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	/*
	 * Valid from before the read: an invalidation that arrives while we read
	 * clears it and wins.  An error clears it too, and the tries built so
	 * far are thrown away: the cache is all the rules or nothing.
	 */
	matcher_valid = true;
	PG_TRY();
	{
		rb_become_extension_owner(&sw);
		/* on a Citus node, the shards of the reference tables there */
		names = CompileRules(m, rb_local_relation("provider_rule", &rule_local_relid),
							 OidIsValid(prefix_relid) ?
							 rb_local_relation("as_prefix", &prefix_local_relid) : NULL);
		rb_restore_user(&sw);
	}
	PG_CATCH();
	{
		/* the (sub)transaction's abort gives the caller's identity back */
		matcher_valid = false;
		rb_provmatch_free(m);
		PG_RE_THROW();
	}
	PG_END_TRY();

	matcher = m;
	provider_names = names;
}

static inline void
EnsureMatcher(void)
{
	if (!matcher_valid)
		BuildMatcher();
}

/*
 * Names already in normal form (lower-case letters, digits, '-', '_', dots
 * between non-empty labels, no A-label to validate) are matched as they are;
 * anything else goes through rb_normalize_domain, which errors on names
 * that are not names.
 */
static bool
AlreadyNormal(const char *s, size_t len)
{
	size_t		label = 0;

	if (len == 0 || len > RB_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '.')
		{
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			  (c == '-' && label > 0)))
			return false;
		/* "xn--" labels need Punycode validation */
		if (label == 2 && c == '-' && s[i - 1] == '-')
			return false;
		if (++label > RB_LABEL_MAX)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

/* The trie value of a host name, any form (see RULE_VALUE), or -1. */
static int
MatchName(text *in, const char *what, bool exact)
{
	size_t		len;
	char	   *utf8 = rb_text_to_utf8(in, &len);
	char		norm[RB_DOMAIN_BUFSIZE];
	size_t		normlen;

	EnsureMatcher();
	if (AlreadyNormal(utf8, len))
		return rb_provmatch_name(matcher, utf8, len, exact);
	{
		rb_domain_error err = rb_normalize_domain(utf8, len, norm, &normlen);

		if (err != RB_DOMAIN_OK)
			rb_report_domain_error(err, what, in);
	}
	return rb_provmatch_name(matcher, norm, normlen, exact);
}

int
rb_host_provider_index(const char *name, size_t len, bool exact)
{
	EnsureMatcher();
	return VALUE_INDEX(rb_provmatch_name(matcher, name, len, exact));
}

const char *
rb_host_provider_of(const char *name, size_t len)
{
	char		norm[RB_DOMAIN_BUFSIZE];
	size_t		normlen;
	rb_domain_error err;

	EnsureMatcher();
	if (AlreadyNormal(name, len))
		return rb_provider_name(VALUE_INDEX(rb_provmatch_name(matcher, name, len, false)));
	err = rb_normalize_domain(name, len, norm, &normlen);
	if (err == RB_DOMAIN_ICU_FAILURE)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not normalize host name"),
				 errdetail("%s", rb_domain_strerror(err))));
	if (err != RB_DOMAIN_OK)
		return NULL;
	return rb_provider_name(VALUE_INDEX(rb_provmatch_name(matcher, norm, normlen, false)));
}

const char *
rb_provider_name(int index)
{
	return index >= 0 ? provider_names[index] : NULL;
}

PG_FUNCTION_INFO_V1(rebound_host_provider);
Datum
rebound_host_provider(PG_FUNCTION_ARGS)
{
	text	   *host = PG_GETARG_TEXT_PP(0);
	int			v;

	/*
	 * The history's two marks are hosts of no provider rather than bad
	 * names: '' records that a domain had no MX or NS, "." is a null MX (RFC
	 * 7505).  Every reader of domain_host meets them (healing after a
	 * refresh that found a domain gone), so they must not be errors.
	 */
	if (VARSIZE_ANY_EXHDR(host) == 0 ||
		(VARSIZE_ANY_EXHDR(host) == 1 && *VARDATA_ANY(host) == '.'))
		PG_RETURN_NULL();
	v = VALUE_INDEX(MatchName(host, "host name", false));
	if (v < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(provider_names[v]));
}

/*
 * The layer through which a domain depends on one of its hosts: the
 * host's role ('mx', 'ns'), except that an MX host matched by a gateway
 * rule is the layer 'gateway' (the mail goes on to a mailbox provider DNS
 * does not show).
 */
PG_FUNCTION_INFO_V1(rebound_host_layer);
Datum
rebound_host_layer(PG_FUNCTION_ARGS)
{
	text	   *role = PG_GETARG_TEXT_PP(1);
	char	   *r = text_to_cstring(role);
	int			v;

	if (strcmp(r, "mx") != 0 && strcmp(r, "ns") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid host role: \"%s\"", rb_quote_text(role)),
				 errdetail("A host's role is mx or ns.")));
	/* the history's marks '' and '.' (see rebound_host_provider) */
	{
		text	   *host = PG_GETARG_TEXT_PP(0);

		if (VARSIZE_ANY_EXHDR(host) == 0 ||
			(VARSIZE_ANY_EXHDR(host) == 1 && *VARDATA_ANY(host) == '.'))
			PG_RETURN_TEXT_P(role);
		v = MatchName(host, "host name", false);
	}
	if (strcmp(r, "mx") == 0 && VALUE_GATEWAY(v))
		PG_RETURN_TEXT_P(cstring_to_text("gateway"));
	PG_RETURN_TEXT_P(role);
}

PG_FUNCTION_INFO_V1(rebound_domain_provider);
Datum
rebound_domain_provider(PG_FUNCTION_ARGS)
{
	int			v = VALUE_INDEX(MatchName(PG_GETARG_TEXT_PP(0), "domain name", true));

	if (v < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(provider_names[v]));
}

PG_FUNCTION_INFO_V1(rebound_ip_provider);
Datum
rebound_ip_provider(PG_FUNCTION_ARGS)
{
	inet	   *ip = PG_GETARG_INET_PP(0);
	int			v;

	EnsureMatcher();
	v = VALUE_INDEX(rb_provmatch_addr(matcher, ip_family(ip) == PGSQL_AF_INET ? 4 : 6,
									  ip_addr(ip)));
	if (v < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(provider_names[v]));
}

PG_FUNCTION_INFO_V1(rebound_provider_rule_invalidate);
Datum
rebound_provider_rule_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("provider_rule_invalidate() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
