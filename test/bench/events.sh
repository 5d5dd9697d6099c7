#!/usr/bin/env bash
# test/bench/events.sh — webhook events and bulk capture, on a throwaway
# cluster (or the server named by PGHOST/PGPORT).  Not run by check.sh.
#
#   bash test/bench/events.sh                     # 100k payloads, 1M-row COPY
#   PAYLOADS=10000 COPY_ROWS=100000 bash test/bench/events.sh
#
# Prints parse_event, record_event and statement-level capture_event
# events per second, the backend's peak memory (VmHWM) at two payload
# counts (flat: the same), and the COPY ratios of test/bench/copy.sql.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
cd "$REBOUND_ROOT"

PAYLOADS=${PAYLOADS:-100000}
COPY_ROWS=${COPY_ROWS:-1000000}

setup_all
for n in $((PAYLOADS / 10)) "$PAYLOADS"; do
	fresh_database rebound_bench rebound
	say "events: $n stored payloads"
	psql -X -q -d rebound_bench -v payloads="$n" <<'SQL'
\i test/bench/events.sql
SELECT pg_backend_pid() AS pid \gset
\setenv PID :pid
\! grep -E 'VmHWM|RssAnon|RssShmem' /proc/$PID/status
SQL
done
fresh_database rebound_bench rebound
say "capture: COPY of $COPY_ROWS rows"
psql -X -q -d rebound_bench -v copy_rows="$COPY_ROWS" -f test/bench/copy.sql
