-- Classification: catalogue objects, function labels, rule invalidation
-- within one transaction, and the composite type's shape.
BEGIN;
SELECT plan(22);

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

-- regexes without a bound on their matching time or memory: 2201B too
SELECT throws_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('(.*)\1(.*)\2e;', true, 'blocked')$$,
	'2201B', 'regular expression in rule uses back-references: "(.*)\1(.*)\2e;"',
	'a back-reference is refused, the pattern quoted');
SELECT throws_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('x(?=.*zz)', true, 'blocked')$$,
	'2201B', 'regular expression in rule uses lookahead or lookbehind: "x(?=.*zz)"',
	'a lookahead constraint is refused');
SELECT throws_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('(\w{1,255}){1,50}', true, 'blocked')$$,
	'2201B', 'regular expression in rule is too complex: "(\w{1,255}){1,50}"',
	'an automaton of 25,000 states is refused');
SELECT throws_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES (repeat('ab', 501), true, 'blocked')$$,
	'2201B', NULL, 'a pattern of more than 1,000 characters is refused');
SELECT throws_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason)
	SELECT '.{1,255}.{1,255}.{1,255}.{1,255}q' || i, true, 'blocked' FROM generate_series(1, 50) i$$,
	'54000', NULL, 'rules too costly together are refused with SQLSTATE 54000');
SELECT lives_ok($$INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('^5\d\d .*(no such|unknown) (user|mailbox)', true, 'user_unknown')$$,
	'an ordinary regex is accepted');

SELECT * FROM finish();
ROLLBACK;
