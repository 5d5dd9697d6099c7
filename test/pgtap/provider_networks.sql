-- Issue 17: rule kinds asn and gateway, rebound.load_prefixes() in its
-- three formats (the files of test/data/prefixes/, built from public
-- routing facts), a load replacing the previous one, errors that quote the
-- line, and the gateway layer from domain_providers() to declare_incident().
\set pfx2as `cat test/data/prefixes/routeviews.pfx2as`
\set plain `cat test/data/prefixes/plain.txt`
\set geolite2 `cat test/data/prefixes/GeoLite2-ASN-Blocks.csv`
\set reload `cat test/data/prefixes/reload.pfx2as`
BEGIN;
SELECT plan(63);

-- asn rules: one spelling stored, bad numbers refused
INSERT INTO rebound.provider (name) VALUES ('acme');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'asn', 'as64496');
SELECT is((SELECT pattern FROM rebound.provider_rule WHERE provider = 'acme' AND kind = 'asn'),
	'AS64496', 'an asn rule is stored as AS<number>');
SELECT lives_ok($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'asn', '64499')$$,
	'a bare number is an AS too');
SELECT throws_ok($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'asn', 'AS4294967296')$$,
	'22023', 'invalid AS number: "AS4294967296"', 'an AS number over 32 bits is refused');
SELECT throws_ok($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'asn', 'OVH')$$,
	'22P02', 'invalid AS number: "OVH"', 'a name is no AS number');
SELECT throws_ok($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('zoho', 'asn', 'AS64496')$$,
	'23505', NULL, 'an AS belongs to one provider');

-- gateway rules
SELECT is(rebound.host_provider('us-smtp-inbound-1.mimecast.com'), 'mimecast', 'a gateway host has its provider');
SELECT is(rebound.host_layer('us-smtp-inbound-1.mimecast.com', 'mx'), 'gateway', 'and as an MX, the layer gateway');
SELECT is(rebound.host_layer('us-smtp-inbound-1.mimecast.com', 'ns'), 'ns', 'as an NS, its role');
SELECT is(rebound.host_layer('mx1.mail.ovh.net', 'mx'), 'mx', 'a mailbox provider''s MX is the layer mx');
SELECT is(rebound.host_layer('MX0A-001.PPHOSTED.COM.', 'mx'), 'gateway', 'host names in any form');
SELECT throws_ok($$SELECT rebound.host_layer('mx1.mail.ovh.net', 'spf')$$, '22023', 'invalid host role: "spf"',
	'roles are mx and ns');
SELECT throws_ok($$INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('acme', 'host_suffix', 'Mimecast.com')$$,
	'23505', 'host suffix "mimecast.com" already has a rule of the other kind',
	'a host suffix is a gateway rule or a host_suffix rule, not both');
SELECT lives_ok($$UPDATE rebound.provider_rule SET kind = 'host_suffix' WHERE kind = 'gateway' AND pattern = 'mimecast.co.za'$$,
	'but a rule may change kind');
SELECT is(rebound.host_layer('za-smtp-inbound-1.mimecast.co.za', 'mx'), 'mx', 'and the matcher follows');

-- nothing loaded: asn rules match nothing
SELECT is(rebound.ip_provider('15.235.1.1'), NULL, 'no prefixes loaded: an OVH address outside the cidr rules is unknown');
SELECT is(rebound.ip_provider('188.165.1.1'), 'ovh', 'the cidr rules answer as before');
SELECT is_empty('SELECT * FROM rebound.as_prefix_load', 'no load yet');

-- pfx2as
SELECT is(rebound.load_prefixes(:'pfx2as', 'pfx2as', '2026-12-01'), 21::bigint,
	'pfx2as: 19 lines, 21 (prefix, AS) rows (a multi-origin line and an AS set give two each)');
SELECT is(rebound.ip_provider('15.235.1.1'), 'ovh', 'an OVH address found through AS16276');
SELECT is(rebound.ip_provider('2001:41d0:8:1::1'), 'ovh', 'IPv6 too');
SELECT is(rebound.ip_provider('51.159.4.4'), 'scaleway', 'a Scaleway address through AS12876 (a /15)');
SELECT is(rebound.ip_provider('2a01:4f8:1:2::3'), 'hetzner', 'a Hetzner IPv6 address through AS24940');
SELECT is(rebound.ip_provider('192.0.2.1'), 'acme', 'a multi-origin prefix goes to the provider of one of its ASes');
SELECT is(rebound.ip_provider('198.51.100.1'), 'acme', 'an AS set too');
SELECT is((SELECT array_agg(asn ORDER BY asn) FROM rebound.as_prefix WHERE prefix = '192.0.2.0/24'),
	'{64496,64497}'::int8[], 'one row per origin');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('zoho', 'asn', 'AS64497');
SELECT is(rebound.ip_provider('192.0.2.1'), 'acme', 'two providers for one prefix: the first by name keeps it');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('gandi', 'cidr', '51.0.0.0/8');
SELECT is(rebound.ip_provider('51.159.4.4'), 'gandi', 'an explicit cidr rule beats a loaded prefix, even a longer one');
DELETE FROM rebound.provider_rule WHERE provider = 'gandi' AND pattern = '51.0.0.0/8';
SELECT results_eq('SELECT format, as_of, prefixes, ases FROM rebound.as_prefix_load',
	$$VALUES ('pfx2as', '2026-12-01'::date, 21::bigint, 7::bigint)$$, 'the load is described: format, date, counts');

-- plain
SELECT is(rebound.load_prefixes(:'plain', 'plain'), 8::bigint, 'plain: 8 prefixes, comments and blank lines skipped');
SELECT is(rebound.ip_provider('51.159.4.4'), NULL, 'the load replaced the previous one: Scaleway is gone');
SELECT is(rebound.ip_provider('146.59.1.1'), 'ovh', 'OVH is there');
SELECT results_eq('SELECT format, as_of FROM rebound.as_prefix_load', $$VALUES ('plain', NULL::date)$$,
	'a load without a date has none');

-- GeoLite2-ASN CSV (CRLF line ends, quoted organizations)
SELECT is(rebound.load_prefixes(:'geolite2', 'geolite2', '2026-11-28'), 17::bigint,
	'geolite2: 17 networks, the header skipped');
SELECT is(rebound.ip_provider('62.210.1.1'), 'scaleway', 'Scaleway again');
SELECT is(rebound.load_prefixes(E'network,autonomous_system_number,autonomous_system_organization\n5.9.0.0/16,24940,"Hetzner, Online, GmbH"\n', 'geolite2'),
	1::bigint, 'an organization with commas in quotes');

-- a reload replaces, in the caller's transaction
SELECT is(rebound.load_prefixes(:'pfx2as', 'pfx2as', '2026-12-01'), 21::bigint, 'the full table again');
SELECT is(rebound.load_prefixes(:'reload', 'pfx2as', '2026-12-06'), 3::bigint, 'then a later, smaller one');
SELECT is((SELECT count(*) FROM rebound.as_prefix), 3::bigint, 'only its rows are left');
SELECT is(rebound.ip_provider('5.9.1.1'), NULL, 'Hetzner is gone');
SELECT is(rebound.ip_provider('15.235.1.1'), 'ovh', 'OVH stays');

-- bad input: the offending line, quoted, and the previous load kept
SELECT throws_ok($$SELECT rebound.load_prefixes(E'5.39.0.0\t17\t16276\n51.15.0.0 16 12876\n', 'pfx2as')$$,
	'22P02', 'invalid pfx2as line 2: "51.15.0.0 16 12876"', 'a pfx2as line with blanks for tabs');
SELECT throws_ok($$SELECT rebound.load_prefixes(E'# mine\n5.39.0.1/17 AS16276\n', 'plain')$$,
	'22P02', 'invalid plain line 2: "5.39.0.1/17 AS16276"', 'a prefix with host bits');
SELECT throws_ok($$SELECT rebound.load_prefixes(E'300.1.2.0/24 AS16276\n', 'plain')$$,
	'22P02', 'invalid plain line 1: "300.1.2.0/24 AS16276"', 'an address that is none');
SELECT throws_ok($$SELECT rebound.load_prefixes(E'5.39.0.0/17 AS4294967296\n', 'plain')$$,
	'22P02', 'invalid plain line 1: "5.39.0.0/17 AS4294967296"', 'an AS number over 32 bits');
SELECT throws_ok($$SELECT rebound.load_prefixes(E'network,autonomous_system_number\n5.39.0.0/17;16276\n', 'geolite2')$$,
	'22P02', 'invalid geolite2 line 2: "5.39.0.0/17;16276"', 'a CSV line that is not one');
SELECT throws_ok($$SELECT rebound.load_prefixes(E'# nothing\n\n', 'plain')$$,
	'22023', 'no prefixes in the plain data', 'an empty load is refused: it would remove every prefix');
SELECT throws_ok($$SELECT rebound.load_prefixes('5.39.0.0/17 16276', 'bgpdump')$$,
	'22023', 'unknown prefix format: "bgpdump"', 'an unknown format');
SELECT throws_ok($$SELECT rebound.load_prefixes(NULL, 'plain')$$, '22004', 'no prefix data (NULL)', 'NULL data');
SELECT is((SELECT count(*) FROM rebound.as_prefix), 3::bigint, 'after the errors, the last good load is still there');
SELECT results_eq($$SELECT prefix, asn FROM rebound.prefix_rows(E'1.0.0.0\t24\t13335_209242\n\n2001:db8::\t32\t64496\n', 'pfx2as')$$,
	$$VALUES ('1.0.0.0/24'::cidr, 13335::int8), ('1.0.0.0/24', 209242), ('2001:db8::/32', 64496)$$,
	'prefix_rows reads a file without storing it, one row per origin');
-- hostile input: random lines in every format end in a row or a clear error
CREATE FUNCTION pg_temp.try_rows(d text, f text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	PERFORM count(*) FROM rebound.prefix_rows(d, f);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $f$;
SELECT ok((SELECT array_agg(DISTINCT s ORDER BY s) FROM (
	SELECT pg_temp.try_rows(translate(md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text),
									  'abcdef', (ARRAY[E'\t\n./:,', E' \n/.:A', E',\n/.":'])[1 + i % 3]),
							(ARRAY['pfx2as', 'plain', 'geolite2'])[1 + i % 3]) AS s
	FROM generate_series(1, 3000) i) x) <@ '{22P02,ok}'::text[],
	'3,000 random files: rows or 22P02, nothing else');
SELECT throws_ok($$SELECT count(*) FROM rebound.prefix_rows(E'1.0.0.0\t24\t1\n' || repeat('x', 500), 'pfx2as')$$,
	'22P02', 'invalid pfx2as line 2: "' || repeat('x', 200) || '..."', 'a long bad line is quoted cut at 200 bytes');

-- the gateway layer, from the map to an incident
SELECT rebound.observe_domain('client.example', 'mx', '{10 mx01.hornetsecurity.com, 20 mx02.hornetsecurity.com}', '2026-11-01');
SELECT rebound.observe_domain('client.example', 'ns', '{ns1.digitalocean.com}', '2026-11-01');
SELECT rebound.observe_host('mx01.hornetsecurity.com', '{94.100.130.10}', '2026-11-01');
SELECT rebound.observe_domain('vps.example', 'mx', '{mail.vps.example}', '2026-11-01');
SELECT rebound.observe_host('mail.vps.example', '{15.235.9.9}', '2026-11-01');
SELECT set_eq($$SELECT provider, layer FROM rebound.domain_providers('client.example', '2026-12-01')$$,
	$$VALUES ('hornetsecurity', 'gateway'), ('hornetsecurity', 'gateway_ip'), ('digitalocean', 'ns')$$,
	'a domain behind a gateway: the gateway''s layers gateway and gateway_ip, its DNS host''s ns');
SELECT set_eq($$SELECT provider, layer FROM rebound.domain_providers('vps.example', '2026-12-01')$$,
	$$VALUES ('ovh', 'mx_ip')$$, 'a domain whose own MX sits in an OVH network known by AS only');
SELECT set_eq($$SELECT domain, layer FROM rebound.provider_domains('ovh', '[2026-11-30, 2026-12-02)', '{mx_ip}')$$,
	$$VALUES ('vps.example', 'mx_ip')$$, 'provider_domains finds it through the AS''s prefixes');
SELECT set_eq($$SELECT domain, layer FROM rebound.provider_domains('hornetsecurity', '[2026-11-30, 2026-12-02)', '{gateway,gateway_ip}')$$,
	$$VALUES ('client.example', 'gateway'), ('client.example', 'gateway_ip')$$,
	'and the domains behind a gateway through its layers');

SELECT rebound.record_bounce('jean@client.example', '2026-12-01 09:00', 'connect to mx01.hornetsecurity.com[94.100.130.10]:25: Connection timed out', 'campaigns', 'hard');
SELECT isnt(rebound.declare_incident('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)', '{gateway}'), NULL,
	'declare_incident names the gateway layer');
SELECT results_eq($$SELECT address, layer FROM rebound.incident_bounces('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)', '{gateway}')$$,
	$$VALUES ('jean@client.example', 'gateway')$$, 'the incident covers the bounce through the gateway');
SELECT is_empty($$SELECT * FROM rebound.incident_bounces('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)', '{mx,mx_ip}')$$,
	'an incident of the layers mx does not: a gateway is no mailbox');
-- the gateway's tail (issue 18): mail that expired after the outage while
-- connecting to the gateway's host or address is the gateway's tail
SELECT rebound.record_bounce('marc@client.example', '2026-12-01 14:00',
	'delivery temporarily suspended: connect to mx01.hornetsecurity.com[94.100.130.10]:25: Connection timed out; message expired',
	'campaigns', 'hard');
SELECT rebound.record_bounce('lea@client.example', '2026-12-01 15:00',
	'retry timeout exceeded: connection to 94.100.130.10 timed out', 'campaigns', 'hard');
SELECT set_eq($$SELECT address, layer FROM rebound.tail_bounces('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)', '{gateway,gateway_ip}')$$,
	$$VALUES ('marc@client.example', 'tail:gateway'), ('lea@client.example', 'tail:gateway_ip')$$,
	'the tail of a gateway incident is named by the gateway layers');
SELECT is_empty($$SELECT * FROM rebound.tail_bounces('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)', '{mx,mx_ip}')$$,
	'an incident of the layers mx has no tail through a gateway');
SELECT is((SELECT count(*) FROM rebound.tail_bounces('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)')), 2::bigint,
	'all layers: the same two');
SELECT throws_ok($$SELECT rebound.declare_incident('hornetsecurity', '[2026-12-01 08:00, 2026-12-01 10:00)', '{gw}')$$,
	'22023', 'invalid incident layers: "{gw}"', 'layers are checked');

SELECT * FROM finish();
ROLLBACK;
