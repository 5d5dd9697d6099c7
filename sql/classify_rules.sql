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

-- regexes whose matching time or memory has no bound are refused:
-- back-references (backtracking, exponential in the text) ...
INSERT INTO rule (pattern, is_regex, reason) VALUES ('(.*)\1(.*)\2e;', true, 'blocked');
INSERT INTO rule (pattern, is_regex, reason) VALUES ('(\w+)\s.*\1.*\1.*\1x', true, 'blocked');
-- ... lookahead and lookbehind (a matcher run again at each position) ...
INSERT INTO rule (pattern, is_regex, reason) VALUES ('user(?= unknown)', true, 'blocked');
INSERT INTO rule (pattern, is_regex, reason) VALUES ('(?<!no )such user', true, 'blocked');
-- ... patterns too long ...
INSERT INTO rule (pattern, is_regex, reason) VALUES (repeat('a', 1001), true, 'blocked');
-- ... and automatons too large (each of these compiled to megabytes)
INSERT INTO rule (pattern, is_regex, reason) VALUES ('(\w{1,255}){1,50}', true, 'blocked');
INSERT INTO rule (pattern, is_regex, reason) VALUES ('(.{1,255}){1,100}q', true, 'blocked');
-- ... also when an accepted rule is changed
INSERT INTO rule (pattern, is_regex, reason) VALUES ('user (\w+)', true, 'user_unknown');
UPDATE rule SET pattern = pattern || ' \1';
-- bounded repetitions within the bounds are accepted
INSERT INTO rule (pattern, is_regex, reason) VALUES ('.{1,255}.{1,255}.{1,255}.{1,255}q', true, 'blocked');
-- the rules together are bounded too: the statement that crosses the
-- bound fails, whatever the size of each rule
INSERT INTO rule (pattern, is_regex, reason)
SELECT '.{1,255}.{1,255}.{1,255}.{1,255}q' || i, true, 'blocked' FROM generate_series(1, 50) i;
SELECT count(*) FROM rule;

-- a 1.6 kB diagnostic that took a back-reference rule over 20 s is
-- classified at once by what is accepted
SET statement_timeout = '5s';
SELECT classify(repeat('550 5.1.1 the user account abcdefgh does not exist here; ', 28));
RESET statement_timeout;
DELETE FROM rule;

-- a cancel (here a statement timeout) while a backend compiles the rules
-- leaves them uncompiled, never partly compiled: the next call in the same
-- backend compiles them all.  Wide ranges are slow to compile under
-- case-insensitive matching; the rule that decides comes last.
INSERT INTO rule (pattern, is_regex, reason, priority)
SELECT '[\u0001-\U0010ffff]zq' || i, true, 'blocked', 10 FROM generate_series(1, 40) i;
INSERT INTO rule (pattern, is_regex, reason) VALUES ('nekochan [0-9]+', true, 'spam_detected');
SET statement_timeout = '50ms';
SELECT classify('550 nekochan 42');
RESET statement_timeout;
SELECT classify('550 nekochan 42');
DELETE FROM rule;

-- the rules and the provider catalogue are read whatever the caller's
-- search_path: an operator or type of the caller's schemas is never used
CREATE SCHEMA evil;
CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE plpgsql
	AS $$BEGIN RAISE EXCEPTION 'evil.= was called'; END$$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (VALUE IS NULL);
INSERT INTO rule (pattern, provider, reason) VALUES ('nekochan', 'ovh', 'on_hold');
DELETE FROM provider_rule WHERE false;	-- forget the compiled catalogue
SET search_path = evil, pg_catalog, rebound;
SELECT host_provider('mx1.mail.ovh.net');
SELECT classify('550 nekochan');
SELECT recipient, reason FROM parse_dsn(E'From: MAILER-DAEMON@example.net\nSubject: failure\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\nfailed\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n\nFinal-Recipient: rfc822; jean@client.example\nAction: failed\nStatus: 5.0.0\nRemote-MTA: dns; mx1.mail.ovh.net\nDiagnostic-Code: smtp; 550 nekochan\n\n--b--\n');
-- a remote MTA that is no host name (the bounce's author wrote it) names
-- no provider: the rule does not apply, and nothing fails
SELECT recipient, reason FROM parse_dsn(E'From: MAILER-DAEMON@example.net\nSubject: failure\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\nfailed\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n\nFinal-Recipient: rfc822; jean@client.example\nAction: failed\nStatus: 5.0.0\nRemote-MTA: dns; mx1.mail.ovh.net:25\nDiagnostic-Code: smtp; 550 nekochan\n\n--b--\n');
SET search_path = rebound, public;
DROP SCHEMA evil CASCADE;
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
