--
-- Provider catalogue and matching: host_provider, ip_provider,
-- domain_provider, and the compiled rules following the rule table
--
SET search_path = rebound, public;

-- the providers DESIGN.md names are all installed, in lower case
SELECT n AS missing_provider
FROM unnest(ARRAY['ovh', 'google', 'microsoft', 'orange', 'free', 'sfr', 'laposte',
                  'yahoo', 'apple', 'gmx', 'ionos', 'gandi', 'infomaniak', 'zoho',
                  'proton', 'cloudflare']) n
WHERE NOT EXISTS (SELECT FROM provider p WHERE p.name = n);
SELECT count(*) > 0 AS has_rules, bool_and(origin = 'catalogue') AS all_catalogue
FROM provider_rule;
SELECT provider, kind, count(*) FROM provider_rule
WHERE provider IN ('ovh', 'google', 'microsoft') GROUP BY 1, 2 ORDER BY 1, 2;

-- consumer domains: exact names only
SELECT d, domain_provider(d)
FROM (VALUES ('gmail.com'), ('GoogleMail.COM.'), ('hotmail.fr'), ('outlook.com'),
             ('live.fr'), ('orange.fr'), ('wanadoo.fr'), ('free.fr'), ('sfr.fr'),
             ('neuf.fr'), ('laposte.net'), ('yahoo.fr'), ('icloud.com'), ('gmx.fr'),
             ('proton.me'), ('mail.gmail.com'), ('example.com'), ('notgmail.com')) v(d);

-- host suffixes: longest match on label boundaries, any case, trailing dot,
-- IDN forms
SELECT h, host_provider(h)
FROM (VALUES ('mx1.mail.ovh.net'), ('MX2.MAIL.OVH.NET.'), ('dns10.ovh.net'),
             ('ns10.ovh.net'), ('ovh.net'), ('notovh.net'), ('ovh.net.example.com'),
             ('aspmx.l.google.com'), ('alt2.aspmx.l.google.com'),
             ('aspmx2.googlemail.com'), ('ns1.google.com'),
             ('example-fr.mail.protection.outlook.com'), ('outlook.com'),
             ('smtp-in.orange.fr'), ('mx1.free.fr'), ('mx.sfr.fr'),
             ('mta5.am0.yahoodns.net'), ('mx01.mail.icloud.com'),
             ('mx00.emig.gmx.net'), ('mx00.ionos.fr'), ('spool.mail.gandi.net'),
             ('mta-gw.infomaniak.ch'), ('mx.zoho.eu'), ('mail.protonmail.ch'),
             ('kate.ns.cloudflare.com'), ('bücher.ovh.net'),
             ('xn--bcher-kva.ovh.net'), ('mx.example.com')) v(h);

-- network prefixes: longest match, IPv4 and IPv6
SELECT a, ip_provider(a)
FROM (VALUES ('188.165.12.34'::inet), ('46.105.1.1'), ('87.98.128.1'),
             ('87.98.127.255'), ('5.135.0.1'), ('2001:41d0:1:2::3'),
             ('2001:41d1::1'), ('142.250.27.26'), ('2a00:1450:400c:c0b::1a'),
             ('40.107.22.52'), ('193.252.22.84'), ('212.27.48.4'),
             ('17.57.154.33'), ('104.16.1.1'), ('2606:4700::1'),
             ('192.0.2.1'), ('::1'), ('188.165.0.0/16')) v(a);

-- NULL in, NULL out
SELECT host_provider(NULL) IS NULL AS host_null, ip_provider(NULL) IS NULL AS ip_null,
       domain_provider(NULL) IS NULL AS domain_null;

-- the history's marks for no MX ('') and a null MX ('.') have no provider
SELECT host_provider('') IS NULL AS no_mx, host_provider('.') IS NULL AS null_mx;

-- malformed names are errors (22P02) quoting the input
\set VERBOSITY default
SELECT host_provider('a..ovh.net');
SELECT host_provider('-bad.ovh.net');
SELECT domain_provider('');
\set VERBOSITY terse

-- bad rules are refused
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('ovh', 'cidr', '10.1.2.3/8');
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('ovh', 'cidr', 'nope');
\set VERBOSITY sqlstate
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('ovh', 'cidr', '10.1.2.3/8');
\set VERBOSITY terse
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('ovh', 'host_suffix', 'a..b');
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('ovh', 'regex', 'x');
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('nobody', 'domain', 'x.example');
INSERT INTO provider (name) VALUES ('Upper Case');

-- the compiled rules follow the table within the session, at once (rolled
-- back: later tests use the catalogue)
BEGIN;
INSERT INTO provider (name, display_name) VALUES ('acme', 'Acme hosting');
SELECT host_provider('mx1.acme-mail.example') AS before_insert;
INSERT INTO provider_rule (provider, kind, pattern) VALUES
	('acme', 'host_suffix', 'Acme-Mail.Example.'),
	('acme', 'cidr', '192.0.2.0/24'),
	('acme', 'host_suffix', 'mx.mail.ovh.net');
SELECT host_provider('mx1.acme-mail.example') AS after_insert,
       ip_provider('192.0.2.1') AS ip_after_insert,
       host_provider('mx.mail.ovh.net') AS longer_than_ovh,
       host_provider('mx1.mail.ovh.net') AS still_ovh;
-- patterns are stored normalized
SELECT kind, pattern, origin FROM provider_rule WHERE provider = 'acme' ORDER BY 1, 2;
UPDATE provider_rule SET pattern = '198.51.100.0/24' WHERE provider = 'acme' AND kind = 'cidr';
SELECT ip_provider('192.0.2.1') AS old_prefix, ip_provider('198.51.100.7') AS new_prefix;
DELETE FROM provider_rule WHERE provider = 'acme' AND kind = 'host_suffix';
SELECT host_provider('mx1.acme-mail.example') AS after_delete,
       host_provider('mx.mail.ovh.net') AS back_to_ovh;
-- renaming a provider carries its rules along
UPDATE provider SET name = 'acme2' WHERE name = 'acme';
SELECT ip_provider('198.51.100.7') AS renamed;
TRUNCATE provider_rule CASCADE;
SELECT host_provider('mx1.mail.ovh.net') AS after_truncate,
       (SELECT count(*) FROM provider_tombstone WHERE kind = 'host_suffix') > 50
         AS truncate_leaves_tombstones;

ROLLBACK;
SELECT host_provider('mx1.mail.ovh.net') AS after_rollback;

-- another backend's compiled rules follow committed changes (a second
-- session through dblink keeps its cache across the change)
CREATE EXTENSION dblink;
SELECT dblink_connect('other', format('dbname=%s user=%s host=%s port=%s',
	current_database(), current_user,
	btrim(split_part(current_setting('unix_socket_directories'), ',', 1)),
	current_setting('port')));
SELECT * FROM dblink('other', $$SELECT rebound.host_provider('mx.tenant.example')$$) AS t(p text);
INSERT INTO provider (name) VALUES ('tenant');
INSERT INTO provider_rule (provider, kind, pattern) VALUES ('tenant', 'host_suffix', 'tenant.example');
SELECT * FROM dblink('other', $$SELECT rebound.host_provider('mx.tenant.example')$$) AS t(p text);
DELETE FROM provider WHERE name = 'tenant';
SELECT * FROM dblink('other', $$SELECT rebound.host_provider('mx.tenant.example')$$) AS t(p text);
SELECT dblink_disconnect('other');
DROP EXTENSION dblink;

-- parallel workers compile and use their own tries
CREATE TABLE provider_match_hosts AS
SELECT 'mx' || i || '.mail.ovh.net' AS h, ('188.165.0.' || (i % 250))::inet AS a
FROM generate_series(1, 5000) i;
ANALYZE provider_match_hosts;
-- PostgreSQL 16 renamed force_parallel_mode to debug_parallel_query
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000
	THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END AS force_parallel \gset
SET :force_parallel = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT count(*) FROM provider_match_hosts
WHERE host_provider(h) = 'ovh' AND ip_provider(a) = 'ovh';
SELECT count(*) FROM provider_match_hosts WHERE host_provider(h) = 'ovh' AND ip_provider(a) = 'ovh';
RESET :force_parallel;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE provider_match_hosts;
