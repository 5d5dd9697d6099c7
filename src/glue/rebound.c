/*
 * rebound.c
 *	  Module entry point and helpers shared by the glue.
 */
#include "rebound.h"
#include "classify.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* The version comes from rebound.control, through the Makefile. */
#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "rebound", .version = REBOUND_VERSION);
#else
PG_MODULE_MAGIC;
#endif

void		_PG_init(void);

void
_PG_init(void)
{
	/* Each module defines its settings; then the prefix is reserved. */
	rb_classify_init();
	rb_ledger_init();
	rb_dns_init();
	rb_detect_init();
	rb_parse_dsn_init();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("rebound");
#else
	EmitWarningsOnPlaceholders("rebound");
#endif
}

/*
 * Core parsers work on UTF-8.  In a UTF-8 database the text is used in
 * place (the result is not NUL-terminated: use *len).  In a SQL_ASCII
 * database no conversion is possible and the bytes are passed on as they
 * are, for the core to validate and reject with its own message.
 */
char *
rb_text_to_utf8(text *t, size_t *len)
{
	char	   *raw = VARDATA_ANY(t);
	int			rawlen = VARSIZE_ANY_EXHDR(t);
	char	   *conv;

	if (GetDatabaseEncoding() == PG_UTF8 ||
		GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		*len = rawlen;
		return raw;
	}
	conv = pg_server_to_any(raw, rawlen, PG_UTF8);
	/*
	 * A converted string is new and NUL-terminated; an empty one comes back
	 * as the input itself, which is not terminated: strlen() would read
	 * past it.
	 */
	*len = conv == raw ? (size_t) rawlen : strlen(conv);
	return conv;
}

char *
rb_quote_text(text *t)
{
	const char *raw = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			cut;

	if (len <= RB_QUOTE_MAX)
		return pnstrdup(raw, len);
	cut = pg_mbcliplen(raw, len, RB_QUOTE_MAX);
	return psprintf("%.*s...", cut, raw);
}

/*
 * The pg_extension row of rebound: its schema and owner.  No syscache
 * covers pg_extension (get_extension_schema() is static before 16).
 */
static void
extension_row(Oid *nsp, Oid *owner)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("rebound"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_extension ext = (Form_pg_extension) GETSTRUCT(tup);

		*nsp = ext->extnamespace;
		*owner = ext->extowner;
		found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"rebound\" is not installed in this database")));
}

Oid
rb_extension_schema(void)
{
	Oid			nsp,
				owner;

	extension_row(&nsp, &owner);
	return nsp;
}

char *
rb_extension_schema_quoted(void)
{
	Oid			nsp = rb_extension_schema();
	char	   *name = get_namespace_name(nsp);

	if (name == NULL)
		elog(ERROR, "schema %u of extension \"rebound\" not found", nsp);
	return pstrdup(quote_identifier(name));
}

/*
 * Citus keeps a reference table's rows in one shard, placed on every node
 * and named after the table and the shard's id; pg_dist_shard (a catalogue
 * of Citus in pg_catalog, present only where the extension citus is) maps
 * the table to it.  Read with a catalogue scan, not SQL: the caller may be
 * inside a shard's query, where Citus plans nothing distributed.
 */
char *
rb_local_relation(const char *relname, Oid *relid)
{
	Oid			nsp = rb_extension_schema();
	char	   *nspname = get_namespace_name(nsp);
	Oid			table = get_relname_relid(relname, nsp);
	Oid			dist_shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	Oid			local = table;

	if (!OidIsValid(table))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s.%s\" does not exist", nspname, relname)));
	if (OidIsValid(dist_shard))
	{
		Relation	rel = table_open(dist_shard, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		/* pg_dist_shard (logicalrelid regclass, shardid int8, ...) */
		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(table));
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
		if (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			Datum		shardid = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);

			if (!isnull)
			{
				char	   *shard = psprintf("%s_" INT64_FORMAT, relname, DatumGetInt64(shardid));
				Oid			shard_relid = get_relname_relid(shard, nsp);

				/* a node without a placement reads the table */
				if (OidIsValid(shard_relid))
				{
					local = shard_relid;
					relname = shard;
				}
			}
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	*relid = local;
	return psprintf("%s.%s", quote_identifier(nspname), quote_identifier(relname));
}

/*
 * Whether the ledger is a Citus distributed table (rebound.distribute()
 * ran): pg_dist_partition, a catalogue of Citus present only where the
 * extension citus is, lists it.  Read with a catalogue scan, as above.
 */
bool
rb_ledger_distributed(void)
{
	Oid			table = get_relname_relid("bounce", rb_extension_schema());
	Oid			dist_partition = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	if (!OidIsValid(dist_partition) || !OidIsValid(table))
		return false;
	rel = table_open(dist_partition, AccessShareLock);
	/* pg_dist_partition (logicalrelid regclass, ...) */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(table));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

void
rb_become_extension_owner(rb_owner_switch *sw)
{
	Oid			nsp,
				owner;

	extension_row(&nsp, &owner);
	GetUserIdAndSecContext(&sw->save_userid, &sw->save_sec_context);
	SetUserIdAndSecContext(owner, sw->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

void
rb_restore_user(const rb_owner_switch *sw)
{
	SetUserIdAndSecContext(sw->save_userid, sw->save_sec_context);
}

/*
 * rebound.local_table(name): rb_local_relation() for the catalogue's
 * triggers, which on a Citus node write the sibling table's shard there.
 */
PG_FUNCTION_INFO_V1(rebound_local_table);
Datum
rebound_local_table(PG_FUNCTION_ARGS)
{
	Name		relname = PG_GETARG_NAME(0);
	Oid			relid;

	(void) rb_local_relation(NameStr(*relname), &relid);
	PG_RETURN_OID(relid);
}
