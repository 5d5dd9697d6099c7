# test/lib/dump.sh — sourced by test/check.sh.
#
# run_dump_restore: a database whose provider catalogue a user changed
# (rules deleted, taken over, edited, providers added and deleted) and whose
# history holds observations goes through pg_dump and pg_restore; the
# restored database must hold the same providers, rules, tombstones and
# history, with every catalogue row the user deleted still absent; and the
# sinks of its flows, the outbox and the sink log, with their sequences.

provider_snapshot() {
	psql -XAtq -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT 'provider', name, coalesce(display_name, ''), origin FROM rebound.provider ORDER BY 2;
SELECT 'rule', provider, kind, pattern, origin FROM rebound.provider_rule ORDER BY 3, 4;
SELECT 'tombstone', kind, pattern FROM rebound.provider_tombstone GROUP BY 2, 3 ORDER BY 2, 3;
SELECT 'domain_host', domain, role, host, observed, first_seen, last_seen FROM rebound.domain_host ORDER BY 2, 3, 4, 5;
SELECT 'host_address', host, addr, observed FROM rebound.host_address ORDER BY 2, 3, 4;
SELECT 'sink', source, target, kind, address_column, coalesce(flag_column, ''), indexed FROM rebound.sinks ORDER BY id;
SELECT 'outbox', incident, source, address, action, processed_at IS NOT NULL FROM rebound.outbox ORDER BY id;
SELECT 'sink_log', incident, source, target_name, action, addresses, changed FROM rebound.sink_log ORDER BY id;
SELECT 'crm', email, hard_bounced FROM crm.contact ORDER BY email;
SELECT 'next', (SELECT last_value FROM rebound.outbox_id_seq), (SELECT last_value FROM rebound.sink_id_seq);
SELECT 'match', rebound.host_provider('mx1.mail.ovh.net'), rebound.domain_provider('gmx.fr'),
	rebound.domain_provider('aol.fr'), rebound.host_provider('mx.zoho.eu'),
	rebound.ip_provider('192.0.2.7'), rebound.host_provider('spool.mail.gandi.net');
SQL
}

run_dump_restore() {
	local dir src=rebound_dump dst=rebound_restore rc=0
	dir=$(mktemp -d /tmp/rebound-dump.XXXXXX)
	chmod 755 "$dir"
	fresh_database "$src" rebound
	psql -XAtq -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
DELETE FROM rebound.provider_rule WHERE kind = 'domain' AND pattern = 'aol.fr';
DELETE FROM rebound.provider WHERE name = 'zoho';
INSERT INTO rebound.provider (name, display_name) VALUES ('acme', 'Acme hosting');
INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES
	('acme', 'cidr', '192.0.2.0/24'), ('acme', 'domain', 'gmx.fr');
UPDATE rebound.provider_rule SET provider = 'acme' WHERE kind = 'host_suffix' AND pattern = 'gandi.net';
UPDATE rebound.provider SET display_name = 'OVH' WHERE name = 'ovh';
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['10 mx1.mail.ovh.net'], '2017-01-01');
SELECT rebound.observe_domain('example.com', 'mx', ARRAY['10 aspmx.l.google.com'], '2018-01-01');
SELECT rebound.observe_host('mx1.mail.ovh.net', ARRAY['188.165.1.1']::inet[], '2017-01-01');
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
	provider_snapshot "$src" >"$dir/before"
	"$PG_BINDIR/pg_dump" -Fc -d "$src" -f "$dir/dump" || rc=1
	psql -XAtq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $dst WITH (FORCE)" -c "CREATE DATABASE $dst" || rc=1
	"$PG_BINDIR/pg_restore" --exit-on-error -d "$dst" "$dir/dump" || rc=1
	provider_snapshot "$dst" >"$dir/after"
	if ! diff -u "$dir/before" "$dir/after"; then
		rc=1
	fi
	# the snapshot is not trivially equal: the user's changes are in it
	grep -q '^match|ovh|acme|||acme|acme$' "$dir/after" || { echo "unexpected matches:"; grep '^match' "$dir/after"; rc=1; }
	grep -q '^tombstone|domain|aol.fr$' "$dir/after" || rc=1
	# the sink, the outbox (one row processed) and the CRM as healing left it
	grep -q '^sink|campaigns|crm.contact|flag|email|hard_bounced|t$' "$dir/after" || { echo "sink lost:"; grep '^sink' "$dir/after"; rc=1; }
	[ "$(grep -c '^outbox|' "$dir/after")" = 2 ] || { echo "outbox lost:"; grep '^outbox' "$dir/after"; rc=1; }
	grep -q '^outbox|.*|jean@example.com|reinstate|t$' "$dir/after" || rc=1
	echo "dump/restore: $(grep -c '^sink|' "$dir/after") sinks, $(grep -c '^outbox|' "$dir/after") outbox rows, $(grep -c '^rule' "$dir/after") rules, $(grep -c '^tombstone' "$dir/after") tombstones, $(grep -c '^domain_host' "$dir/after") history rows compared"
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $dst WITH (FORCE)" -c "DROP DATABASE IF EXISTS $src WITH (FORCE)"
	rm -rf "$dir"
	return $rc
}
