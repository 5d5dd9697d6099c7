#!/usr/bin/env bash
# test/bench/scale.sh — rebound at scale (issue 14, item 5).  One run by
# hand, not in the test command: the large ledger takes hours and tens of
# gigabytes.
#
#   bash test/bench/scale.sh                        # 10M then 100M bounces, one node
#   SMALL=1000000 LARGE=10000000 bash test/bench/scale.sh
#   LARGE=0 CITUS=1 bash test/bench/scale.sh         # 10M on one node and on Citus
#   ONE_NODE=0 CITUS=1 bash test/bench/scale.sh      # the Citus part alone
#
# On a generated ledger (test/bench/scale.sql: 100,000 domains, fifty
# addresses each, the same last days at every size, history going back in
# time at PER_DAY bounces a day), prints for each size:
#   - CALL rebound.heal('1 day', true), what pg_cron runs every five
#     minutes (dry run: every call does the same work), median of REPS;
#   - the unharden selection of the day's outage (incident_bounces)
#     against a hand-written query of the same rows held to index lookups;
#   - is_suppressed for one address: the plan of its statement, with its
#     buffers (index probes);
# then the ratios large/small.  CITUS=1 runs the small size again on a
# coordinator and two workers (test/lib/citus.sh, rebound.distribute())
# beside a database without Citus on the coordinator, as a ratio (two cores
# here: reported, not tuned to).

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
cd "$REBOUND_ROOT"

SMALL=${SMALL:-10000000}
LARGE=${LARGE:-100000000}
PER_DAY=${PER_DAY:-100000}
OUTAGE=${OUTAGE:-20000}
REPS=${REPS:-3}
CITUS=${CITUS:-0}
# ONE_NODE=0: the Citus part alone (with its own single node beside it)
ONE_NODE=${ONE_NODE:-1}
# the last days are generated around this hour; heal('1 day') sees the
# same day for twelve hours after it
ANCHOR=${ANCHOR:-$(date -u '+%Y-%m-%dT%H:00:00+00')}

# psql on the database $1, phase $2 of scale.sql, ledger size $3
scale_phase() {
	local db=$1 phase=$2 rows=${3:-0}
	PGOPTIONS="${PGOPTIONS:-} -c bench.anchor=$ANCHOR -c bench.rows=$rows -c bench.per_day=$PER_DAY" \
		$SCALE_PSQL -X -q -d "$db" -v phase="$phase" -v anchor="$ANCHOR" -v per_day="$PER_DAY" \
		-v outage="$OUTAGE" -v reps="$REPS" -f test/bench/scale.sql
}

# median milliseconds of REPS calls of heal('1 day', true), one session each
scale_heal_ms() {
	local db=$1 t0 t1 times=()
	PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
		$SCALE_PSQL -X -q -d "$db" -c "CALL rebound.heal('1 day', true)" >/dev/null
	for _ in $(seq 1 "$REPS"); do
		t0=$(date +%s%N)
		PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
			$SCALE_PSQL -X -q -d "$db" -c "CALL rebound.heal('1 day', true)" >/dev/null || return 1
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((REPS + 1) / 2))p"
}

# one size: grow to $2 rows, measure; prints "rows heal_ms select_ms ref_ms"
scale_measure() {
	local db=$1 rows=$2 label=$3 start out heal
	start=$(date +%s)
	scale_phase "$db" grow "$rows" || return 1
	say "$label: $rows bounces (generated in $(($(date +%s) - start)) s)"
	out=$(scale_phase "$db" measure 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	heal=$(scale_heal_ms "$db") || return 1
	echo "heal('1 day', dry run): median of $REPS: $heal ms"
	echo "$label $rows $heal $(echo "$out" | awk -F'|' '/^ *[0-9]+ *\| *[0-9]+ *\|/ { gsub(/ /, ""); print $3, $4; exit }')" >>"$SCALE_RESULTS"
}

SCALE_RESULTS=$(mktemp /tmp/rebound-scale.XXXXXX)
SCALE_PSQL=psql
setup_all
# the throwaway server sized as a ledger of this size would be: the
# defaults (128MB of shared buffers, 1GB of WAL between checkpoints) make
# a 100M-row ledger a benchmark of the disk; a server of one's own
# (REBOUND_EXISTING_SERVER) is taken as it is
if [ "$REBOUND_EXISTING_SERVER" -eq 0 ]; then
	psql -X -q -d postgres -c "ALTER SYSTEM SET shared_buffers = '${SCALE_SHARED_BUFFERS:-4GB}'" \
		-c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '30min'" \
		-c "ALTER SYSTEM SET maintenance_work_mem = '1GB'" || exit 1
	as_owner "$TMP_BINDIR/pg_ctl" -D "$REBOUND_TMP/data" -l "$REBOUND_TMP/log/server.log" -w -t 120 restart >/dev/null || exit 1
fi
if [ "$ONE_NODE" = 1 ]; then
	say "generating the provider map and the last days (anchor $ANCHOR)"
	fresh_database rebound_scale rebound
	scale_phase rebound_scale map && scale_phase rebound_scale recent || exit 1
	scale_measure rebound_scale "$SMALL" "one node" || exit 1
fi

if [ "$CITUS" = 1 ]; then
	source test/lib/citus.sh
	start_citus_build
	wait "$citus_build_pid" || { cat "$citus_build_log"; exit 1; }
	CITUS_TMP=$(mktemp -d /tmp/rebound-citus.XXXXXX)
	chmod 755 "$CITUS_TMP"
	trap 'citus_stop; stop_cluster' EXIT

	citus_install "${REBOUND_CITUS_CACHE:-/var/cache/rebound/citus-13.0.5}" && citus_start_nodes || exit 1
	SCALE_PSQL="psql -h $CITUS_TMP/sock0 -p ${CITUS_PORTS[0]} -U postgres"
	for db in rebound_single rebound_citus; do
		$SCALE_PSQL -X -q -d $db -c "SET client_min_messages = warning" -c "CREATE EXTENSION rebound" || exit 1
		scale_phase $db map || exit 1
		# the map is loaded before distribute(), which moves it into the
		# shards (an observation is a round trip to a worker on Citus)
		if [ $db = rebound_citus ]; then
			$SCALE_PSQL -X -q -d $db -c "SELECT count(*) FROM rebound.distribute()" >/dev/null || exit 1
		fi
		scale_phase $db recent || exit 1
		scale_measure $db "$SMALL" "$db" || exit 1
	done
	citus_stop
	trap stop_cluster EXIT
fi

# the large size last: the longest, and its figures alone if cut short
if [ "$ONE_NODE" = 1 ] && [ "$LARGE" -gt 0 ]; then
	SCALE_PSQL=psql
	scale_measure rebound_scale "$LARGE" "one node" || exit 1
fi

say "summary (rows, heal('1 day') ms, selection ms, hand-written ms)"
column -t "$SCALE_RESULTS"
awk '{ heal = $(NF - 2); sel = $(NF - 1); ref = $NF; label = $0; sub(/ [0-9]+ [0-9]+ [0-9]+ [0-9]+$/, "", label)
	   printf "%s, %s bounces: selection / hand-written = %.2f\n", label, $(NF - 3), sel / ref
	   if (label == "one node") { if (!one) one = heal; else printf "heal(1 day), large / small: %.2f\n", heal / one }
	   if (label == "rebound_single") single = heal
	   if (label == "rebound_citus") printf "heal(1 day), Citus / one node: %.2f\n", heal / single }' "$SCALE_RESULTS"
rm -f "$SCALE_RESULTS"
