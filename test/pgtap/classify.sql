-- Classification: catalogue objects, function labels, rule invalidation
-- within one transaction, and the composite type's shape.
BEGIN;
SELECT plan(16);

SELECT has_composite('rebound', 'classification', 'classification is a composite type');
SELECT columns_are('rebound', 'classification',
	ARRAY['reply_code', 'status', 'reason', 'severity', 'infrastructure'],
	'classification has the columns of DESIGN.md');
SELECT has_table('rebound', 'rule', 'rule exists');
SELECT col_type_is('rebound', 'rule', 'reason', 'rebound.reason', 'rule.reason is a reason');
SELECT col_type_is('rebound', 'rule', 'provider', 'text', 'rule.provider is text (the foreign key comes with the provider catalogue)');
SELECT function_returns('rebound', 'classify', ARRAY['text'], 'rebound.classification');
SELECT volatility_is('rebound', 'classify', ARRAY['text'], 'stable', 'classify is STABLE: it reads rebound.rule');
SELECT is_strict('rebound', 'classify', ARRAY['text'], 'classify is STRICT');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'rebound.classify(text)'::regprocedure),
	's'::"char", 'classify is PARALLEL SAFE');
SELECT has_trigger('rebound', 'rule', 'rule_check', 'bad regexes are refused by a trigger');
SELECT has_trigger('rebound', 'rule', 'rule_changed', 'changes invalidate the compiled rules');

-- invalidation inside one transaction, rule by rule
SELECT is((rebound.classify('550 zork')).reason, 'undefined', 'no rule: undefined');
INSERT INTO rebound.rule (pattern, reason) VALUES ('zork', 'spam_detected');
SELECT is((rebound.classify('550 zork')).reason, 'spam_detected', 'the new rule applies at once');
UPDATE rebound.rule SET reason = 'virus_detected' WHERE pattern = 'zork';
SELECT is((rebound.classify('550 zork')).reason, 'virus_detected', 'the changed rule applies at once');
DELETE FROM rebound.rule WHERE pattern = 'zork';
SELECT is((rebound.classify('550 zork')).reason, 'undefined', 'the deleted rule is gone at once');

SELECT throws_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('*', true, 'blocked')$$,
	'2201B', NULL, 'a bad regex is refused with SQLSTATE 2201B');

SELECT * FROM finish();
ROLLBACK;
