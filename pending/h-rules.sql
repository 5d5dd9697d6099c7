-- pending/h-rules.sql: SQL for the lead to port from branch h-rules
-- (issue 15, item 3).  Nothing here is needed for the C code or the tests
-- of the branch to work: the triggers keep their declarations (rule_check
-- BEFORE INSERT OR UPDATE FOR EACH ROW; rule_changed AFTER INSERT OR
-- UPDATE OR DELETE OR TRUNCATE FOR EACH STATEMENT), and the C side now
-- reads rebound.rule and rebound.provider_rule as the extension's owner,
-- so no grant changes.  These are the comments that no longer say what
-- the objects do.

-- src/sql/code/classify.sql (install and upgrade): replaces the two
-- COMMENT ON FUNCTION statements of the rule triggers.
COMMENT ON FUNCTION @extschema@.rule_check() IS
	'trigger: refuses a rule whose regular expression does not compile, uses back-references or lookaround, or is too long or too complex to match in bounded time and memory';
COMMENT ON FUNCTION @extschema@.rule_changed() IS
	'trigger: invalidates the rules every backend compiled; after INSERT or UPDATE, compiles the new set and refuses regex rules too complex together';

-- src/sql/schema/classify.sql (install), and the same statement in
-- src/sql/upgrade/0.1.0--0.2.0.sql: the column comment names the bounds.
COMMENT ON COLUMN @extschema@.rule.pattern IS
	'case-insensitive substring of the diagnostic, or a case-insensitive POSIX (advanced) regular expression when is_regex, without back-references or lookaround and within the bounds of the README';

-- src/sql/schema/classify.sql: the comment above
--     GRANT SELECT ON @extschema@.rule TO PUBLIC;
-- says "classify() reads the rules with the caller's rights"; it no longer
-- does (the cache reads them as the extension's owner).  The grant itself
-- can stay (rules are meant to be readable by everyone); suggested comment:
--     -- Everyone may read the rules; classify() reads them as the
--     -- extension's owner, so it needs no grant.
