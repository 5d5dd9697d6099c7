# test/lib/dump.sh — sourced by test/check.sh.
#
# run_dump_restore: a database that holds something in every table of
# rebound (user rules, one of them with a provider condition; a provider
# catalogue the user changed: rules deleted, taken over, edited, providers
# added and deleted; history; ledger rows of two flows; incidents, one
# healed and one healed then withdrawn, so audit rows of both actions;
# heal_log rows; a catalogue provider deleted and created again by the
# user) goes through pg_dump -Fc, then through pg_restore three times:
# serially, serially with the tables loaded in the reverse of pg_dump's
# order (every referencing row before the row it references, the
# tombstones before the providers), and in parallel (-j 2).  Each restored
# database must hold the same rows in every table of the extension, column
# for column, the same identity sequence positions, and answer the same
# provider matches, with every catalogue row the user deleted still absent.
#
# pg_restore -j loads the tables of an extension all at once, in whatever
# order its workers pick (largest first), so a parallel restore is what
# catches a referencing row loaded before the row it references.

# What the provider catalogue answers, and the tombstones, as before.
provider_snapshot() {
	psql -XAtq -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT 'tombstone', kind, pattern FROM rebound.provider_tombstone GROUP BY 2, 3 ORDER BY 2, 3;
SELECT 'crm', email, hard_bounced FROM crm.contact ORDER BY email;
SELECT 'match', rebound.host_provider('mx1.mail.ovh.net'), rebound.domain_provider('gmx.fr'),
	rebound.domain_provider('aol.fr'), rebound.host_provider('mx.zoho.eu'),
	rebound.ip_provider('192.0.2.7'), rebound.host_provider('spool.mail.gandi.net');
SELECT 'networks', rebound.ip_provider('198.51.100.7'), rebound.ip_provider('5.9.1.1'),
	rebound.host_layer('mx.gw.acme.example', 'mx'), rebound.host_layer('cluster1.eu.messagelabs.com', 'mx'),
	rebound.host_layer('eu-smtp-inbound-1.mimecast.com', 'mx');
SQL
}

# Every row of every table of the extension (its members, as
# test/upgrade/columns.sql lists them) but observation_lock, sorted, then
# the position of every sequence of the extension's schema.
tables_snapshot() {
	local db=$1 table cols
	psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -f "$REBOUND_ROOT/test/upgrade/columns.sql" |
		while IFS='|' read -r table cols; do
			# lock anchors, made again by the first writer of each key: not dumped
			[ "$table" = observation_lock ] && continue
			psql -XAtq -v ON_ERROR_STOP=1 -d "$db" \
				-c "SELECT 'count|$table|' || count(*) FROM rebound.$table" \
				-c "SELECT '$table|' || r::text AS line FROM (SELECT $cols FROM rebound.$table) AS r ORDER BY line" ||
				return 1
		done
	psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c \
		"SELECT 'sequence|' || sequencename || '|' || coalesce(last_value::text, 'not called') FROM pg_catalog.pg_sequences WHERE schemaname = 'rebound' ORDER BY 1"
}

dump_seed() {
	psql -XAtq -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
SET client_min_messages = warning;
-- the provider catalogue, changed by the user
DELETE FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'aol.fr';
DELETE FROM rebound.provider WHERE name = 'zoho';
INSERT INTO rebound.provider (name, display_name) VALUES ('acme', 'Acme hosting');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES
	('acme', 'cidr', '192.0.2.0/24'), ('acme', 'domain', 'gmx.fr'),
	('acme', 'host_suffix', 'mx.acme.example');
UPDATE rebound.provider_rule SET provider = 'acme' WHERE kind = 'host_suffix' AND pattern = 'gandi.net';
UPDATE rebound.provider SET display_name = 'OVH' WHERE name = 'ovh';
-- networks by AS (issue 17): a catalogue asn rule and a gateway rule
-- deleted, the user's own, and a load of prefixes
DELETE FROM rebound.provider_rule WHERE kind = 'asn' AND pattern = 'AS24940';
DELETE FROM rebound.provider_rule WHERE kind = 'gateway' AND pattern = 'messagelabs.com';
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES
	('acme', 'asn', 'AS64500'), ('acme', 'gateway', 'gw.acme.example');
SELECT rebound.load_prefixes(E'198.51.100.0/24 AS64500\n5.9.0.0/16 AS24940\n', 'plain', '2026-12-01');
-- a catalogue provider deleted, then created again by the user, with rules
DELETE FROM rebound.provider WHERE name = 'ionos';
INSERT INTO rebound.provider (name, display_name) VALUES ('ionos', 'IONOS, our own entry');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('ionos', 'domain', 'ionos.example');
-- user rules of the classifier, one bound to the user's provider
INSERT INTO rebound.rule (pattern, is_regex, reason, severity, priority, provider) VALUES
	('mailbox is on vacation', false, 'vacation', 'soft', 10, NULL),
	('^quota (exceeded|full)', true, 'mailbox_full', 'soft', 5, NULL),
	('acme policy rejection', false, 'filtered', NULL, 0, 'acme'),
	('ionos policy rejection', false, 'filtered', NULL, 0, 'ionos');
-- history
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['10 mx1.mail.ovh.net'], '2017-01-01');
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['10 aspmx.l.google.com'], '2018-01-01');
SELECT rebound.observe_host('mx1.mail.ovh.net', ARRAY['188.165.1.1']::inet[], '2017-01-01');
SELECT rebound.observe_domain('client' || i || '.fr', 'mx', ARRAY['10 mx1.mail.ovh.net'], '2017-01-01')
FROM pg_catalog.generate_series(1, 20) AS i;
SELECT rebound.observe_domain('client' || i || '.fr', 'ns', ARRAY['dns10.ovh.net', 'ns10.ovh.net'], '2017-01-01')
FROM pg_catalog.generate_series(1, 20) AS i;
SELECT rebound.observe_domain('shop' || i || '.example', 'mx', ARRAY['10 in.mx.acme.example'], '2017-01-01')
FROM pg_catalog.generate_series(1, 5) AS i;
-- the ledger: two flows, hard bounces of two outages and a real one
SELECT rebound.record_bounce('user' || i || '@client' || (i % 20 + 1) || '.fr',
	'2017-11-09 08:00+01'::timestamptz + i * interval '10 seconds',
	'550 5.1.2 Host or domain name not found. Name service error for name=client.fr type=MX: Host not found',
	CASE WHEN i % 2 = 0 THEN 'crm' ELSE 'automation' END)
FROM pg_catalog.generate_series(1, 600) AS i;
SELECT rebound.record_bounce('buyer' || i || '@shop' || (i % 5 + 1) || '.example',
	'2017-12-01 10:00+01'::timestamptz + i * interval '1 minute',
	'550 5.1.2 Host or domain name not found. Name service error for name=shop.example type=MX: Host not found',
	'crm')
FROM pg_catalog.generate_series(1, 50) AS i;
SELECT rebound.record_bounce('gone@client3.fr', '2017-11-20 10:00+01',
	'550 5.1.1 <gone@client3.fr>: Recipient address rejected: User unknown', 'crm');
-- incidents: OVH healed (audit: forgive), Acme healed then withdrawn
-- (audit: forgive and reharden), both referencing providers
SELECT count(*) FROM rebound.unharden(rebound.declare_incident('ovh',
	'[2017-11-09 08:00+01, 2017-11-09 12:00+01)', ARRAY['mx', 'ns'], 'OVH outage of 9 November 2017'));
SELECT count(*) FROM rebound.unharden(rebound.declare_incident('acme',
	'[2017-12-01 10:00+01, 2017-12-01 12:00+01)', NULL, 'Acme, declared by mistake'));
SELECT count(*) FROM rebound.reharden(2);
-- what rebound.heal would have logged
INSERT INTO rebound.heal_log (at, provider, incident, action, detected, hard_bounces, baseline, score, forgiven)
VALUES ('2017-11-09 12:05+01', 'ovh', 1, 'declared', '[2017-11-09 08:00+01, 2017-11-09 12:00+01)', 600, 0.5, 812.25, 600),
	   ('2017-11-09 12:20+01', 'ovh', 1, 'unchanged', '[2017-11-09 08:00+01, 2017-11-09 12:00+01)', 600, 0.5, 812.25, 0);
-- a flow's suppression declared as a sink, healed: sinks, outbox and its log
CREATE SCHEMA crm;
CREATE TABLE crm.contact (email text PRIMARY KEY, hard_bounced boolean NOT NULL);
CREATE INDEX ON crm.contact (rebound.normalize_address(email));
INSERT INTO crm.contact VALUES ('jean@example.com', true), ('paul@example.com', true);
SELECT rebound.add_sink('campaigns', 'crm.contact', 'email', 'hard_bounced');
SELECT rebound.record_bounce('jean@example.com', '2017-06-01 10:00+02', NULL, 'campaigns', 'hard');
SELECT rebound.record_bounce('paul@example.com', '2017-06-01 10:00+02', NULL, 'campaigns', 'hard');
SELECT count(*) FROM rebound.unharden('ovh', tstzrange('2017-06-01 09:00+02', '2017-06-01 11:00+02'));
UPDATE rebound.outbox SET processed_at = now() WHERE address = 'jean@example.com';
SQL
}

# One restore of $2 into a new database $1 (pg_restore options after);
# its tables must equal the source's snapshot in $3.
restore_and_compare() {
	local dst=$1 dump=$2 dir=$3 label=$4 rc=0
	shift 4
	psql -XAtq -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $dst WITH (FORCE)" -c "CREATE DATABASE $dst" || return 1
	"$PG_BINDIR/pg_restore" --exit-on-error "$@" -d "$dst" "$dump" || { echo "$label: pg_restore failed"; rc=1; }
	tables_snapshot "$dst" >"$dir/tables.$label" || rc=1
	provider_snapshot "$dst" >"$dir/provider.$label" || rc=1
	if ! diff -u "$dir/tables.before" "$dir/tables.$label" >"$dir/diff.$label"; then
		head -n 60 "$dir/diff.$label"
		echo "$label restore: the extension's tables differ (- dumped, + restored; $(grep -c '^[-+][a-z]' "$dir/diff.$label") lines)"
		rc=1
	fi
	if ! diff -u "$dir/provider.before" "$dir/provider.$label"; then
		echo "$label restore: provider matches or tombstones differ"
		rc=1
	fi
	# the restored database works: a new bounce, a new incident, new ids
	psql -XAtq -v ON_ERROR_STOP=1 -d "$dst" >/dev/null <<'SQL' || { echo "$label restore: the restored database does not work"; rc=1; }
SELECT rebound.record_bounce('new@client1.fr', '2017-11-09 09:00+01', '550 5.1.1 User unknown');
SELECT rebound.declare_incident('acme', '[2018-01-01, 2018-01-02)');
INSERT INTO rebound.heal_log (provider, action, detected, hard_bounces, baseline, score)
VALUES ('acme', 'declared', '[2018-01-01, 2018-01-02)', 1, 0, 1);
INSERT INTO rebound.rule (pattern, reason) VALUES ('after the restore', 'blocked');
SQL
	echo "$label restore: $(grep -c '^' "$dir/tables.$label") rows compared" \
		"($(sed -n 's/^count|\(audit\|bounce\|rule\|incident\|heal_log\)|/\1 /p' "$dir/tables.$label" | paste -sd, -))"
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $dst WITH (FORCE)"
	return $rc
}

run_dump_restore() {
	local dir src=rebound_dump rc=0
	dir=$(mktemp -d /tmp/rebound-dump.XXXXXX)
	chmod 755 "$dir"
	fresh_database "$src" rebound
	dump_seed "$src" || rc=1
	tables_snapshot "$src" >"$dir/tables.before" || rc=1
	provider_snapshot "$src" >"$dir/provider.before" || rc=1
	# the snapshot is not trivially equal: the user's changes are in it
	grep -q '^match|ovh|acme|||acme|acme$' "$dir/provider.before" || { echo "unexpected matches:"; grep '^match' "$dir/provider.before"; rc=1; }
	grep -q '^tombstone|domain|aol.fr$' "$dir/provider.before" || rc=1
	grep -q '^networks|acme||gateway|mx|gateway$' "$dir/provider.before" || { echo "unexpected network matches:"; grep '^networks' "$dir/provider.before"; rc=1; }
	grep -q '^tombstone|asn|AS24940$' "$dir/provider.before" || rc=1
	local t
	for t in audit bounce rule incident heal_log provider_tombstone domain_host host_address sink outbox sink_log as_prefix as_prefix_load; do
		grep -q "^count|$t|[1-9]" "$dir/tables.before" || { echo "dump/restore: no rows in $t to compare"; rc=1; }
	done
	grep -q '^audit|.*,reharden,' "$dir/tables.before" || { echo "dump/restore: no reharden in the audit"; rc=1; }
	"$PG_BINDIR/pg_dump" -Fc -d "$src" -f "$dir/dump" || rc=1
	restore_and_compare rebound_restore "$dir/dump" "$dir" serial || rc=1
	# pg_restore -L loads a serial restore in the order of the list
	"$PG_BINDIR/pg_restore" -l "$dir/dump" >"$dir/list" || rc=1
	{ grep -v ' TABLE DATA \| SEQUENCE SET ' "$dir/list"; grep ' TABLE DATA \| SEQUENCE SET ' "$dir/list" | tac; } >"$dir/list.reversed"
	restore_and_compare rebound_restore "$dir/dump" "$dir" reversed -L "$dir/list.reversed" || rc=1
	restore_and_compare rebound_restore "$dir/dump" "$dir" parallel -j 2 || rc=1
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $src WITH (FORCE)"
	rm -rf "$dir"
	return $rc
}
