/*
 * rebound.h
 *	  Declarations shared by rebound's PostgreSQL glue.
 */
#ifndef REBOUND_H
#define REBOUND_H

#include "postgres.h"
#include "fmgr.h"

/*
 * Input functions report malformed text as soft errors where the server
 * supports them (PostgreSQL 16+, pg_input_is_valid()), as plain errors
 * before that.
 */
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#define RB_INPUT_ERROR(fcinfo, ...) \
	ereturn((fcinfo)->context, (Datum) 0, __VA_ARGS__)
#else
#define RB_INPUT_ERROR(fcinfo, ...) \
	do { ereport(ERROR, __VA_ARGS__); pg_unreachable(); } while (0)
#endif

/*
 * The value to quote in an error message: the whole text, or its first
 * RB_QUOTE_MAX bytes (cut on a character boundary) and "...".
 */
#define RB_QUOTE_MAX 200
extern char *rb_quote_text(text *t);

/* Text in the server's encoding as UTF-8 bytes (not NUL-terminated). */
extern char *rb_text_to_utf8(text *t, size_t *len);

/*
 * A domain, host name or address that does not parse (22P02, the input
 * quoted; "what" names it in the message: "domain", "e-mail address").
 */
#include "core/domain.h"
extern void rb_report_domain_error(rb_domain_error err, const char *what,
								   text *input) pg_attribute_noreturn();

/*
 * The extension's schema (normally "rebound", the @extschema@ of the
 * install script), looked up at each call: a DROP and CREATE EXTENSION in
 * the same backend may place it elsewhere.  Errors if rebound is not
 * installed in the current database.
 */
extern Oid	rb_extension_schema(void);

/* The same, as a quoted identifier for SQL text ("rebound"). */
extern char *rb_extension_schema_quoted(void);

/*
 * The relation that holds this node's rows of one of rebound's tables
 * (relname, in the extension's schema): the table itself, or, on a Citus
 * node where it is a reference table, its shard there.  The per-backend
 * caches read it: reading the table would be a distributed query, which
 * Citus refuses inside a shard's query.  Returns the quoted qualified name
 * and sets *relid to its oid (for the relcache invalidation, which the
 * shard's trigger sends for the shard).
 */
extern char *rb_local_relation(const char *relname, Oid *relid);
extern bool rb_ledger_distributed(void);

/*
 * Per-backend caches of rebound's own tables (the rules of rebound.rule,
 * the provider catalogue) are read with the identity of the extension's
 * owner, whoever the caller is: what a cache holds must not depend on which
 * role happened to fill it first, and a role allowed to classify needs no
 * grant on the tables behind the caches.  The switch is local and
 * security-restricted (as for index expressions); an error unwinds it with
 * the (sub)transaction.
 */
typedef struct rb_owner_switch
{
	Oid			save_userid;
	int			save_sec_context;
} rb_owner_switch;

extern void rb_become_extension_owner(rb_owner_switch *sw);
extern void rb_restore_user(const rb_owner_switch *sw);

/* Settings of the ledger (ledger.c), defined from _PG_init. */
extern void rb_ledger_init(void);
extern void rb_dns_init(void);

/* Settings of incident detection (detect.c). */
extern void rb_detect_init(void);
struct rb_detect_config;
extern void rb_detect_current_config(struct rb_detect_config *cfg);
extern bool rb_detect_use_summary(void);

/* The VERP setting of parse_dsn (parse_dsn.c). */
extern void rb_parse_dsn_init(void);

#endif							/* REBOUND_H */
