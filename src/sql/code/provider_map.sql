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

CREATE OR REPLACE FUNCTION @extschema@.observe_domain(domain pg_catalog.text, role pg_catalog.text,
										   hosts pg_catalog.text[],
										   at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d text;
	r text := observe_domain.role;
	t timestamptz := observe_domain.at;
	hs text[];
	ps int4[];
	cur_hosts text[];
	later bigint;
	total bigint;
	nxt timestamptz;
	is_first boolean;
	prev record;
	cur record;
	item record;
	lo timestamptz;
BEGIN
	-- A failed lookup (SERVFAIL, timeout) is no observation.
	IF hosts IS NULL THEN
		RETURN;
	END IF;
	IF observe_domain.domain IS NULL OR r IS NULL OR t IS NULL THEN
		RAISE EXCEPTION 'domain, role and time of an observation must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF r NOT IN ('mx', 'ns') THEN
		RAISE EXCEPTION 'invalid role: "%"', r
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The role of a domain''s host is ''mx'' or ''ns''.';
	END IF;
	IF NOT isfinite(t) THEN
		RAISE EXCEPTION 'invalid observation time: "%"', t
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'An observation happens at a finite time.';
	END IF;
	d := @extschema@.normalize_domain(observe_domain.domain);
	-- Writers of one domain's role take turns.  The lock is one of 64 per
	-- table, not one per domain: a refresh of many domains in one
	-- transaction holds at most 64 locks, whatever its size.
	PERFORM pg_advisory_xact_lock(hashtext('rebound.domain_host'), hashtext(d || ' ' || r) & 63);

	SELECT array_agg(o.host ORDER BY o.host), array_agg(o.preference ORDER BY o.host)
	INTO hs, ps FROM @extschema@.observed_hosts(r, hosts) o;

	-- The common cases in a few statements: a domain seen for the first
	-- time, and an observation in time order (nothing known after t).
	SELECT array_agg(h.host ORDER BY h.host) FILTER (WHERE h.observed @> t),
		   count(*) FILTER (WHERE lower(h.observed) > t OR upper(h.observed) > t
							OR h.first_seen > t OR h.last_seen > t),
		   count(*)
	INTO cur_hosts, later, total
	FROM @extschema@.domain_host h WHERE h.domain = d AND h.role = r;
	IF total = 0 THEN
		INSERT INTO @extschema@.domain_host
		SELECT d, r, u.host, u.preference, '(,)', t, t FROM unnest(hs, ps) AS u (host, preference);
		RETURN;
	END IF;
	IF later = 0 THEN
		-- t comes after everything known: extend, close at t, open at t
		UPDATE @extschema@.domain_host h SET last_seen = t, preference = u.preference
		FROM unnest(hs, ps) AS u (host, preference)
		WHERE h.domain = d AND h.role = r AND h.host = u.host AND h.observed @> t;
		IF cur_hosts IS DISTINCT FROM hs THEN
			DELETE FROM @extschema@.domain_host h
			WHERE h.domain = d AND h.role = r AND h.observed @> t AND h.host <> ALL (hs)
			  AND lower(h.observed) = t;
			UPDATE @extschema@.domain_host h SET observed = tstzrange(lower(h.observed), t, '[)')
			WHERE h.domain = d AND h.role = r AND h.observed @> t AND h.host <> ALL (hs);
			INSERT INTO @extschema@.domain_host
			SELECT d, r, u.host, u.preference, tstzrange(t, NULL, '[)'), t, t
			FROM unnest(hs, ps) AS u (host, preference)
			WHERE u.host <> ALL (coalesce(cur_hosts, '{}'));
		END IF;
		RETURN;
	END IF;

	-- The instants at which this role was observed, seen from t.
	SELECT min(x.x) INTO nxt
	FROM @extschema@.domain_host h,
		 LATERAL (VALUES (lower(h.observed)), (upper(h.observed)), (h.first_seen), (h.last_seen)) x (x)
	WHERE h.domain = d AND h.role = r AND x.x > t;
	SELECT NOT EXISTS (
		SELECT FROM @extschema@.domain_host h
		WHERE h.domain = d AND h.role = r
		  AND (h.first_seen <= t OR lower(h.observed) <= t OR upper(h.observed) <= t))
	INTO is_first;

	-- Rows true at t that t contradicts: cut t..nxt out of them.  Before the
	-- first observation, the first one stands: nothing is kept before t.
	FOR prev IN
		DELETE FROM @extschema@.domain_host h
		WHERE h.domain = d AND h.role = r AND h.observed @> t AND h.host <> ALL (hs)
		RETURNING h.*
	LOOP
		IF NOT is_first AND (lower_inf(prev.observed) OR lower(prev.observed) < t) THEN
			INSERT INTO @extschema@.domain_host
			VALUES (d, r, prev.host, prev.preference, tstzrange(lower(prev.observed), t, '[)'),
					least(prev.first_seen, t),
					CASE WHEN prev.last_seen < t THEN prev.last_seen ELSE least(prev.first_seen, t) END);
		END IF;
		IF nxt IS NOT NULL AND (upper_inf(prev.observed) OR upper(prev.observed) > nxt) THEN
			INSERT INTO @extschema@.domain_host
			VALUES (d, r, prev.host, prev.preference, tstzrange(nxt, upper(prev.observed), '[)'),
					greatest(prev.first_seen, nxt), greatest(prev.last_seen, nxt));
		END IF;
	END LOOP;

	-- Hosts seen at t: extend the row that holds at t, or open one for
	-- t..nxt.
	FOR item IN SELECT * FROM unnest(hs, ps) AS u (host, preference) LOOP
		SELECT * INTO cur FROM @extschema@.domain_host h
		 WHERE h.domain = d AND h.role = r AND h.host = item.host AND h.observed @> t;
		IF FOUND THEN
			IF t >= cur.last_seen THEN
				-- in time order: extend
				UPDATE @extschema@.domain_host h
				   SET last_seen = t, preference = item.preference
				 WHERE h.domain = d AND h.role = r AND h.host = item.host AND h.observed @> t;
			ELSIF t <> cur.first_seen THEN
				-- out of order: split the row at the instant that would be
				-- forgotten otherwise, so that later imports still see it
				lo := CASE WHEN t < cur.first_seen THEN cur.first_seen ELSE t END;
				UPDATE @extschema@.domain_host h
				   SET observed = tstzrange(lo, upper(h.observed), '[)'), first_seen = lo
				 WHERE h.domain = d AND h.role = r AND h.host = item.host AND h.observed @> t;
				INSERT INTO @extschema@.domain_host
				VALUES (d, r, item.host, cur.preference, tstzrange(lower(cur.observed), lo, '[)'),
						least(t, cur.first_seen), least(t, cur.first_seen));
			END IF;
			CONTINUE;
		END IF;
		-- New here: open t..nxt.  Adjacent rows of the same host are not
		-- merged: their bounds are instants of observation to remember.
		INSERT INTO @extschema@.domain_host
		VALUES (d, r, item.host, item.preference,
				tstzrange(CASE WHEN is_first THEN NULL ELSE t END, nxt, '[)'), t, t);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.observe_domain(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.timestamptz) IS
	'records the MX or NS hosts a resolver saw for a domain at a time (NULL hosts: the lookup failed, nothing is recorded)';

CREATE OR REPLACE FUNCTION @extschema@.observe_host(host pg_catalog.text, addrs pg_catalog.inet[],
										 at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n text;
	t timestamptz := observe_host.at;
	aset inet[];
	a inet;
	cur_addrs inet[];
	later bigint;
	total bigint;
	nxt timestamptz;
	is_first boolean;
	prev record;
	cur record;
	lo timestamptz;
BEGIN
	IF addrs IS NULL THEN
		RETURN;
	END IF;
	IF observe_host.host IS NULL OR t IS NULL THEN
		RAISE EXCEPTION 'host and time of an observation must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT isfinite(t) THEN
		RAISE EXCEPTION 'invalid observation time: "%"', t
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'An observation happens at a finite time.';
	END IF;
	n := @extschema@.normalize_domain(observe_host.host);
	PERFORM pg_advisory_xact_lock(hashtext('rebound.host_address'), hashtext(n) & 63);

	-- Host addresses, without masks; an empty set is recorded as NULL.
	SELECT array_agg(DISTINCT set_masklen(x, CASE family(x) WHEN 4 THEN 32 ELSE 128 END)
					 ORDER BY set_masklen(x, CASE family(x) WHEN 4 THEN 32 ELSE 128 END))
	INTO aset FROM unnest(addrs) x WHERE x IS NOT NULL;
	IF aset IS NULL THEN
		aset := ARRAY[NULL]::inet[];
	END IF;

	SELECT array_agg(h.addr ORDER BY h.addr) FILTER (WHERE h.observed @> t),
		   count(*) FILTER (WHERE lower(h.observed) > t OR upper(h.observed) > t
							OR h.first_seen > t OR h.last_seen > t),
		   count(*)
	INTO cur_addrs, later, total
	FROM @extschema@.host_address h WHERE h.host = n;
	IF total = 0 THEN
		INSERT INTO @extschema@.host_address SELECT n, x, '(,)', t, t FROM unnest(aset) x;
		RETURN;
	END IF;
	IF later = 0 THEN
		UPDATE @extschema@.host_address h SET last_seen = t
		WHERE h.host = n AND h.observed @> t
		  AND EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr);
		IF cur_addrs IS DISTINCT FROM aset THEN
			DELETE FROM @extschema@.host_address h
			WHERE h.host = n AND h.observed @> t AND lower(h.observed) = t
			  AND NOT EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr);
			UPDATE @extschema@.host_address h SET observed = tstzrange(lower(h.observed), t, '[)')
			WHERE h.host = n AND h.observed @> t
			  AND NOT EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr);
			INSERT INTO @extschema@.host_address
			SELECT n, x.a, tstzrange(t, NULL, '[)'), t, t FROM unnest(aset) x (a)
			WHERE NOT EXISTS (SELECT FROM unnest(coalesce(cur_addrs, '{}')) c (a)
							  WHERE c.a IS NOT DISTINCT FROM x.a);
		END IF;
		RETURN;
	END IF;

	SELECT min(x.x) INTO nxt
	FROM @extschema@.host_address h,
		 LATERAL (VALUES (lower(h.observed)), (upper(h.observed)), (h.first_seen), (h.last_seen)) x (x)
	WHERE h.host = n AND x.x > t;
	SELECT NOT EXISTS (
		SELECT FROM @extschema@.host_address h
		WHERE h.host = n
		  AND (h.first_seen <= t OR lower(h.observed) <= t OR upper(h.observed) <= t))
	INTO is_first;

	FOR prev IN
		DELETE FROM @extschema@.host_address h
		WHERE h.host = n AND h.observed @> t
		  AND NOT EXISTS (SELECT FROM unnest(aset) s (a) WHERE s.a IS NOT DISTINCT FROM h.addr)
		RETURNING h.*
	LOOP
		IF NOT is_first AND (lower_inf(prev.observed) OR lower(prev.observed) < t) THEN
			INSERT INTO @extschema@.host_address
			VALUES (n, prev.addr, tstzrange(lower(prev.observed), t, '[)'),
					least(prev.first_seen, t),
					CASE WHEN prev.last_seen < t THEN prev.last_seen ELSE least(prev.first_seen, t) END);
		END IF;
		IF nxt IS NOT NULL AND (upper_inf(prev.observed) OR upper(prev.observed) > nxt) THEN
			INSERT INTO @extschema@.host_address
			VALUES (n, prev.addr, tstzrange(nxt, upper(prev.observed), '[)'),
					greatest(prev.first_seen, nxt), greatest(prev.last_seen, nxt));
		END IF;
	END LOOP;

	FOREACH a IN ARRAY aset LOOP
		SELECT * INTO cur FROM @extschema@.host_address h
		 WHERE h.host = n AND h.addr IS NOT DISTINCT FROM a AND h.observed @> t;
		IF FOUND THEN
			IF t >= cur.last_seen THEN
				UPDATE @extschema@.host_address h SET last_seen = t
				 WHERE h.host = n AND h.addr IS NOT DISTINCT FROM a AND h.observed @> t;
			ELSIF t <> cur.first_seen THEN
				lo := CASE WHEN t < cur.first_seen THEN cur.first_seen ELSE t END;
				UPDATE @extschema@.host_address h
				   SET observed = tstzrange(lo, upper(h.observed), '[)'), first_seen = lo
				 WHERE h.host = n AND h.addr IS NOT DISTINCT FROM a AND h.observed @> t;
				INSERT INTO @extschema@.host_address
				VALUES (n, a, tstzrange(lower(cur.observed), lo, '[)'),
						least(t, cur.first_seen), least(t, cur.first_seen));
			END IF;
			CONTINUE;
		END IF;
		INSERT INTO @extschema@.host_address
		VALUES (n, a, tstzrange(CASE WHEN is_first THEN NULL ELSE t END, nxt, '[)'), t, t);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.observe_host(pg_catalog.text, pg_catalog.inet[], pg_catalog.timestamptz) IS
	'records the addresses a resolver saw for a host at a time (NULL addrs: the lookup failed, nothing is recorded)';

-- Every provider a domain depended on at a moment.  LANGUAGE sql, STABLE,
-- one SELECT: the planner inlines it into the caller's query, so a LATERAL
-- call over many bounces is a plain join on the indexes above.
CREATE OR REPLACE FUNCTION @extschema@.domain_providers(domain pg_catalog.text,
											 at pg_catalog.timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (provider pg_catalog.text, layer pg_catalog.text, host pg_catalog.text)
	LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	-- One index scan of the domain's rows; for each host its own provider
	-- and those of its addresses.  At one moment a host holds one row per
	-- role, so the only duplicates are several addresses of one host in
	-- one network, removed per host (a UNION of the whole result would
	-- hash every call's rows once more).
	SELECT d.provider, 'domain'::pg_catalog.text, NULL::pg_catalog.text
	FROM (SELECT @extschema@.domain_provider(@extschema@.normalize_domain($1)) AS provider) d
	WHERE d.provider IS NOT NULL
	UNION ALL
	SELECT p.provider, p.layer, h.host
	FROM @extschema@.domain_host h,
		 LATERAL (SELECT @extschema@.host_provider(h.host) AS provider, h.role AS layer
				  UNION ALL
				  SELECT DISTINCT @extschema@.ip_provider(a.addr), h.role OPERATOR(pg_catalog.||) '_ip'
				  FROM @extschema@.host_address a
				  WHERE a.host OPERATOR(pg_catalog.=) h.host
					AND a.observed OPERATOR(pg_catalog.@>) $2
					AND a.addr IS NOT NULL) p
	WHERE h.domain OPERATOR(pg_catalog.=) @extschema@.normalize_domain($1)
	  AND h.observed OPERATOR(pg_catalog.@>) $2
	  AND h.host OPERATOR(pg_catalog.<>) ALL ('{"",.}'::pg_catalog.text[])
	  AND p.provider IS NOT NULL
$$;
COMMENT ON FUNCTION @extschema@.domain_providers(pg_catalog.text, pg_catalog.timestamptz) IS
	'every (provider, layer, host) a domain depended on at a time: layers domain, mx, mx_ip, ns, ns_ip';

-- The reverse direction, for healing: every domain that depended on a
-- provider during an interval, with the part of the interval during which
-- it did.  One call per incident, then a join on (domain, observed @>
-- occurred_at) over the bounces.
CREATE OR REPLACE FUNCTION @extschema@.provider_domains(provider pg_catalog.text,
											 during pg_catalog.tstzrange DEFAULT '(,)',
											 layers pg_catalog.text[] DEFAULT NULL)
	RETURNS TABLE (domain pg_catalog.text, layer pg_catalog.text, host pg_catalog.text,
				   observed pg_catalog.tstzrange)
	LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT r.pattern, 'domain'::pg_catalog.text, NULL::pg_catalog.text, $2
	FROM @extschema@.provider_rule r
	WHERE r.provider OPERATOR(pg_catalog.=) $1 AND r.kind OPERATOR(pg_catalog.=) 'domain'
	  AND ($3 IS NULL OR 'domain' OPERATOR(pg_catalog.=) ANY ($3))
	UNION
	SELECT h.domain, h.role, h.host, h.observed OPERATOR(pg_catalog.*) $2
	FROM @extschema@.provider_rule r
	JOIN @extschema@.domain_host h
	  ON pg_catalog.reverse(h.host) OPERATOR(pg_catalog.~>=~) pg_catalog.reverse(r.pattern)
	 AND pg_catalog.reverse(h.host) OPERATOR(pg_catalog.~<~) (pg_catalog.reverse(r.pattern) OPERATOR(pg_catalog.||) '/')
	WHERE r.provider OPERATOR(pg_catalog.=) $1 AND r.kind OPERATOR(pg_catalog.=) 'host_suffix'
	  AND h.observed OPERATOR(pg_catalog.&&) $2
	  AND ($3 IS NULL OR h.role OPERATOR(pg_catalog.=) ANY ($3))
	  AND @extschema@.host_provider(h.host) OPERATOR(pg_catalog.=) $1
	UNION
	SELECT h.domain, h.role OPERATOR(pg_catalog.||) '_ip', h.host,
		   h.observed OPERATOR(pg_catalog.*) a.observed OPERATOR(pg_catalog.*) $2
	FROM @extschema@.provider_rule r
	JOIN @extschema@.host_address a ON a.addr OPERATOR(pg_catalog.<<=) r.pattern::pg_catalog.inet
	JOIN @extschema@.domain_host h
	  ON h.host OPERATOR(pg_catalog.=) a.host AND h.observed OPERATOR(pg_catalog.&&) a.observed
	WHERE r.provider OPERATOR(pg_catalog.=) $1 AND r.kind OPERATOR(pg_catalog.=) 'cidr'
	  AND a.observed OPERATOR(pg_catalog.&&) $2
	  AND h.observed OPERATOR(pg_catalog.&&) $2
	  AND NOT pg_catalog.isempty(h.observed OPERATOR(pg_catalog.*) a.observed OPERATOR(pg_catalog.*) $2)
	  AND ($3 IS NULL OR (h.role OPERATOR(pg_catalog.||) '_ip') OPERATOR(pg_catalog.=) ANY ($3))
	  AND @extschema@.ip_provider(a.addr) OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION @extschema@.provider_domains(pg_catalog.text, pg_catalog.tstzrange, pg_catalog.text[]) IS
	'every domain that depended on a provider during an interval: (domain, layer, host, the part of the interval it held)';

-- Real DNS from the server (src/dns.c): rebound.dns_servers,
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
	r record;
	ledger text := '';
BEGIN
	IF max_domains IS NULL OR max_domains < 0 THEN
		RAISE EXCEPTION 'invalid max_domains: %', max_domains
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The number of domains to refresh is zero or more.';
	END IF;
	-- the domains of the ledger (when the ledger exists) and of the
	-- history, never looked up first, then the longest ago
	IF to_regclass('@extschema@.bounce') IS NOT NULL THEN
		ledger := 'UNION SELECT b.domain FROM @extschema@.bounce b WHERE b.domain IS NOT NULL ';
	END IF;
	EXECUTE format(
		'SELECT ARRAY(SELECT c.domain FROM (SELECT DISTINCT h.domain FROM @extschema@.domain_host h %s) c '
		'LEFT JOIN @extschema@.domain_lookup l ON l.domain = c.domain '
		'ORDER BY l.looked_up_at NULLS FIRST, c.domain LIMIT $1)', ledger)
	INTO batch USING max_domains;

	domains := coalesce(array_length(batch, 1), 0);
	observed := 0; nxdomain := 0; servfail := 0; timeout := 0; refused := 0; other_failures := 0;
	IF domains = 0 THEN
		RETURN NEXT;
		RETURN;
	END IF;

	CREATE TEMP TABLE IF NOT EXISTS rebound_refresh_result (
		name text, kind text, status text, hosts text[], addrs inet[], at timestamptz
	) ON COMMIT DROP;
	TRUNCATE rebound_refresh_result;
	INSERT INTO rebound_refresh_result SELECT * FROM @extschema@.dns_lookup(batch);

	FOR r IN SELECT * FROM rebound_refresh_result ORDER BY kind = 'addr', name, kind LOOP
		IF r.status IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN
			IF r.kind = 'addr' THEN
				PERFORM @extschema@.observe_host(r.name, r.addrs, r.at);
			ELSE
				PERFORM @extschema@.observe_domain(r.name, r.kind, r.hosts, r.at);
			END IF;
		END IF;
	END LOOP;
	-- one line per domain in domain_lookup (as note_lookup() writes it),
	-- and the counts by outcome
	CREATE TEMP TABLE IF NOT EXISTS rebound_refresh_status (domain text, status text) ON COMMIT DROP;
	TRUNCATE rebound_refresh_status;
	INSERT INTO rebound_refresh_status
	SELECT m.name,
		   CASE WHEN m.status NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN m.status
				WHEN n.status NOT IN ('ok', 'nodata', 'nxdomain', 'null_mx') THEN n.status
				WHEN m.status = 'nxdomain' THEN 'nxdomain'
				ELSE 'ok' END
	FROM rebound_refresh_result m
	JOIN rebound_refresh_result n ON n.name = m.name AND n.kind = 'ns'
	WHERE m.kind = 'mx';
	INSERT INTO @extschema@.domain_lookup AS l (domain, looked_up_at, status, failures)
	SELECT s.domain, clock_timestamp(), s.status,
		   CASE WHEN s.status IN ('ok', 'nxdomain') THEN 0 ELSE 1 END
	FROM rebound_refresh_status s
	ON CONFLICT (domain) DO UPDATE
	SET looked_up_at = excluded.looked_up_at, status = excluded.status,
		failures = CASE WHEN excluded.failures = 0 THEN 0 ELSE l.failures + 1 END;
	SELECT count(*) FILTER (WHERE s.status IN ('ok', 'nxdomain')),
		   count(*) FILTER (WHERE s.status = 'nxdomain'),
		   count(*) FILTER (WHERE s.status = 'servfail'),
		   count(*) FILTER (WHERE s.status = 'timeout'),
		   count(*) FILTER (WHERE s.status = 'refused'),
		   count(*) FILTER (WHERE s.status NOT IN ('ok', 'nxdomain', 'servfail', 'timeout', 'refused'))
	INTO observed, nxdomain, servfail, timeout, refused, other_failures
	FROM rebound_refresh_status s;
	DROP TABLE rebound_refresh_status;
	DROP TABLE rebound_refresh_result;
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
