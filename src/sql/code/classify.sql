-- src/sql/code/classify.sql: classification: classify(), parse_dsn(), the user rules.
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

CREATE OR REPLACE FUNCTION rebound_internal.rule_check()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_rule_check'
	LANGUAGE C;
COMMENT ON FUNCTION rebound_internal.rule_check() IS
	'trigger: refuses a rule whose regular expression does not compile, uses back-references or lookaround, or is too long or too complex to match in bounded time and memory';

CREATE OR REPLACE FUNCTION rebound_internal.rule_changed()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'rebound_rule_changed'
	LANGUAGE C;
COMMENT ON FUNCTION rebound_internal.rule_changed() IS
	'trigger: invalidates the rules every backend compiled; after INSERT or UPDATE, compiles the new set and refuses regex rules too complex together';

CREATE OR REPLACE TRIGGER rule_check
	BEFORE INSERT OR UPDATE ON @extschema@.rule
	FOR EACH ROW EXECUTE FUNCTION rebound_internal.rule_check();
CREATE OR REPLACE TRIGGER rule_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.rule
	FOR EACH STATEMENT EXECUTE FUNCTION rebound_internal.rule_changed();

-- STABLE: the result depends on the rows of rebound.rule.
CREATE OR REPLACE FUNCTION @extschema@.classify(diagnostic pg_catalog.text)
	RETURNS @extschema@.classification
	AS 'MODULE_PATHNAME', 'rebound_classify'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.classify(pg_catalog.text) IS
	'classify a bounce diagnostic: reply code, enhanced status, reason, severity, infrastructure (user rules first, then the built-in tables)';

CREATE OR REPLACE FUNCTION @extschema@.phrases(
	OUT phrase pg_catalog.text,
	OUT reason @extschema@.reason,
	OUT rank pg_catalog.int4,
	OUT flags pg_catalog.text[],
	OUT origin pg_catalog.text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'rebound_phrases'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 500;
COMMENT ON FUNCTION @extschema@.phrases() IS
	'the built-in phrase table of classify(): each phrase, the reason it signals (NULL: flags only), its rank, flags and origin';

-- ===========================================================================
-- Bounce mails: raw messages to classified rows
-- ===========================================================================

-- STABLE, like classify(): each row is classified with the user's rules of
-- rebound.rule.  PARALLEL SAFE: nothing is written, the caches are per
-- backend.  ROWS 1: most bounces name one recipient.
CREATE OR REPLACE FUNCTION @extschema@.parse_dsn(message pg_catalog.text)
	RETURNS TABLE (recipient pg_catalog.text, original_recipient pg_catalog.text,
				   action pg_catalog.text,
				   status @extschema@.smtp_status, reply_code pg_catalog.int4,
				   diagnostic pg_catalog.text, remote_mta pg_catalog.text,
				   reason @extschema@.reason, severity @extschema@.severity,
				   infrastructure pg_catalog.bool, message_id pg_catalog.text,
				   original_headers pg_catalog.jsonb)
	AS 'MODULE_PATHNAME', 'rebound_parse_dsn_text'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.parse_dsn(pg_catalog.text) IS
	'one classified row per failed recipient of a raw bounce mail (RFC 3464 reports, common MTA and ESP formats), with the address the sender used when the report names it (original_recipient); complaints and auto-replies give one row with reason feedback or vacation; delay warnings and challenge-response requests give none';

CREATE OR REPLACE FUNCTION @extschema@.parse_dsn(message pg_catalog.bytea)
	RETURNS TABLE (recipient pg_catalog.text, original_recipient pg_catalog.text,
				   action pg_catalog.text,
				   status @extschema@.smtp_status, reply_code pg_catalog.int4,
				   diagnostic pg_catalog.text, remote_mta pg_catalog.text,
				   reason @extschema@.reason, severity @extschema@.severity,
				   infrastructure pg_catalog.bool, message_id pg_catalog.text,
				   original_headers pg_catalog.jsonb)
	AS 'MODULE_PATHNAME', 'rebound_parse_dsn_bytea'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.parse_dsn(pg_catalog.bytea) IS
	'parse_dsn over the raw bytes of a mail, whose parts declare their own charsets';

-- Why a verdict: the codes, the phrase, the signals, the rule, and which of
-- them decided (README, "Why a verdict").  STABLE, like classify().
CREATE OR REPLACE FUNCTION @extschema@.explain(diagnostic pg_catalog.text)
	RETURNS TABLE (step pg_catalog.text, detail pg_catalog.text)
	AS 'MODULE_PATHNAME', 'rebound_explain'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.explain(pg_catalog.text) IS
	'what classify() saw in a diagnostic and what decided its verdict, step by step';
