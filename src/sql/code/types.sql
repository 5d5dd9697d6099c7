-- src/sql/code/types.sql: smtp_status (RFC 3463 status codes), the reason and severity enums, domains and addresses.
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

CREATE OR REPLACE FUNCTION @extschema@.status_class(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'rebound_status_class'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.status_class(@extschema@.smtp_status) IS
	'class of an enhanced status code: 2 success, 4 persistent transient failure, 5 permanent failure';

CREATE OR REPLACE FUNCTION @extschema@.status_subject(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'rebound_status_subject'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.status_subject(@extschema@.smtp_status) IS
	'subject of an enhanced status code (1 addressing, 2 mailbox, 3 mail system, 4 network, 5 protocol, 6 content, 7 security)';

CREATE OR REPLACE FUNCTION @extschema@.status_detail(@extschema@.smtp_status)
	RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'rebound_status_detail'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.status_detail(@extschema@.smtp_status) IS
	'detail of an enhanced status code';

-- ===========================================================================
-- Domains
-- ===========================================================================

-- IMMUTABLE: the result depends only on the input and on the Unicode tables
-- of the ICU library the module is linked with, like an ICU collation.
CREATE OR REPLACE FUNCTION @extschema@.normalize_domain(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_normalize_domain'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normalize_domain(pg_catalog.text) IS
	'lower-case ASCII (IDNA UTS #46) form of a domain name, without the trailing dot';

CREATE OR REPLACE FUNCTION @extschema@.address_domain(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_address_domain'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.address_domain(pg_catalog.text) IS
	'normalized domain of an e-mail address';
