-- src/sql/code/provider_map.sql: the provider map: observed MX/NS hosts and addresses, lookups, domain_providers().
--
-- Behaviour: functions, procedures, triggers, views, their grants.  Written
-- CREATE OR REPLACE so that every upgrade script re-runs this file as it
-- is (the full install script drops the OR REPLACE).

-- The observed set, normalized: MX elements may be "preference host", as in
-- a zone file; an empty set is recorded as the one host ''.
CREATE OR REPLACE FUNCTION @extschema@.observed_hosts(role pg_catalog.text, hosts pg_catalog.text[])
	RETURNS TABLE (host pg_catalog.text, preference pg_catalog.int4)
	AS 'MODULE_PATHNAME', 'rebound_observed_hosts'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.observed_hosts(pg_catalog.text, pg_catalog.text[]) IS
	'the host set an observation of a domain records: normalized names, MX preferences, '''' for none';

-- Recording observations: the merge is src/core/history.c, the locking and
-- the writes src/glue/history.c.  Functions in C: the PL/pgSQL they replace
-- planned a dozen statements per observation and wrote the merge twice.
-- Writers of one key take turns on its row of observation_lock (see
-- src/sql/schema/provider_map.sql), locked in one global order.
CREATE OR REPLACE FUNCTION @extschema@.observe_domain(domain pg_catalog.text, role pg_catalog.text,
										   hosts pg_catalog.text[],
										   at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS void
	AS 'MODULE_PATHNAME', 'rebound_observe_domain'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.observe_domain(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.timestamptz) IS
	'records the MX or NS hosts a resolver saw for a domain at a time (NULL hosts: the lookup failed, nothing is recorded)';

CREATE OR REPLACE FUNCTION @extschema@.observe_host(host pg_catalog.text, addrs pg_catalog.inet[],
										 at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS void
	AS 'MODULE_PATHNAME', 'rebound_observe_host'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.observe_host(pg_catalog.text, pg_catalog.inet[], pg_catalog.timestamptz) IS
	'records the addresses a resolver saw for a host at a time (NULL addrs: the lookup failed, nothing is recorded)';

-- The set-based path: every key of the batch locked at once, in the global
-- order, so that concurrent batches never deadlock.
CREATE OR REPLACE FUNCTION @extschema@.observe(observations @extschema@.observation[])
	RETURNS pg_catalog.int4
	AS 'MODULE_PATHNAME', 'rebound_observe'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.observe(@extschema@.observation[]) IS
	'records many observations of domains (kind mx, ns) and hosts (kind addr) in one call, locking their keys in one global order; returns how many were recorded';

-- Every provider a domain depended on at a moment.  PL/pgSQL, not an
-- inlined SQL function: Citus refuses a SQL function inlined into a query
-- when it reads a distributed table (domain_host).  Each call is one index
-- scan of the domain's rows, with a plan cached per backend.
CREATE OR REPLACE FUNCTION @extschema@.domain_providers(domain pg_catalog.text,
											 at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, layer pg_catalog.text, host pg_catalog.text)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN QUERY
	-- One index scan of the domain's rows; for each host its own provider
	-- and those of its addresses.  At one moment a host holds one row per
	-- role, so the only duplicates are several addresses of one host in
	-- one network, removed per host (a UNION of the whole result would
	-- hash every call's rows once more).
	SELECT d.provider, 'domain'::pg_catalog.text, NULL::pg_catalog.text
	FROM (SELECT @extschema@.domain_provider(@extschema@.normalize_domain(domain_providers.domain)) AS provider) d
	WHERE d.provider IS NOT NULL
	UNION ALL
	SELECT p.provider, p.layer, h.host
	FROM @extschema@.domain_host h,
		 LATERAL (SELECT @extschema@.host_layer(h.host, h.role) AS layer) l,
		 LATERAL (SELECT @extschema@.host_provider(h.host) AS provider, l.layer
				  UNION ALL
				  SELECT DISTINCT @extschema@.ip_provider(a.addr), l.layer OPERATOR(pg_catalog.||) '_ip'
				  FROM @extschema@.host_address a
				  WHERE a.host OPERATOR(pg_catalog.=) h.host
					AND a.observed OPERATOR(pg_catalog.@>) domain_providers.at
					AND a.addr IS NOT NULL) p
	WHERE h.domain OPERATOR(pg_catalog.=) @extschema@.normalize_domain(domain_providers.domain)
	  AND h.observed OPERATOR(pg_catalog.@>) domain_providers.at
	  AND h.host OPERATOR(pg_catalog.<>) ALL ('{"",.}'::pg_catalog.text[])
	  AND p.provider IS NOT NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.domain_providers(pg_catalog.text, pg_catalog.timestamptz) IS
	'every (provider, layer, host) a domain depended on at a time: layers domain, gateway, gateway_ip, mx, mx_ip, ns, ns_ip';

-- The reverse direction, for healing: every domain that depended on a
-- provider during an interval, with the part of the interval during which
-- it did.  One call per incident, then a join on (domain, observed @>
-- occurred_at) over the bounces.
CREATE OR REPLACE FUNCTION @extschema@.provider_domains(provider pg_catalog.text,
											 during pg_catalog.tstzrange DEFAULT '(,)',
											 layers pg_catalog.text[] DEFAULT NULL)
	RETURNS TABLE (domain pg_catalog.text, layer pg_catalog.text, host pg_catalog.text,
				   observed pg_catalog.tstzrange)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN QUERY
	SELECT r.pattern, 'domain'::pg_catalog.text, NULL::pg_catalog.text, provider_domains.during
	FROM @extschema@.provider_rule r
	WHERE r.provider OPERATOR(pg_catalog.=) provider_domains.provider AND r.kind OPERATOR(pg_catalog.=) 'domain'
	  AND (provider_domains.layers IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY (provider_domains.layers))
	UNION
	-- Each rule's hosts are one range of domain_host_suffix_idx, each
	-- prefix's addresses a probe of host_address_addr_idx: LATERAL with
	-- OFFSET 0 keeps them per rule, whatever the planner thinks of the
	-- range's size (its default guess made a scan of the whole history
	-- look cheaper once the catalogue was analyzed).
	SELECT h.domain, h.layer, h.host, h.observed OPERATOR(pg_catalog.*) provider_domains.during
	FROM @extschema@.provider_rule r
	CROSS JOIN LATERAL (
		SELECT x.domain, x.host, x.observed, @extschema@.host_layer(x.host, x.role) AS layer
		FROM @extschema@.domain_host x
		WHERE pg_catalog.reverse(x.host) OPERATOR(pg_catalog.~>=~) pg_catalog.reverse(r.pattern)
		  AND pg_catalog.reverse(x.host) OPERATOR(pg_catalog.~<~) (pg_catalog.reverse(r.pattern) OPERATOR(pg_catalog.||) '/')
		  AND x.observed OPERATOR(pg_catalog.&&) provider_domains.during
		OFFSET 0) h
	WHERE r.provider OPERATOR(pg_catalog.=) provider_domains.provider
	  AND r.kind OPERATOR(pg_catalog.=) ANY ('{host_suffix,gateway}'::pg_catalog.text[])
	  AND (provider_domains.layers IS NULL OR h.layer OPERATOR(pg_catalog.=) ANY (provider_domains.layers))
	  AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) provider_domains.provider
	UNION
	-- addresses in the provider's prefixes: its cidr rules, and the
	-- prefixes loaded for the AS numbers of its asn rules
	SELECT h.domain, h.layer OPERATOR(pg_catalog.||) '_ip', h.host,
		   h.observed OPERATOR(pg_catalog.*) a.observed OPERATOR(pg_catalog.*) provider_domains.during
	FROM (SELECT r.pattern::pg_catalog.inet AS net
		  FROM @extschema@.provider_rule r
		  WHERE r.provider OPERATOR(pg_catalog.=) provider_domains.provider AND r.kind OPERATOR(pg_catalog.=) 'cidr'
		  UNION ALL
		  SELECT p.prefix
		  FROM @extschema@.provider_rule r
		  JOIN @extschema@.as_prefix p
			ON p.asn OPERATOR(pg_catalog.=) pg_catalog.substr(r.pattern, 3)::pg_catalog.int8
		  WHERE r.provider OPERATOR(pg_catalog.=) provider_domains.provider AND r.kind OPERATOR(pg_catalog.=) 'asn') n
	CROSS JOIN LATERAL (
		SELECT y.host, y.addr, y.observed
		FROM @extschema@.host_address y
		WHERE y.addr OPERATOR(pg_catalog.<<=) n.net
		  AND y.observed OPERATOR(pg_catalog.&&) provider_domains.during
		OFFSET 0) a
	-- the layer in a subquery with a FROM: Citus refuses a subquery without
	-- one that calls a function not IMMUTABLE
	JOIN (SELECT x.domain, x.host, x.observed, @extschema@.host_layer(x.host, x.role) AS layer
		  FROM @extschema@.domain_host x) h
	  ON h.host OPERATOR(pg_catalog.=) a.host AND h.observed OPERATOR(pg_catalog.&&) a.observed
	WHERE h.observed OPERATOR(pg_catalog.&&) provider_domains.during
	  AND NOT pg_catalog.isempty(h.observed OPERATOR(pg_catalog.*) a.observed OPERATOR(pg_catalog.*) provider_domains.during)
	  AND (provider_domains.layers IS NULL OR (h.layer OPERATOR(pg_catalog.||) '_ip') OPERATOR(pg_catalog.=) ANY (provider_domains.layers))
	  AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) provider_domains.provider;
END
$$;
COMMENT ON FUNCTION @extschema@.provider_domains(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'every domain that depended on a provider during an interval: (domain, layer, host, the part of the interval it held)';

-- Real DNS from the server (src/glue/dns.c): rebound.dns_servers,
-- rebound.dns_timeout and rebound.dns_concurrency set where and how.
-- Network access: not granted to PUBLIC.
CREATE OR REPLACE FUNCTION @extschema@.dns_lookup(names pg_catalog.text[])
	RETURNS TABLE (name pg_catalog.text, kind pg_catalog.text, status pg_catalog.text,
				   hosts pg_catalog.text[], addrs pg_catalog.inet[],
				   at pg_catalog.timestamptz)
	AS 'MODULE_PATHNAME', 'rebound_dns_lookup'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.dns_lookup(pg_catalog.text[]) IS
	'queries MX and NS of domains and A/AAAA of their hosts, concurrently; returns what was seen without recording it';

-- Turn lookups into observations: failures are not observations.
CREATE OR REPLACE FUNCTION @extschema@.record_lookup(name pg_catalog.text, kind pg_catalog.text,
										  status pg_catalog.text, hosts pg_catalog.text[],
										  addrs pg_catalog.inet[], at pg_catalog.timestamptz)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF status NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN
		RETURN false;
	END IF;
	IF kind = 'addr' THEN
		PERFORM @extschema@.observe_host(name, addrs, at);
	ELSE
		PERFORM @extschema@.observe_domain(name, kind, hosts, at);
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION @extschema@.record_lookup(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.inet[], pg_catalog.timestamptz) IS
	'records one row of dns_lookup() as an observation, unless the lookup failed; true when recorded';

CREATE OR REPLACE FUNCTION @extschema@.resolve_domain(domain pg_catalog.text)
	RETURNS TABLE (name pg_catalog.text, kind pg_catalog.text, status pg_catalog.text,
				   hosts pg_catalog.text[], addrs pg_catalog.inet[], recorded boolean)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	mx_status text;
	ns_status text;
BEGIN
	FOR r IN SELECT * FROM @extschema@.dns_lookup(ARRAY[domain]) l ORDER BY l.kind <> 'mx', l.kind <> 'ns', l.name LOOP
		name := r.name;
		kind := r.kind;
		status := r.status;
		hosts := r.hosts;
		addrs := r.addrs;
		recorded := @extschema@.record_lookup(r.name, r.kind, r.status, r.hosts, r.addrs, r.at);
		IF r.kind = 'mx' THEN
			mx_status := r.status;
		ELSIF r.kind = 'ns' THEN
			ns_status := r.status;
			PERFORM @extschema@.note_lookup(r.name, mx_status, ns_status);
		END IF;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.resolve_domain(pg_catalog.text) IS
	'looks a domain up in DNS now (MX, NS, their addresses), records what was observed, and returns every lookup with its status';

-- domain_lookup bookkeeping: the worse of the two statuses.
CREATE OR REPLACE FUNCTION @extschema@.note_lookup(domain pg_catalog.text, mx_status pg_catalog.text,
										ns_status pg_catalog.text)
	RETURNS void
	LANGUAGE sql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO @extschema@.domain_lookup AS l (domain, looked_up_at, status, failures)
	SELECT $1, pg_catalog.clock_timestamp(), s.status,
		   CASE WHEN s.status IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN 0 ELSE 1 END
	FROM (SELECT CASE WHEN $2 NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN $2
					  WHEN $3 NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN $3
					  WHEN $2 = 'nxdomain' THEN 'nxdomain'
					  ELSE 'ok' END) AS s (status)
	ON CONFLICT (domain) DO UPDATE
	SET looked_up_at = excluded.looked_up_at, status = excluded.status,
		failures = CASE WHEN excluded.failures = 0 THEN 0 ELSE l.failures + 1 END
$$;
COMMENT ON FUNCTION @extschema@.note_lookup(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
	'notes in domain_lookup when a domain was looked up and how it went';

CREATE OR REPLACE FUNCTION @extschema@.refresh_domains(max_domains pg_catalog.int4 DEFAULT 1000)
	RETURNS TABLE (domains pg_catalog.int4, observed pg_catalog.int4, nxdomain pg_catalog.int4,
				   servfail pg_catalog.int4, timeout pg_catalog.int4, refused pg_catalog.int4,
				   other_failures pg_catalog.int4)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	batch text[];
	answered constant text[] := '{ok,nodata,nxdomain,null_mx}';
	observations @extschema@.observation[];
	looked_up text[];
	outcomes text[];
BEGIN
	IF max_domains IS NULL OR max_domains < 0 THEN
		RAISE EXCEPTION 'invalid max_domains: %', max_domains
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The number of domains to refresh is zero or more.';
	END IF;
	-- the domains of the ledger and of the history, never looked up
	-- first, then the longest ago
	batch := ARRAY(SELECT c.domain
				   FROM (SELECT h.domain FROM @extschema@.domain_host h
						 UNION SELECT b.domain FROM @extschema@.bounce b WHERE b.domain IS NOT NULL) c
				   LEFT JOIN @extschema@.domain_lookup l ON l.domain = c.domain
				   ORDER BY l.looked_up_at NULLS FIRST, c.domain LIMIT max_domains);
	domains := coalesce(array_length(batch, 1), 0);
	-- one lookup of the batch (of nothing when it is empty): the observations
	-- (the answers, NXDOMAIN included; not SERVFAIL), and per domain the
	-- outcome: its MX lookup's failure, else its NS lookup's
	WITH r AS MATERIALIZED (SELECT * FROM @extschema@.dns_lookup(batch))
	SELECT ARRAY(SELECT ROW(r.name, r.kind, r.hosts, r.addrs, r.at)::@extschema@.observation
				 FROM r WHERE r.status OPERATOR(pg_catalog.=) ANY (answered)),
		   o.domains, o.outcomes
	INTO observations, looked_up, outcomes
	FROM (SELECT array_agg(m.name) AS domains,
				 array_agg(CASE WHEN m.status <> ALL (answered) THEN m.status
								WHEN n.status <> ALL (answered) THEN n.status
								WHEN m.status = 'nxdomain' THEN 'nxdomain'
								ELSE 'ok' END) AS outcomes
		  FROM r m JOIN r n ON n.name = m.name AND n.kind = 'ns'
		  WHERE m.kind = 'mx') o;
	-- one batch: its keys are locked in one global order, so refreshes
	-- running at once never deadlock
	PERFORM @extschema@.observe(observations);
	-- one line per domain in domain_lookup, and the counts by outcome
	WITH s AS (SELECT * FROM unnest(looked_up, outcomes) AS s (domain, status)),
	noted AS (
		INSERT INTO @extschema@.domain_lookup AS l (domain, looked_up_at, status, failures)
		SELECT s.domain, clock_timestamp(), s.status, CASE WHEN s.status IN ('ok', 'nxdomain') THEN 0 ELSE 1 END
		FROM s
		ON CONFLICT (domain) DO UPDATE
		SET looked_up_at = excluded.looked_up_at, status = excluded.status,
			failures = CASE WHEN excluded.failures = 0 THEN 0 ELSE l.failures + 1 END)
	SELECT count(*) FILTER (WHERE s.status IN ('ok', 'nxdomain')), count(*) FILTER (WHERE s.status = 'nxdomain'),
		   count(*) FILTER (WHERE s.status = 'servfail'), count(*) FILTER (WHERE s.status = 'timeout'),
		   count(*) FILTER (WHERE s.status = 'refused'),
		   count(*) FILTER (WHERE s.status NOT IN ('ok', 'nxdomain', 'servfail', 'timeout', 'refused'))
	INTO observed, nxdomain, servfail, timeout, refused, other_failures
	FROM s;
	IF servfail + timeout + refused + other_failures > 0 THEN
		RAISE NOTICE 'rebound.refresh_domains: % of % domains not observed (SERVFAIL %, timeout %, refused %, other %)',
			servfail + timeout + refused + other_failures, domains, servfail, timeout, refused, other_failures;
	END IF;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_domains(pg_catalog.int4) IS
	'looks up the domains of the ledger and of the history not looked up for the longest time, concurrently, and records what was observed';

REVOKE ALL ON FUNCTION @extschema@.dns_lookup(pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.resolve_domain(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.refresh_domains(pg_catalog.int4) FROM PUBLIC;
