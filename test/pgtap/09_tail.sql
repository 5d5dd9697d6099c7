-- The tail of an incident (issue 18): mail queued during an outage expires
-- after it, comes back hard with the last error it met, and is forgiven
-- with the incident when that error implicates the provider through a
-- layer the domain depended on (MX by name, MX by address, DNS by name,
-- DNS by address); not when it names the sender's own relay, another
-- provider's host, a domain that did not depend on the provider, or when
-- the bounce is a genuine refusal.  The horizon (setting, per incident)
-- closes the tail; dry runs show it apart (layer tail:...), reharden
-- undoes it, and rebound.heal forgives tail bounces that arrive later.
--
-- rebound.heal commits, so this file does too (each suite has a fresh
-- database); times are relative to now so that heal's lookback holds them.
\set QUIET 1
SELECT plan(33);

SET timezone = 'UTC';
SELECT date_trunc('hour', now()) - interval '12 hours' AS t0 \gset

-- The provider map, observed a month before
CREATE TEMP TABLE seen (domain text, role text, hosts text[]);
INSERT INTO seen VALUES
	('mx-ovh.fr', 'mx', '{mx1.mail.ovh.net,mx2.mail.ovh.net}'),
	('mx-ovh.fr', 'ns', '{ns1.gandi.net}'),
	('mx-ip.fr', 'mx', '{mail.mx-ip.fr}'),	-- own name, OVH's network
	('mx-ip.fr', 'ns', '{ns1.gandi.net}'),
	('ns-ovh.fr', 'mx', '{aspmx.l.google.com}'),	-- mail at Google, DNS at OVH
	('ns-ovh.fr', 'ns', '{dns12.ovh.net,ns12.ovh.net}'),
	('ns-ip.fr', 'mx', '{aspmx.l.google.com}'),	-- own name servers in OVH's network
	('ns-ip.fr', 'ns', '{ns1.ns-ip.fr}'),
	('elsewhere.fr', 'mx', '{spool.mail.gandi.net}'),
	('elsewhere.fr', 'ns', '{ns1.gandi.net}');
SELECT is(count(*), 10::bigint, 'the provider map, observed')
FROM seen, rebound.observe_domain(domain, role, hosts, :'t0'::timestamptz - interval '30 days');
SELECT is(count(*), 3::bigint, 'and the addresses of some hosts') FROM (VALUES
	('mail.mx-ip.fr', '{213.186.33.5}'::inet[]),
	('ns1.ns-ip.fr', '{213.186.33.6}'),
	('ns1.gandi.net', '{173.246.98.1}')) v(host, addrs),
	rebound.observe_host(host, addrs, :'t0'::timestamptz - interval '30 days');

-- OVH down from t0 for two hours; its tail lasts four hours
SELECT rebound.declare_incident('ovh', tstzrange(:'t0', :'t0'::timestamptz + interval '2 hours'),
	NULL, 'tail test') AS inc \gset
CREATE TEMP TABLE v AS SELECT :inc::bigint AS inc, :'t0'::timestamptz AS t0, NULL::bigint AS late;
SELECT is(rebound.set_tail_horizon(:inc, '4 hours'), '4 hours'::interval, 'a horizon of its own');

CREATE TEMP TABLE b (tag text PRIMARY KEY, id bigint, tail text);
INSERT INTO b SELECT tag, rebound.record_bounce(addr, :'t0'::timestamptz + after, diag, 'campaigns', 'hard'), tail
FROM (VALUES
	-- inside the interval: healed as before
	('inside', 'a@mx-ovh.fr', interval '1 hour',
	 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out', 'mx'),
	-- the tail, one per layer
	('mx', 'b@mx-ovh.fr', interval '3 hours',
	 'delivery temporarily suspended: connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out; message expired', 'tail:mx'),
	('mx-ip', 'c@mx-ip.fr', interval '3 hours',
	 'host mail.mx-ip.fr [213.186.33.5]: Connection timed out: retry timeout exceeded', 'tail:mx_ip'),
	('mx-ip-host', 'c2@mx-ip.fr', interval '3 hours 10 minutes',
	 'Message expired: unable to deliver in 150 minutes. <421 4.4.0 Unable to connect to mail.mx-ip.fr>', 'tail:mx_ip'),
	('ns', 'd@ns-ovh.fr', interval '4 hours',
	 'Host or domain name not found. Name service error for name=ns-ovh.fr type=MX: Host not found, try again; message expired', 'tail:ns'),
	('ns-ip', 'e@ns-ip.fr', interval '5 hours',
	 'Unable to deliver in 2880 minutes: DNS lookup failed for ns-ip.fr', 'tail:ns_ip'),
	-- decoys: the sender's own relay, another provider's host (a DNS
	-- lookup of it too), a domain that did not depend on OVH, a genuine
	-- unknown user, an expiry that names nothing
	('relay', 'f@mx-ovh.fr', interval '3 hours',
	 'connect to relay.company.fr[10.0.0.5]:25: Connection timed out; message expired', NULL),
	('google', 'g@ns-ovh.fr', interval '3 hours',
	 'connect to aspmx.l.google.com[142.250.102.26]:25: Connection timed out; message expired', NULL),
	('google-dns', 'g2@ns-ovh.fr', interval '3 hours',
	 'Name service error for name=aspmx.l.google.com type=A: Host not found, try again; message expired', NULL),
	('elsewhere', 'i@elsewhere.fr', interval '3 hours',
	 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out; message expired', NULL),
	('unknown-user', 'h@mx-ovh.fr', interval '3 hours',
	 '550 5.1.1 <h@mx-ovh.fr>: Recipient address rejected: User unknown in virtual mailbox table', NULL),
	('says-nothing', 'k@mx-ovh.fr', interval '3 hours', 'message expired', NULL),
	-- the right text, after the horizon (t0 + 2 h + 4 h)
	('beyond', 'l@mx-ovh.fr', interval '6 hours 30 minutes',
	 'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out; message expired', NULL)
) v(tag, addr, after, diag, tail);

-- what the text says
SELECT results_eq(
	$$SELECT e.expired, e.kind, e.host, e.addr FROM b JOIN rebound.bounce x ON x.id = b.id,
	  rebound.expiry(x.diagnostic) e WHERE b.tag = 'mx'$$,
	$$VALUES (true, 'connection'::text, 'mx1.mail.ovh.net'::text, '213.186.33.29'::inet)$$,
	'rebound.expiry: expired, a connection, the host and its address');
SELECT is((rebound.expiry('retry timeout exceeded')).kind, NULL, 'the retry rule''s "timeout" is no connection failure');
SELECT is((rebound.expiry('550 5.2.1 This account has expired')).expired, false, 'an expired account is no expired message');

-- Postfix's own report of an expiry: Action failed under a 4.x.x status
-- (RFC 3464, 2.3.3: a transient failure the MTA gave up on); parse_dsn
-- says expired, and the last error stays readable in its diagnostic
SELECT results_eq(
	$$SELECT d.action, d.status::text, d.reason::text, e.kind, e.host
	  FROM rebound.parse_dsn(E'From: MAILER-DAEMON@mta.crm.example\nTo: news@crm.example\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B1"\n\n--B1\nContent-Type: text/plain\n\n<jean@mx-ovh.fr>: delivery temporarily suspended: connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out\n\n--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.crm.example\n\nFinal-Recipient: rfc822; jean@mx-ovh.fr\nAction: failed\nStatus: 4.4.1\nDiagnostic-Code: X-Postfix; delivery temporarily suspended: connect to\n    mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out\n\n--B1--\n') d,
	  rebound.expiry(d.diagnostic) e$$,
	$$VALUES ('failed'::text, '4.4.1'::text, 'expired'::text, 'connection'::text, 'mx1.mail.ovh.net'::text)$$,
	'parse_dsn: a failed action under 4.4.1 is an expiry, its last error the OVH host');

-- a dry run shows the tail apart, and forgives nothing
SELECT set_eq(
	$$SELECT b.tag, u.layer FROM rebound.unharden((SELECT inc FROM v), dry_run => true) u JOIN b ON b.id = u.bounce_id$$,
	$$SELECT tag, tail FROM b WHERE tail IS NOT NULL$$,
	'dry run: the interval''s bounce, and the tail by layer');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), 0::bigint,
	'a dry run forgives nothing');
SELECT results_eq(
	$$SELECT u.layer LIKE 'tail:%', count(*) FROM rebound.unharden((SELECT inc FROM v), dry_run => true) u GROUP BY 1 ORDER BY 1$$,
	$$VALUES (false, 1::bigint), (true, 5::bigint)$$,
	'GROUP BY the qualifier: one inside, five in the tail');

-- the layers of the incident narrow its tail too
SELECT set_eq(
	$$SELECT layer FROM rebound.tail_bounces('ovh', tstzrange((SELECT t0 FROM v), (SELECT t0 FROM v) + interval '2 hours'), '{ns,ns_ip}', '4 hours')$$,
	$$VALUES ('tail:ns'), ('tail:ns_ip')$$,
	'an incident of OVH''s DNS: only its DNS tail');
SELECT is((SELECT count(*) FROM rebound.tail_bounces('ovh', tstzrange(:'t0', :'t0'::timestamptz + interval '2 hours'), NULL, '0')),
	0::bigint, 'a horizon of zero: no tail');
SELECT is((SELECT count(*) FROM rebound.tail_bounces('ovh', tstzrange(:'t0', :'t0'::timestamptz + interval '2 hours'), NULL, '6 hours')),
	6::bigint, 'a longer horizon reaches the bounce beyond');

-- heal
CREATE TEMP TABLE healed AS SELECT * FROM rebound.unharden(:inc);
SELECT set_eq(
	$$SELECT b.tag, h.layer FROM healed h JOIN b ON b.id = h.bounce_id$$,
	$$SELECT tag, tail FROM b WHERE tail IS NOT NULL$$,
	'unharden forgives the interval and the tail, and says which is which');
SELECT set_eq(
	$$SELECT b.tag, a.layer FROM rebound.audit a JOIN b ON b.id = a.bounce_id WHERE a.action = 'forgive'$$,
	$$SELECT tag, tail FROM b WHERE tail IS NOT NULL$$,
	'the audit keeps the tail apart');
SELECT set_eq(
	$$SELECT tag FROM b JOIN rebound.bounce x ON x.id = b.id WHERE x.forgiven_by IS NULL$$,
	$$VALUES ('relay'), ('google'), ('google-dns'), ('elsewhere'), ('unknown-user'), ('says-nothing'), ('beyond')$$,
	'the decoys and the bounce beyond the horizon stay hard');
SELECT ok(rebound.is_suppressed('h@mx-ovh.fr') AND rebound.is_suppressed('f@mx-ovh.fr')
		  AND NOT rebound.is_suppressed('b@mx-ovh.fr'),
	'the unknown user and the relay''s stay suppressed; the tail''s address does not');
SELECT is((SELECT count(*) FROM rebound.unharden(:inc)), 0::bigint, 'healing again forgives nothing twice');

-- a late tail bounce, recorded after the healing: the next heal run forgives it
SELECT rebound.record_bounce('late@mx-ovh.fr', :'t0'::timestamptz + interval '5 hours 30 minutes',
	'connect to mx2.mail.ovh.net[213.251.188.141]:25: Connection timed out; message expired',
	'automation', 'hard') AS late \gset
UPDATE v SET late = :late;
SET client_min_messages = warning;
CALL rebound.heal('1 day');
RESET client_min_messages;
SELECT is((SELECT forgiven_by FROM rebound.bounce WHERE id = :late), :'inc'::bigint,
	'rebound.heal forgives the late tail bounce');
SELECT results_eq(
	$$SELECT provider, incident, action, forgiven FROM rebound.heal_log$$,
	$$VALUES ('ovh'::text, (SELECT inc FROM v), 'tail'::text, 1::bigint)$$,
	'and logs it as the incident''s tail');
SELECT is((SELECT count(*) FROM rebound.incident), 1::bigint, 'declaring nothing');

-- past the horizon: not even heal
SELECT rebound.record_bounce('later@mx-ovh.fr', :'t0'::timestamptz + interval '6 hours 1 minute',
	'connect to mx2.mail.ovh.net[213.251.188.141]:25: Connection timed out; message expired',
	'automation', 'hard') AS later \gset
SET client_min_messages = warning;
CALL rebound.heal('1 day');
RESET client_min_messages;
SELECT is((SELECT forgiven_by FROM rebound.bounce WHERE id = :later), NULL,
	'the horizon closed: a bounce after it stays hard');

-- the horizon: the setting, the incident's own, errors
SELECT is(rebound.set_tail_horizon(:inc, NULL), '5 days'::interval, 'NULL: the setting, 5 days by default');
SET rebound.tail_horizon = '2d';
SELECT is(rebound.set_tail_horizon(:inc, NULL), '2 days'::interval, 'the setting, changed');
RESET rebound.tail_horizon;
SELECT is(rebound.set_tail_horizon(:inc, '4 hours'), '4 hours'::interval, 'and back to its own');
SELECT throws_ok($$SELECT rebound.set_tail_horizon(999, '1 day')$$, '42704', 'incident 999 does not exist',
	'an unknown incident');
SELECT throws_ok($$SELECT rebound.set_tail_horizon(1, '-1 day')$$, '22023', 'invalid tail horizon "-1 days"',
	'a negative horizon');
SELECT throws_ok($$UPDATE rebound.incident SET tail_horizon = '-1 hour'$$, '23514', NULL,
	'the table says the same');

-- reharden undoes the tail too, exactly
CREATE TEMP TABLE undone AS SELECT * FROM rebound.reharden(:inc);
SELECT set_eq(
	$$SELECT bounce_id, layer FROM undone$$,
	$$SELECT bounce_id, layer FROM healed UNION ALL SELECT (SELECT late FROM v), 'tail:mx'$$,
	'reharden returns the interval and the tail, with their layers');
SELECT is((SELECT count(*) FROM rebound.bounce WHERE forgiven_by IS NOT NULL), 0::bigint,
	'every bounce is hard again');
SELECT set_eq(
	$$SELECT bounce_id, layer FROM rebound.audit WHERE action = 'reharden'$$,
	$$SELECT bounce_id, layer FROM undone$$,
	'audited with the tail''s layers');

-- a withdrawn incident's tail is not healed by the next run
SELECT rebound.record_bounce('after-withdrawal@mx-ovh.fr', :'t0'::timestamptz + interval '5 hours',
	'connect to mx1.mail.ovh.net[213.186.33.29]:25: Connection timed out; message expired',
	'automation', 'hard') AS withdrawn_tail \gset
SET client_min_messages = warning;
CALL rebound.heal('1 day');
RESET client_min_messages;
SELECT is((SELECT forgiven_by FROM rebound.bounce WHERE id = :withdrawn_tail), NULL,
	'a withdrawn incident''s tail stays hard');

-- a manual incident nobody healed is its owner's: heal leaves its tail
SELECT rebound.declare_incident('ovh', tstzrange(:'t0'::timestamptz + interval '3 hours', :'t0'::timestamptz + interval '4 hours'),
	NULL, 'declared, not healed') AS inc2 \gset
SET client_min_messages = warning;
CALL rebound.heal('1 day');
RESET client_min_messages;
SELECT is((SELECT count(*) FROM rebound.audit WHERE incident = :inc2), 0::bigint,
	'heal leaves a manual incident nobody healed to its owner');

SELECT * FROM finish();
