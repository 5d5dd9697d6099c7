#!/usr/bin/env bash
# test/check.sh — every test of rebound, from a fresh Debian 12 machine.
#
#   bash test/check.sh
#
# Installs what is missing (apt-get), builds, starts a throwaway cluster (or
# uses the server named by PGHOST/PGPORT), then runs pg_regress, the pgTAP
# suites, the core unit tests under ASan/UBSan, rebound on a 3-node Citus
# cluster (when ../shared/citus holds its source), and the fuzzers (when
# clang is there).  Exits non-zero when anything fails.
#
# FUZZ_SECONDS (default 30) bounds each fuzzer; 0 skips them.  Fourteen
# fuzzers, two at a time, take seven minutes of the test command at 60 s:
# longer runs are for FUZZ_SECONDS=600 by hand, not for every commit.

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/dump.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/dns.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/upgrade.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/corpus.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/chart.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/readme.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/citus.sh"
cd "$REBOUND_ROOT"
# compiler warnings fail the test command (users' builds only warn)
export WERROR=1

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
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
	local f rc=0 cron=() exts=(pgtap rebound)
	# Each suite in a database of its own: several commit (heal does), and
	# none may see another's data or depend on the order of the files.
	# The suites that use pg_cron share the one database it schedules in
	# (cron.database_name), created once: dropping it under pg_cron's
	# launcher, suite after suite, would leave the launcher to reconnect.
	for f in test/pgtap/*.sql; do
		if grep -q 'cron\.' "$f"; then
			cron+=("$f")
			continue
		fi
		fresh_database rebound_suite "${exts[@]}"
		pgtap_run rebound_suite "$f" || rc=1
	done
	if [ "${REBOUND_HAVE_CRON:-0}" = 1 ]; then
		fresh_database rebound_test pgtap pg_cron rebound
	else
		fresh_database rebound_test "${exts[@]}"
	fi
	pgtap_run rebound_test "${cron[@]}" || rc=1
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS rebound_suite WITH (FORCE)"
	return $rc
}

# pg_prove over the given files in database $1; the DNS tests talk to the
# Knot server of test/lib/dns.sh.
pgtap_run() {
	local db=$1
	shift
	PGDATABASE=$db \
	PGOPTIONS="-c rebound.dns_servers=$REBOUND_DNS_SERVER -c rebound_test.silent_dns=$REBOUND_SILENT_DNS -c rebound_test.dead_dns=$REBOUND_DEAD_DNS" \
		pg_prove --ext .sql "$@"
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

# Concurrent writers of the history (pgbench, bounded in time): no deadlock,
# no error, a well-formed history.
run_observe_pgbench() {
	PG_BINDIR=$("$PG_CONFIG" --bindir) OBSERVE_PGBENCH_SECONDS=${OBSERVE_PGBENCH_SECONDS:-8} \
		bash test/concurrency/observe_pgbench.sh
}

# A busy parse_dsn gives way to pg_cancel_backend and pg_terminate_backend
# from another session (the statement_timeout case is a pgTAP suite).
run_cancel() {
	fresh_database rebound_cancel rebound
	PGDATABASE=rebound_cancel bash test/cancel.sh
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

# pg_regress and pgTAP again on PostgreSQL 17, in a cached Debian 13 root
# (test/lib/trixie.sh; skipped where debootstrap or chroot cannot run).
# Started before the other steps, in the background: making the root
# (first run) and the suites' waits overlap them.  Its output is shown at
# its step.
start_trixie() {
	trixie_log=$(mktemp /tmp/rebound-trixie.XXXXXX)
	bash test/lib/trixie.sh >"$trixie_log" 2>&1 &
	trixie_pid=$!
}
run_trixie() {
	local rc=0
	wait "$trixie_pid" || rc=$?
	cat "$trixie_log"
	rm -f "$trixie_log"
	return $rc
}

setup_all
start_dns
start_trixie
# Citus is built (first run: minutes) while the other steps run
start_citus_build
step "pg_regress and isolation specs" run_regress
step "pgTAP suites" run_pgtap
step "README examples, run in order and compared with their shown output" run_readme
step "search_path decoys against every entry point" run_search_path
step "provider catalogue, sinks and outbox through pg_dump/pg_restore" run_dump_restore
step "upgrade from 0.1.0 equals a fresh install" run_upgrade
step "concurrent observations, disjoint and overlapping (pgbench): no deadlock" run_observe_pgbench
step "incident report and chart, rendered by rsvg-convert" run_chart
step "parse_dsn cancellation from another session" run_cancel
step "core unit tests (ASan, UBSan)" run_unit
step "PostgreSQL 17 on Debian 13 (pg_regress, pgTAP)" run_trixie
step "Citus: a coordinator and two workers give the single node's answers" run_citus
if [ "$FUZZ_SECONDS" -gt 0 ] && command -v clang >/dev/null; then
	step "fuzzers (${FUZZ_SECONDS}s each)" run_fuzzers
fi

echo
if [ "$failed" -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "test steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
