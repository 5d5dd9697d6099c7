-- src/sql/schema/provider_map.sql: the provider map: observed MX/NS hosts and addresses, lookups, domain_providers().
--
-- Declarations: types, tables, indexes, what pg_dump keeps.  Run once, by
-- CREATE EXTENSION; a change here also goes, by hand, into the upgrade
-- script under src/sql/upgrade/.

-- What resolvers saw.  Each row says: from lower(observed) to
-- upper(observed), host was one of the domain's MX (or NS) hosts.  An
-- unbounded lower end marks the first observation of the domain's role,
-- which stands for all the time before it; an unbounded upper end, a row no
-- observation has contradicted yet.  first_seen and last_seen are the
-- earliest and latest observations that confirmed the row; with the bounds
-- they are the instants at which the role was observed, which is what lets
-- an observation arrive out of order.  host is '' in the row that records
-- an observation of no host at all (NXDOMAIN, no MX records), and '.' for a
-- null MX (RFC 7505): both are real observations, matched by no provider.
CREATE TABLE @extschema@.domain_host (
	domain pg_catalog.text NOT NULL,
	role pg_catalog.text NOT NULL CHECK (role IN ('mx', 'ns')),
	host pg_catalog.text NOT NULL,
	preference pg_catalog.int4,
	observed pg_catalog.tstzrange NOT NULL CHECK (NOT pg_catalog.isempty(observed)),
	first_seen pg_catalog.timestamptz NOT NULL,
	last_seen pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.domain_host IS
	'observed MX and NS hosts of each domain, with the interval during which each was true';
-- Unique per (domain, role, host, start): includes domain, so the table can
-- be distributed by domain.  It also serves "as of" lookups by domain.
CREATE UNIQUE INDEX domain_host_key ON @extschema@.domain_host
	(domain, role, host, pg_catalog.lower(observed)) NULLS NOT DISTINCT;
-- Joins from host_address (which domains use this host).
CREATE INDEX domain_host_host_idx ON @extschema@.domain_host (host);
-- Host-suffix ranges for provider_domains(): reversed names make
-- "every host under ovh.net" one range of the index.
CREATE INDEX domain_host_suffix_idx ON @extschema@.domain_host
	(pg_catalog.reverse(host) pg_catalog.text_pattern_ops);

CREATE TABLE @extschema@.host_address (
	host pg_catalog.text NOT NULL,
	addr pg_catalog.inet,
	observed pg_catalog.tstzrange NOT NULL CHECK (NOT pg_catalog.isempty(observed)),
	first_seen pg_catalog.timestamptz NOT NULL,
	last_seen pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.host_address IS
	'observed IPv4 and IPv6 addresses of each host, with the interval during which each was true (addr NULL: no address)';
CREATE UNIQUE INDEX host_address_key ON @extschema@.host_address
	(host, addr, pg_catalog.lower(observed)) NULLS NOT DISTINCT;
CREATE INDEX host_address_addr_idx ON @extschema@.host_address
	USING gist (addr pg_catalog.inet_ops);

-- The outcome of the last lookup of each domain by resolve_domain and
-- refresh_domains (an observation or a failure), so that a refresh picks the
-- domains looked at longest ago and failures are visible.
CREATE TABLE @extschema@.domain_lookup (
	domain pg_catalog.text PRIMARY KEY,
	looked_up_at pg_catalog.timestamptz NOT NULL,
	status pg_catalog.text NOT NULL,
	failures pg_catalog.int4 NOT NULL DEFAULT 0
);
COMMENT ON TABLE @extschema@.domain_lookup IS
	'last DNS lookup of each domain by resolve_domain/refresh_domains, and its status';
CREATE INDEX domain_lookup_at_idx ON @extschema@.domain_lookup (looked_up_at);

-- What observe() takes: one lookup's outcome, as dns_lookup() returns it
-- (kind 'mx' or 'ns' with hosts, 'addr' with addrs; a NULL set is a failed
-- lookup and records nothing).
CREATE TYPE @extschema@.observation AS (
	name pg_catalog.text,
	kind pg_catalog.text,
	hosts pg_catalog.text[],
	addrs pg_catalog.inet[],
	at pg_catalog.timestamptz
);
COMMENT ON TYPE @extschema@.observation IS
	'one observation for observe(): a domain''s MX or NS hosts, or a host''s addresses, at a time';

-- One row per key that has been written (kind 'mx' or 'ns' and a domain,
-- or 'addr' and a host): writers of a key take turns by locking its row
-- (INSERT ... ON CONFLICT DO UPDATE), all of a call's keys at once in
-- (kind, name) order.  Only roles that may UPDATE this table can lock its
-- rows, unlike advisory locks, which any role can take; and a key's lock
-- is never shared with another key.  Not dumped: the rows carry nothing.
CREATE TABLE @extschema@.observation_lock (
	kind pg_catalog.text NOT NULL,
	name pg_catalog.text NOT NULL,
	PRIMARY KEY (kind, name)
);
COMMENT ON TABLE @extschema@.observation_lock IS
	'one row per domain role or host written by observe_domain/observe_host/observe, locked by its writers';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.domain_host', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.host_address', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.domain_lookup', '');
