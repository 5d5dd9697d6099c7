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

run_regress() {
	rm -f regression.diffs
	if make -s PG_CONFIG="$PG_CONFIG" installcheck; then
		return 0
	fi
	[ -f regression.diffs ] && cat regression.diffs
	return 1
}

run_pgtap() {
	local exts=(pgtap rebound)
	[ "${REBOUND_HAVE_CRON:-0}" = 1 ] && exts=(pgtap pg_cron rebound)
	fresh_database rebound_test "${exts[@]}"
	# the DNS tests talk to the Knot server of test/lib/dns.sh
	PGDATABASE=rebound_test \
	PGOPTIONS="-c rebound.dns_servers=$REBOUND_DNS_SERVER -c rebound_test.silent_dns=$REBOUND_SILENT_DNS -c rebound_test.dead_dns=$REBOUND_DEAD_DNS" \
		pg_prove --ext .sql -r test/pgtap
}

# A busy parse_dsn gives way to pg_cancel_backend and pg_terminate_backend
# from another session (the statement_timeout case is a pgTAP suite).
run_cancel() {
	fresh_database rebound_cancel rebound
	PGDATABASE=rebound_cancel bash test/cancel.sh
}

# Concurrency specs (test/isolation/specs), run by PostgreSQL's own
# isolation tester from the server development package.
run_isolation() {
	local tester specs
	tester=$(dirname "$("$PG_CONFIG" --pgxs)")/../test/isolation/pg_isolation_regress
	specs=$(cd test/isolation/specs && ls *.spec | sed 's/\.spec$//')
	fresh_database rebound_isolation rebound
	rm -rf test/isolation/output
	if "$tester" --use-existing --dbname=rebound_isolation --inputdir=test/isolation \
		--outputdir=test/isolation/output $specs; then
		return 0
	fi
	[ -f test/isolation/output/regression.diffs ] && cat test/isolation/output/regression.diffs
	return 1
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
	if [ "$name" = fuzz_dsn ] && [ -d "$REBOUND_ROOT/../shared/corpus/sisimai/eml" ]; then
		cp "$REBOUND_ROOT/../shared/corpus/sisimai/eml/"*.eml "$corpus/"
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
step "pg_regress" run_regress
step "pgTAP suites" run_pgtap
step "parse_dsn cancellation from another session" run_cancel
step "provider catalogue through pg_dump/pg_restore" run_dump_restore
step "isolation (concurrent sessions)" run_isolation
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
