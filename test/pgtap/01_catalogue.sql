-- Catalogue objects of the foundation: types, operators, operator classes,
-- and the labels of every function.
BEGIN;
SELECT plan(45);

SELECT has_schema('rebound');
SELECT has_type('rebound', 'smtp_status', 'smtp_status exists');
SELECT has_enum('rebound', 'reason', 'reason is an enum');
SELECT has_enum('rebound', 'severity', 'severity is an enum');
SELECT enum_has_labels('rebound', 'severity', ARRAY['hard', 'soft', 'undetermined']);

-- every reason of Sisimai, old and new names
SELECT set_eq(
	$$SELECT replace(e::text, '_', '') FROM unnest(enum_range(NULL::rebound.reason)) e$$,
	ARRAY['authfailure', 'badreputation', 'blocked', 'contenterror', 'delivered',
	      'exceedlimit', 'expired', 'failedstarttls', 'feedback', 'filtered',
	      'hasmoved', 'hostunknown', 'mailboxfull', 'mailererror', 'mesgtoobig',
	      'networkerror', 'norelaying', 'notaccept', 'notcompliantrfc', 'onhold',
	      'policyviolation', 'rejected', 'requireptr', 'securityerror',
	      'spamdetected', 'speeding', 'suppressed', 'suspend', 'syntaxerror',
	      'systemerror', 'systemfull', 'toomanyconn', 'undefined', 'userunknown',
	      'vacation', 'virusdetected', 'ratelimited', 'emailtoolarge'],
	'reason holds every Sisimai reason');

-- the enum's labels are sorted, the order src/core/reason.h relies on
SELECT is(
	(SELECT array_agg(e ORDER BY e)::text[] FROM unnest(enum_range(NULL::rebound.reason)) e),
	(SELECT array_agg(e::text ORDER BY e::text COLLATE "C") FROM unnest(enum_range(NULL::rebound.reason)) e),
	'reason labels are in sorted order, as src/core/reason.h numbers them');

-- smtp_status is fixed-size and passed by value
SELECT results_eq(
	$$SELECT typlen::int, typbyval, typalign::text FROM pg_catalog.pg_type
	  WHERE oid = 'rebound.smtp_status'::regtype$$,
	$$VALUES (4, true, 'i')$$,
	'smtp_status is 4 bytes, by value, int-aligned');

-- the six comparison operators
SELECT has_operator('rebound.smtp_status', 'rebound', '=', 'rebound.smtp_status', 'boolean', 'operator = (smtp_status, smtp_status)');
SELECT has_operator('rebound.smtp_status', 'rebound', '<>', 'rebound.smtp_status', 'boolean', 'operator <> (smtp_status, smtp_status)');
SELECT has_operator('rebound.smtp_status', 'rebound', '<', 'rebound.smtp_status', 'boolean', 'operator < (smtp_status, smtp_status)');
SELECT has_operator('rebound.smtp_status', 'rebound', '<=', 'rebound.smtp_status', 'boolean', 'operator <= (smtp_status, smtp_status)');
SELECT has_operator('rebound.smtp_status', 'rebound', '>', 'rebound.smtp_status', 'boolean', 'operator > (smtp_status, smtp_status)');
SELECT has_operator('rebound.smtp_status', 'rebound', '>=', 'rebound.smtp_status', 'boolean', 'operator >= (smtp_status, smtp_status)');

-- commutators, negators, selectivity, hash and merge joins
SELECT results_eq(
	$$SELECT o.oprname::text COLLATE "default", c.oprname::text COLLATE "default", n.oprname::text COLLATE "default",
	         o.oprrest::text, o.oprjoin::text, o.oprcanhash, o.oprcanmerge
	  FROM pg_catalog.pg_operator o
	  JOIN pg_catalog.pg_operator c ON c.oid = o.oprcom
	  JOIN pg_catalog.pg_operator n ON n.oid = o.oprnegate
	  WHERE o.oprleft = 'rebound.smtp_status'::regtype
	  ORDER BY o.oprname COLLATE "C"$$,
	$$VALUES ('<', '>', '>=', 'scalarltsel', 'scalarltjoinsel', false, false),
	         ('<=', '>=', '>', 'scalarlesel', 'scalarlejoinsel', false, false),
	         ('<>', '<>', '=', 'neqsel', 'neqjoinsel', false, false),
	         ('=', '=', '<>', 'eqsel', 'eqjoinsel', true, true),
	         ('>', '<', '<=', 'scalargtsel', 'scalargtjoinsel', false, false),
	         ('>=', '<=', '<', 'scalargesel', 'scalargejoinsel', false, false)$$,
	'operators have commutators, negators and selectivity; = hashes and merges');

SELECT has_opclass('rebound', 'smtp_status_ops', 'btree operator class');
SELECT has_opclass('rebound', 'smtp_status_hash_ops', 'hash operator class');
SELECT results_eq(
	$$SELECT am.amname::text COLLATE "default", oc.opcdefault
	  FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
	  WHERE oc.opcintype = 'rebound.smtp_status'::regtype ORDER BY 1$$,
	$$VALUES ('btree', true), ('hash', true)$$,
	'both operator classes are the defaults');
SELECT results_eq(
	$$SELECT amproc.amprocnum::int, amproc.amproc::text
	  FROM pg_catalog.pg_amproc amproc
	  JOIN pg_catalog.pg_opfamily f ON f.oid = amproc.amprocfamily
	  WHERE f.opfname = 'smtp_status_hash_ops' ORDER BY 1$$,
	$$VALUES (1, 'rebound.smtp_status_hash'), (2, 'rebound.smtp_status_hash_extended')$$,
	'the hash class has the extended hash function');

-- functions
SELECT has_function('rebound', 'status_class', ARRAY['rebound.smtp_status']);
SELECT has_function('rebound', 'status_subject', ARRAY['rebound.smtp_status']);
SELECT has_function('rebound', 'status_detail', ARRAY['rebound.smtp_status']);
SELECT has_function('rebound', 'normalize_domain', ARRAY['text']);
SELECT has_function('rebound', 'address_domain', ARRAY['text']);
SELECT function_returns('rebound', 'status_class', ARRAY['rebound.smtp_status'], 'integer');
SELECT function_returns('rebound', 'normalize_domain', ARRAY['text'], 'text');
SELECT function_returns('rebound', 'address_domain', ARRAY['text'], 'text');

SELECT volatility_is('rebound', 'normalize_domain', ARRAY['text'], 'immutable');
SELECT volatility_is('rebound', 'address_domain', ARRAY['text'], 'immutable');
SELECT volatility_is('rebound', 'status_class', ARRAY['rebound.smtp_status'], 'immutable');
SELECT is_strict('rebound', 'normalize_domain', ARRAY['text']);
SELECT is_strict('rebound', 'address_domain', ARRAY['text']);
SELECT is_strict('rebound', 'status_detail', ARRAY['rebound.smtp_status']);

-- every pure C function of the foundation is IMMUTABLE, STRICT, PARALLEL SAFE
SELECT is_empty(
	$$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace = 'rebound'::regnamespace
	    AND (p.proname LIKE 'smtp\_status\_%' OR p.proname LIKE 'status\_%'
	         OR p.proname IN ('normalize_domain', 'address_domain'))
	    AND NOT (p.provolatile = 'i' AND p.proisstrict AND p.proparallel = 's')$$,
	'type and domain functions are IMMUTABLE STRICT PARALLEL SAFE');

-- comparison functions leak nothing about their arguments
SELECT is_empty(
	$$SELECT p.proname FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace = 'rebound'::regnamespace
	    AND p.proname ~ '^smtp_status_(eq|ne|lt|le|gt|ge|cmp|hash|hash_extended)$'
	    AND NOT p.proleakproof$$,
	'comparison and hash functions are LEAKPROOF');

-- every function is documented by a comment, support functions aside
SELECT is_empty(
	$$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace IN ('rebound'::regnamespace, 'rebound_internal'::regnamespace)
	    AND p.proname !~ '^smtp_status_' AND p.prokind <> 'a'
	    AND pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL$$,
	'every public function has a comment');

-- schema rebound is the API: the functions rebound calls itself (trigger
-- functions of its own tables, the steps behind the entry points) are in
-- rebound_internal, and the only trigger functions left in rebound are the
-- ones users attach to their own tables
SELECT set_eq(
	$$SELECT p.proname::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace = 'rebound'::regnamespace
		AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype$$,
	ARRAY['capture_bounce', 'capture_event', 'classify_bounce'],
	'the trigger functions of schema rebound are the ones users attach');
SELECT set_eq(
	$$SELECT p.proname::text FROM pg_catalog.pg_proc p
	  WHERE p.pronamespace = 'rebound_internal'::regnamespace$$,
	ARRAY['capture_event_column', 'capture_event_newtable', 'check_incident', 'distribute_check', 'distribute_sequences', 'distribution_plan', 'event_refuse',
		  'detect_claim', 'detect_counts', 'detect_covered', 'detect_forget', 'detect_mark',
		  'detect_store', 'detect_summarise', 'detect_summary_on', 'detect_summary_rows',
		  'heal_begin', 'heal_bounces', 'heal_decide', 'heal_forgive', 'heal_outside_block', 'heal_record', 'heal_reinstated', 'heal_since', 'heal_stretch', 'heal_tails',
		  'incident_declare', 'incident_report_domains', 'incident_report_flows', 'incident_report_found',
		  'invoker', 'local_table', 'outbox_reharden', 'outbox_reinstate', 'outbox_write',
		  'provider_rule_invalidate', 'provider_rule_normalize', 'provider_take_over',
		  'provider_tombstone_apply', 'provider_track_truncate', 'provider_track_user_change',
		  'restore_hold', 'restore_keep', 'restore_release', 'rule_changed', 'rule_check',
		  'sink_apply', 'sink_check', 'sink_check_column', 'sink_check_privileges', 'sink_check_table',
		  'suppressed_among'],
	'the functions rebound calls itself are in rebound_internal, as the README lists them');

-- the extension is not relocatable and lives in schema rebound
SELECT results_eq(
	$$SELECT extrelocatable, extnamespace::regnamespace::text COLLATE "default" FROM pg_catalog.pg_extension
	  WHERE extname = 'rebound'$$,
	$$VALUES (false, 'rebound')$$,
	'rebound is installed in schema rebound, not relocatable');

-- behaviour through the catalogue: casts via I/O, arrays of the type
SELECT is('5.1.1'::rebound.smtp_status::text, '5.1.1', 'smtp_status casts to text');
SELECT is(ARRAY['5.1.1', '4.2.2']::rebound.smtp_status[], '{5.1.1,4.2.2}'::rebound.smtp_status[],
	'arrays of smtp_status');
SELECT is((SELECT rebound.max(s)::text || ' ' || rebound.min(s)::text
			FROM unnest('{5.1.1,5.7.26,4.2.2}'::rebound.smtp_status[]) s),
	'5.7.26 4.2.2', 'min() and max() of status codes');
SELECT throws_ok($$SELECT '9.9.9'::rebound.smtp_status$$, '22P02', NULL,
	'malformed status is 22P02');
SELECT throws_ok($$SELECT rebound.normalize_domain('a..b')$$, '22P02', NULL,
	'malformed domain is 22P02');
SELECT throws_ok($$SELECT 'nope'::rebound.reason$$, '22P02', NULL,
	'unknown reason is 22P02');

SELECT * FROM finish();
ROLLBACK;
