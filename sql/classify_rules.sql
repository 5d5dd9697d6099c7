--
-- User rules: checked before the built-in tables, highest priority first;
-- recompiled in the same session when the table changes; bad regexes are
-- refused when inserted.
--
SET search_path = rebound, public;

SELECT classify('550 5.7.1 Nekochan policy 42');

-- a substring rule, case-insensitive
INSERT INTO rule (pattern, reason, note) VALUES ('NEKOCHAN POLICY', 'policy_violation', 'test');
SELECT classify('550 5.7.1 Nekochan policy 42');

-- overriding the built-in tables, with an explicit severity
SELECT classify('550 5.1.1 user unknown');
INSERT INTO rule (pattern, reason, severity, priority) VALUES ('user unknown', 'filtered', 'soft', 10);
SELECT classify('550 5.1.1 user unknown');

-- a regex rule with a status condition and the infrastructure flag
INSERT INTO rule (pattern, is_regex, status, reason, infrastructure, priority)
VALUES ('^4\d\d .*greeting', true, '4.4.2', 'network_error', true, 5);
SELECT classify('421 4.4.2 no greeting from mx1');
SELECT classify('421 4.4.1 no greeting from mx1');

-- priority order: the higher priority wins
INSERT INTO rule (pattern, reason, priority) VALUES ('user', 'suspend', 20);
SELECT classify('550 5.1.1 user unknown');
UPDATE rule SET priority = 0 WHERE reason = 'suspend';
SELECT classify('550 5.1.1 user unknown');

-- deleting the rules brings the built-in verdict back, in the same session
DELETE FROM rule;
SELECT classify('550 5.1.1 user unknown');
SELECT classify('550 5.7.1 Nekochan policy 42');

-- a provider rule does not apply when the remote MTA is unknown
INSERT INTO rule (pattern, provider, reason) VALUES ('user unknown', 'ovh', 'on_hold');
SELECT classify('550 5.1.1 user unknown');
TRUNCATE rule;
SELECT classify('550 5.1.1 user unknown');

-- a bad regex is refused with its reason
INSERT INTO rule (pattern, is_regex, reason) VALUES ('(unclosed', true, 'blocked');
INSERT INTO rule (pattern, is_regex, reason) VALUES ('a{2,1}', true, 'blocked');
-- ... also when a valid substring rule is turned into a regex
INSERT INTO rule (pattern, reason) VALUES ('[abc', 'blocked');
UPDATE rule SET is_regex = true WHERE pattern = '[abc';
SELECT pattern, is_regex FROM rule;
-- an empty pattern is refused
INSERT INTO rule (pattern, reason) VALUES ('', 'blocked');
DELETE FROM rule;

-- a role that may only use the schema can classify (it reads the rules)
INSERT INTO rule (pattern, reason) VALUES ('nekochan', 'spam_detected');
CREATE ROLE rebound_reader;
GRANT USAGE ON SCHEMA rebound TO rebound_reader;
SET ROLE rebound_reader;
SELECT classify('550 nekochan');
INSERT INTO rule (pattern, reason) VALUES ('x', 'blocked');
RESET ROLE;
DELETE FROM rule;
REVOKE USAGE ON SCHEMA rebound FROM rebound_reader;
DROP ROLE rebound_reader;

-- the rules are configuration: pg_dump keeps them
SELECT c.relname
FROM pg_extension e, unnest(e.extconfig) cfg
JOIN pg_class c ON c.oid = cfg
WHERE e.extname = 'rebound' AND c.relname IN ('rule', 'rule_id_seq')
ORDER BY 1;
