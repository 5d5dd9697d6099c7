-- src/sql/schema/catalogue.sql: the provider catalogue: providers, their rules, the tombstones of user deletions.
--
-- Declarations: types, tables, indexes, what pg_dump keeps.  Run once, by
-- CREATE EXTENSION; a change here also goes, by hand, into the upgrade
-- script under src/sql/upgrade/.

-- ===========================================================================
-- Providers: the catalogue, host and address matching, the observed history
-- of each domain's MX and NS hosts, and which providers a domain depended on
-- at a given moment
-- ===========================================================================

-- The catalogue.  Rows installed by the extension carry origin 'catalogue';
-- rows users add carry 'user' (the default).  pg_dump keeps the user rows
-- and the tombstones; CREATE EXTENSION brings the catalogue rows back at
-- restore time, and the tombstones then remove again the ones the user had
-- deleted (see provider_tombstone).  Upgrade scripts add catalogue rows only
-- where no tombstone names them.
CREATE TABLE @extschema@.provider (
	name pg_catalog.text PRIMARY KEY
		CHECK (name OPERATOR(pg_catalog.~) '^[a-z0-9][a-z0-9_.-]*$'),
	display_name pg_catalog.text,
	origin pg_catalog.text NOT NULL DEFAULT 'user'
		CHECK (origin IN ('catalogue', 'user'))
);
COMMENT ON TABLE @extschema@.provider IS
	'mailbox, mail-hosting, DNS-hosting and network providers, named in lower case';

CREATE TABLE @extschema@.provider_rule (
	provider pg_catalog.text NOT NULL
		REFERENCES @extschema@.provider (name) ON UPDATE CASCADE ON DELETE CASCADE,
	kind pg_catalog.text NOT NULL
		CHECK (kind IN ('domain', 'host_suffix', 'gateway', 'cidr', 'asn')),
	pattern pg_catalog.text NOT NULL,
	origin pg_catalog.text NOT NULL DEFAULT 'user'
		CHECK (origin IN ('catalogue', 'user')),
	PRIMARY KEY (kind, pattern)
);
COMMENT ON TABLE @extschema@.provider_rule IS
	'how to recognise a provider: a consumer mail domain, a host-name suffix (MX, NS), a security gateway''s MX host suffix, a network prefix, or an autonomous system';
CREATE INDEX provider_rule_provider_idx ON @extschema@.provider_rule (provider, kind);

-- A user rule of the classifier may name a provider: it must exist.
ALTER TABLE @extschema@.rule
	ADD FOREIGN KEY (provider) REFERENCES @extschema@.provider (name) ON UPDATE CASCADE;

-- What the user deleted from the catalogue: kind 'provider' (pattern is the
-- provider's name) or a rule kind.  No unique key on purpose: a restore may
-- write a tombstone that a trigger already wrote, and must not fail on it.
CREATE TABLE @extschema@.provider_tombstone (
	kind pg_catalog.text NOT NULL
		CHECK (kind IN ('provider', 'domain', 'host_suffix', 'gateway', 'cidr', 'asn')),
	pattern pg_catalog.text NOT NULL,
	deleted_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.provider_tombstone IS
	'catalogue providers and rules a user deleted; they are not installed again';
CREATE INDEX provider_tombstone_idx ON @extschema@.provider_tombstone (kind, pattern);

-- Networks by AS number: the prefixes each autonomous system announces, as
-- the last rebound.load_prefixes() loaded them from a routing table dump
-- (CAIDA pfx2as, MaxMind GeoLite2-ASN, a plain list).  An asn rule gives an
-- AS to a provider; ip_provider() then consults these prefixes where no
-- cidr rule applies.  A prefix may have several origins (multi-origin
-- announcements, AS sets): one row per origin.  Users' data, not the
-- catalogue's: dumped whole.
CREATE TABLE @extschema@.as_prefix (
	prefix pg_catalog.cidr NOT NULL,
	asn pg_catalog.int8 NOT NULL CHECK (asn BETWEEN 0 AND 4294967295),
	PRIMARY KEY (prefix, asn)
);
COMMENT ON TABLE @extschema@.as_prefix IS
	'prefixes announced by each autonomous system, as of the last load_prefixes(); read through asn rules';
-- the matcher joins asn rules to their prefixes
CREATE INDEX as_prefix_asn_idx ON @extschema@.as_prefix (asn);

-- What the prefixes are: one row, the last load (none before the first).
CREATE TABLE @extschema@.as_prefix_load (
	only_row pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (only_row),
	format pg_catalog.text NOT NULL CHECK (format IN ('pfx2as', 'plain', 'geolite2')),
	as_of pg_catalog.date,
	prefixes pg_catalog.int8 NOT NULL,
	ases pg_catalog.int8 NOT NULL,
	loaded_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	loaded_by pg_catalog.text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.as_prefix_load IS
	'the load as_prefix holds: its format, the date of the routing data, counts, when and by whom';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.provider', 'WHERE origin = ''user''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.provider_rule', 'WHERE origin = ''user''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.provider_tombstone', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.as_prefix', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.as_prefix_load', '');
