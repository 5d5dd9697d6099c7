#!/usr/bin/env bash
# test/check.sh — every test of rebound, from a fresh Debian 12 machine.
#
#   bash test/check.sh
#
# Installs what is missing (apt-get), builds, starts a throwaway cluster (or
# uses the server named by PGHOST/PGPORT), then runs pg_regress, the pgTAP
# suites, the core unit tests under ASan/UBSan, and the fuzzers (when clang
# is there).  Exits non-zero when anything fails.
#
# FUZZ_SECONDS (default 60) bounds each fuzzer; 0 skips them.

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/dump.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/dns.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/upgrade.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/corpus.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/chart.sh"
cd "$REBOUND_ROOT"

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0
failed=0
failures=()

step() {
	local name=$1
	shift
	say "$name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

# pg_regress (sql/, expected/), then the isolation specs
# (test/isolation/specs): both are PGXS's installcheck.
run_regress() {
	rm -f regression.diffs output_iso/regression.diffs
	if make -s PG_CONFIG="$PG_CONFIG" installcheck; then
		return 0
	fi
	[ -f regression.diffs ] && cat regression.diffs
	[ -f output_iso/regression.diffs ] && cat output_iso/regression.diffs
	return 1
}

run_pgtap() {
	local exts=(pgtap rebound) f rc=0
	[ "${REBOUND_HAVE_CRON:-0}" = 1 ] && exts=(pgtap pg_cron rebound)
	# Each suite in a database of its own: several commit (heal does), and
	# none may see another's data or depend on the order of the files.
	# The name is the one pg_cron schedules in (cron.database_name).
	for f in test/pgtap/*.sql; do
		fresh_database rebound_test "${exts[@]}"
		# Dropping the database ended pg_cron's scheduler (terminated, it
		# exits 0, and the postmaster does not start it again): a suite
		# that schedules jobs gets a throwaway server restarted first.
		if [ "${REBOUND_HAVE_CRON:-0}" = 1 ] && [ "$REBOUND_EXISTING_SERVER" -eq 0 ] && grep -q 'cron\.' "$f"; then
			as_owner "$TMP_BINDIR/pg_ctl" -D "$REBOUND_TMP/data" -l "$REBOUND_TMP/log/server.log" -w -t 60 restart >/dev/null
		fi
		# the DNS tests talk to the Knot server of test/lib/dns.sh
		PGDATABASE=rebound_test \
		PGOPTIONS="-c rebound.dns_servers=$REBOUND_DNS_SERVER -c rebound_test.silent_dns=$REBOUND_SILENT_DNS -c rebound_test.dead_dns=$REBOUND_DEAD_DNS" \
			pg_prove --ext .sql "$f" || rc=1
	done
	return $rc
}

# The search_path decoys (test/security/search_path.sql) in a database of
# their own: thousands of decoy operators are dropped with the database.
run_search_path() {
	local rc=0
	fresh_database rebound_search_path pgtap rebound
	PGDATABASE=rebound_search_path pg_prove --ext .sql test/security/search_path.sql || rc=1
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS rebound_search_path WITH (FORCE)"
	return $rc
}

run_unit() {
	make -s unit && prove test/unit/bin/*
}

# One fuzzer: FUZZ_SECONDS from its seeds, in a scratch corpus (libFuzzer
# writes new inputs into its first corpus directory).
run_fuzzer() {
	local bin=$1 name corpus rc=0
	name=$(basename "$bin")
	corpus=$(mktemp -d /tmp/rebound-fuzz.XXXXXX)
	[ -d "test/fuzz/seeds/${name#fuzz_}" ] && cp -r "test/fuzz/seeds/${name#fuzz_}/." "$corpus/"
	# the bounce reader also starts from the shared corpus of real bounces
	if [ "$name" = fuzz_dsn ] && [ -d "$REBOUND_CORPUS/eml" ]; then
		cp "$REBOUND_CORPUS/eml/"*.eml "$corpus/"
	fi
	if "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 "$corpus" >"$corpus.log" 2>&1; then
		echo "$name: ${FUZZ_SECONDS}s, $(sed -n 's/^stat::number_of_executed_units: *//p' "$corpus.log") runs, peak RSS $(sed -n 's/^stat::peak_rss_mb: *//p' "$corpus.log") MB"
	else
		echo "$name: FAILED"
		tail -n 60 "$corpus.log"
		rc=1
	fi
	rm -rf "$corpus" "$corpus.log"
	return $rc
}

# Two fuzzers at a time, one per core.
run_fuzzers() {
	make -s fuzzers || return 1
	local bins=(test/fuzz/bin/fuzz_*) i rc=0
	for ((i = 0; i < ${#bins[@]}; i += 2)); do
		run_fuzzer "${bins[i]}" &
		local p1=$! p2=
		if [ $((i + 1)) -lt ${#bins[@]} ]; then
			run_fuzzer "${bins[i + 1]}" &
			p2=$!
		fi
		wait "$p1" || rc=1
		[ -n "$p2" ] && { wait "$p2" || rc=1; }
	done
	return $rc
}

setup_all
start_dns
step "pg_regress and isolation specs" run_regress
step "pgTAP suites" run_pgtap
step "search_path decoys against every entry point" run_search_path
step "provider catalogue, sinks and outbox through pg_dump/pg_restore" run_dump_restore
step "upgrade from 0.1.0 equals a fresh install" run_upgrade
step "incident report and chart, rendered by rsvg-convert" run_chart
step "core unit tests (ASan, UBSan)" run_unit
if [ "$FUZZ_SECONDS" -gt 0 ] && command -v clang >/dev/null; then
	step "fuzzers (${FUZZ_SECONDS}s each)" run_fuzzers
fi

echo
if [ "$failed" -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "test steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
