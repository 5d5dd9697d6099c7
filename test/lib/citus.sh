# test/lib/citus.sh — rebound distributed on a real Citus cluster; sourced
# by test/check.sh after test/lib/cluster.sh.
#
# start_citus_build  starts test/lib/citus_build.sh in the background (the
#                    first run builds Citus from ../shared/citus, minutes;
#                    later runs find it cached under /var/cache/rebound)
# run_citus          waits for it, starts a coordinator and two workers on
#                    loopback (each its own cluster, as postgres, in a
#                    temporary directory, with a private copy of the
#                    PostgreSQL installation holding rebound and Citus),
#                    runs the outage replay (test/demo.sql) and the
#                    detection scenario (test/detect/) on one node and
#                    distributed (rebound.distribute()), and compares every
#                    figure they print.  Without the Citus source it says
#                    that it is skipped, and why, and passes.
#
# Standalone: bash test/lib/citus.sh (builds rebound and Citus as needed).
# REBOUND_CITUS_KEEP=1 leaves the three nodes running and prints how to
# connect and how to stop them.

# company domains, ordinary bounces, outage failures (test/detect/measure.sh)
CITUS_DETECT_SIZE=${CITUS_DETECT_SIZE:-"300 30000 1500"}

start_citus_build() {
	citus_build_log=$(mktemp /tmp/rebound-citus-build-log.XXXXXX)
	PG_CONFIG=$PG_CONFIG bash "$REBOUND_ROOT/test/lib/citus_build.sh" >"$citus_build_log" 2>&1 &
	citus_build_pid=$!
}

# psql on node N (0 coordinator, 1 and 2 workers), database rebound_citus
# unless -d is given.
citus_psql() {
	local n=$1
	shift
	psql -X -h "$CITUS_TMP/sock$n" -p "${CITUS_PORTS[$n]}" -U postgres -v ON_ERROR_STOP=1 "$@"
}

citus_stop() {
	local n
	[ -n "${CITUS_TMP:-}" ] && [ -d "$CITUS_TMP" ] || return 0
	if [ "${REBOUND_CITUS_KEEP:-0}" = 1 ]; then
		echo "the three nodes are still running (REBOUND_CITUS_KEEP=1):"
		echo "  coordinator: psql -h $CITUS_TMP/sock0 -p ${CITUS_PORTS[0]} -U postgres rebound_citus"
		echo "  stop: for n in 0 1 2; do runuser -u postgres -- $CITUS_BINDIR/pg_ctl -D $CITUS_TMP/data\$n stop; done; rm -rf $CITUS_TMP"
		return 0
	fi
	for n in 0 1 2; do
		[ -d "$CITUS_TMP/data$n" ] &&
			as_owner "$CITUS_BINDIR/pg_ctl" -D "$CITUS_TMP/data$n" -m fast -w stop >/dev/null 2>&1
	done
	rm -rf "$CITUS_TMP"
	CITUS_TMP=
}

# A free TCP port on loopback, from a range unlikely to be in use.
citus_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# The private installation: rebound (make_private_install) plus the files
# of the cached Citus build.
citus_install() {
	local cache=$1 saved_tmp=${REBOUND_TMP:-} saved_bindir=${TMP_BINDIR:-}
	REBOUND_TMP=$CITUS_TMP
	make_private_install
	CITUS_BINDIR=$TMP_BINDIR
	REBOUND_TMP=$saved_tmp
	TMP_BINDIR=$saved_bindir
	local pkglibdir sharedir
	pkglibdir=$("$PG_CONFIG" --pkglibdir)
	sharedir=$("$PG_CONFIG" --sharedir)
	cp -a "$cache$pkglibdir"/*.so "$CITUS_TMP/install$pkglibdir/"
	cp -a "$cache$sharedir"/extension/* "$CITUS_TMP/install$sharedir/extension/"
	chmod -R a+rX "$CITUS_TMP/install"
}

citus_start_nodes() {
	local n data
	CITUS_PORTS=()
	for n in 0 1 2; do
		CITUS_PORTS[$n]=$(citus_free_port)
		data=$CITUS_TMP/data$n
		mkdir -p "$data" "$CITUS_TMP/sock$n"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$data" "$CITUS_TMP/sock$n" "$CITUS_TMP"
		as_owner "$CITUS_BINDIR/initdb" -D "$data" -A trust -U postgres -E UTF8 \
			--locale=C.UTF-8 >"$CITUS_TMP/initdb$n.log" 2>&1 ||
			{ cat "$CITUS_TMP/initdb$n.log"; return 1; }
		cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = ${CITUS_PORTS[$n]}
unix_socket_directories = '$CITUS_TMP/sock$n'
shared_preload_libraries = 'citus'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
max_worker_processes = 16
log_min_messages = warning
CONF
		as_owner "$CITUS_BINDIR/pg_ctl" -D "$data" -l "$CITUS_TMP/server$n.log" -w -t 60 start >/dev/null ||
			{ cat "$CITUS_TMP/server$n.log"; return 1; }
	done
	citus_create_db rebound_citus
	citus_create_db rebound_detect_citus
	citus_psql 0 -qAt -d postgres -c "CREATE DATABASE rebound_single" \
		-c "CREATE DATABASE rebound_detect_single" >/dev/null
}

# A database with Citus on the three nodes, the workers added to it.
citus_create_db() {
	local db=$1 n
	for n in 0 1 2; do
		citus_psql "$n" -qAt -d postgres -c "CREATE DATABASE $db" >/dev/null
		citus_psql "$n" -qAt -d "$db" -c "SET client_min_messages = warning" \
			-c "CREATE EXTENSION citus" >/dev/null
	done
	citus_psql 0 -qAt -d "$db" \
		-c "SELECT citus_set_coordinator_host('127.0.0.1', ${CITUS_PORTS[0]})" \
		-c "SELECT citus_add_node('127.0.0.1', ${CITUS_PORTS[1]})" \
		-c "SELECT citus_add_node('127.0.0.1', ${CITUS_PORTS[2]})" >/dev/null
}

# Outputs of the two runs without what may differ between any two runs
# (timings, the time healing ran, the temporary directory, the script's
# name and line in psql's messages, a backend's pid) and Citus's warning
# that the CRM's view stays on the coordinator, as it does on one node.
citus_normalize() {
	sed -E -e '/^Time: /d' -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+\+[0-9]{2} \(now\)//g' \
		-e 's/^psql:[^:]*:[0-9]+: //' -e 's/server process with PID [0-9]+/server process with PID (pid)/' \
		-e '/WARNING:  "view crm.mailable_contact" has dependency to "table crm.contact"/,+2d' \
		-e 's/(declared|extended) at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [A-Z]+/\1 at (when healing ran)/g' \
		-e 's#/out/(single|citus)/#/out/(run)/#g' "$1"
}

run_citus() {
	local rc=0 cache
	wait "$citus_build_pid" || rc=$?
	cat "$citus_build_log"
	rm -f "$citus_build_log"
	if [ "${REBOUND_SKIP_CITUS:-0}" = 1 ]; then
		echo "skipped, rebound not tested on Citus: REBOUND_SKIP_CITUS=1"
		return 0
	fi
	if [ "$rc" -eq 3 ]; then
		echo "skipped, rebound not tested on Citus: no Citus build (above)"
		return 0
	fi
	[ "$rc" -eq 0 ] || return 1
	cache=${REBOUND_CITUS_CACHE:-/var/cache/rebound/citus-13.0.5}

	CITUS_TMP=$(mktemp -d /tmp/rebound-citus.XXXXXX)
	chmod 755 "$CITUS_TMP"
	# the nodes go with the test command's own cluster, whatever happens
	declare -F stop_cluster >/dev/null && trap 'citus_stop; stop_cluster' EXIT
	citus_install "$cache" && citus_start_nodes && citus_compare || rc=1
	citus_stop
	declare -F stop_cluster >/dev/null && trap stop_cluster EXIT
	return $rc
}

# One node and three nodes, the same scripts, every figure compared.
#
# The outage's CRM and ledger (test/outage/scenario.sql: 14,000 bounces
# captured by row triggers, 7,700 observations) are loaded before
# rebound.distribute(), which then moves them into the shards: each row
# trigger and observation is a round trip to a worker on Citus, minutes for
# what one node loads in seconds.  The step records through the
# coordinator and through a worker below, on the distributed tables.
# Everything after the load (detection, healing, sinks, the outbox,
# reports, the undo) runs distributed.
citus_compare() {
	local out=$CITUS_TMP/out rc=0 db
	mkdir -p "$out" "$out/single" "$out/citus"
	chmod -R a+rwX "$out"
	# demo.sql without its first step, the load, which runs first
	sed 's|^\\i test/outage/scenario.sql$|-- (test/outage/scenario.sql loaded before)|' \
		"$REBOUND_ROOT/test/demo.sql" >"$out/demo-body.sql"
	# A sink's target must resolve on every node (rebound.sink is a
	# reference table of regclass values; README, "Past one machine"), and
	# Citus refuses an UPDATE through a view of its own tables: the CRM
	# stays on the coordinator, plain tables as on one node (the sinks'
	# UPDATEs run there, in the healing transaction), and the workers get
	# empty tables of the same names, for the names alone (Citus creates
	# the schema there, and no view on a worker).
	sed '/^CREATE INDEX automation_suppression_address_idx/a\
SELECT count(*) AS crm_names_on_workers FROM unnest(ARRAY[$$CREATE TABLE crm.contact (email text, hard_bounced boolean)$$, $$CREATE TABLE crm.mailable_contact (email text, hard_bounced boolean)$$, $$CREATE TABLE crm.automation_suppression (recipient text)$$]) c, run_command_on_workers(c) w WHERE w.success \\gset' \
		"$out/demo-body.sql" >"$out/demo-body-citus.sql"
	grep -q 'loaded before' "$out/demo-body.sql" ||
		{ echo "test/demo.sql no longer loads test/outage/scenario.sql with \\i"; return 1; }
	for db in single citus; do
		# one node: a database of the coordinator without Citus; three
		# nodes: CREATE EXTENSION propagates to the workers
		citus_psql 0 -qAt -d rebound_$db -c "SET client_min_messages = warning" \
			-c "CREATE EXTENSION rebound" >/dev/null || return 1
		{
			echo '\set ON_ERROR_STOP 1'
			echo '\i test/outage/scenario.sql'
			[ "$db" = citus ] && echo 'SELECT count(*) AS distributed_tables FROM rebound.distribute() \gset'
			echo "\\i $out/demo-body$([ "$db" = citus ] && echo -citus).sql"
		} >"$out/run-$db.sql"
		say "outage replay (test/demo.sql), $db"
		local t0=$SECONDS
		(cd "$REBOUND_ROOT" && citus_psql 0 -q -d rebound_$db -v outdir="$out/$db" \
			-f "$out/run-$db.sql") >"$out/demo-$db.txt" 2>&1 || { tail -20 "$out/demo-$db.txt"; rc=1; }
		echo "$((SECONDS - t0))s"
	done
	if ! diff <(citus_normalize "$out/demo-single.txt") <(citus_normalize "$out/demo-citus.txt"); then
		echo "the outage replay differs between one node and Citus (above)"
		rc=1
	else
		grep '^== Summary' "$out/demo-citus.txt"
		echo "outage replay: $(wc -l <"$out/demo-citus.txt") lines of output, the same on one node and on Citus"
	fi

	# Detection (test/detect/): on Citus the ledger is distributed first,
	# empty, and the scenario loads into the shards.
	for db in single citus; do
		say "detection scenario (test/detect/, $CITUS_DETECT_SIZE), $db"
		local t0=$SECONDS
		citus_psql 0 -qAt -d rebound_detect_$db -c "SET client_min_messages = warning" \
			-c "CREATE EXTENSION rebound" >/dev/null || return 1
		if [ "$db" = citus ]; then
			citus_psql 0 -qAt -d rebound_detect_$db -c "SELECT rebound.distribute()" >/dev/null || return 1
		fi
		(cd "$REBOUND_ROOT" && citus_psql 0 -q -d rebound_detect_$db -f test/detect/scenario.sql \
			-c "SELECT scenario.generate($(echo "$CITUS_DETECT_SIZE" | tr ' ' ','), seed => 0.42)" \
			-c "SELECT scenario.load()" -c "ANALYZE" >/dev/null &&
			citus_psql 0 -d rebound_detect_$db -f test/detect/measure.sql) \
			>"$out/detect-$db.txt" 2>&1 || { tail -20 "$out/detect-$db.txt"; rc=1; }
		echo "$((SECONDS - t0))s"
	done
	if ! diff "$out/detect-single.txt" "$out/detect-citus.txt"; then
		echo "the detection scenario differs between one node and Citus (above)"
		rc=1
	else
		sed -n '1,/^$/p' "$out/detect-citus.txt" | head -8
		echo "detection: $(wc -l <"$out/detect-citus.txt") lines of output, the same on one node and on Citus"
	fi

	say "recording through a worker, the catalogue changed on every node"
	citus_nodes_check rebound_detect_single 0 0 >"$out/nodes-single.txt"
	citus_nodes_check rebound_detect_citus 1 2 >"$out/nodes-citus.txt"
	if ! diff "$out/nodes-single.txt" "$out/nodes-citus.txt"; then
		echo "the nodes check differs between one node and Citus (above)"
		rc=1
	else
		cat "$out/nodes-citus.txt"
	fi
	return $rc
}

# What the replays do not exercise: recording through a worker (ids unique
# cluster-wide), and a catalogue change seen by every node's matcher from
# the next statement, in a session that had compiled it before and inside a
# query Citus runs on the shards; a user row taking a catalogue row over and
# a deletion leaving its tombstone, on every node.  The same statements on
# one node (every "node" the same server) and on Citus, outputs compared.
citus_nodes_check() {
	local db=$1 w1=$2 w2=$3 q="-qAt -d $1"
	{
		echo "-- recorded through the coordinator and through a worker"
		citus_psql 0 $q -c "SELECT rebound.record_bounce('one@nodes-check.example', now(), '550 5.1.1 unknown user', 'nodes') > 0"
		citus_psql "$w1" $q -c "SELECT rebound.record_bounce('two@nodes-check.example', now(), '550 5.1.1 unknown user', 'nodes') > 0"
		citus_psql 0 $q -c "SELECT count(*), count(DISTINCT id), string_agg(address || ' ' || reason, ', ' ORDER BY address)
			FROM rebound.bounce WHERE source = 'nodes'"
		echo "-- a worker's session: before, the coordinator adds a provider and a rule, after"
		citus_psql "$w2" $q -c "SELECT coalesce(rebound.host_provider('mx.nodes-check.example'), 'none')" \
			-c "\\! psql -X -h $CITUS_TMP/sock0 -p ${CITUS_PORTS[0]} -U postgres $q -c \"INSERT INTO rebound.provider (name) VALUES ('nodescheck')\" -c \"INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('nodescheck', 'host_suffix', 'NODES-CHECK.example.')\"" \
			-c "SELECT coalesce(rebound.host_provider('mx.nodes-check.example'), 'none')"
		echo "-- a user row takes a catalogue rule over; a deleted catalogue rule leaves a tombstone"
		citus_psql 0 $q -c "INSERT INTO rebound.provider_rule (provider, kind, pattern) VALUES ('nodescheck', 'host_suffix', 'mail.ovh.net')" \
			-c "DELETE FROM rebound.provider_rule WHERE kind = 'host_suffix' AND pattern = 'ovh.net'" \
			-c "SELECT provider, origin FROM rebound.provider_rule WHERE pattern IN ('mail.ovh.net', 'ovh.net')" \
			-c "SELECT kind, pattern FROM rebound.provider_tombstone ORDER BY 1, 2"
		for n in 0 "$w1" "$w2"; do
			citus_psql "$n" $q -c "SELECT rebound.host_provider('mx1.mail.ovh.net'), coalesce(rebound.host_provider('dns12.ovh.net'), 'none')"
		done
		echo "-- the matchers inside a query on the shards"
		citus_psql 0 $q -c "SELECT rebound.host_provider(h.host), count(*) FROM rebound.domain_host h
			GROUP BY 1 ORDER BY 1 NULLS FIRST"
	} 2>&1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
	# no cluster of cluster.sh here: whatever REBOUND_TMP the caller's
	# environment names is not ours to stop
	unset -f stop_cluster
	install_packages
	pick_pg_config
	build_extension
	start_citus_build
	trap citus_stop EXIT
	run_citus
fi
