#!/usr/bin/env bash
# test/bench/heal.sh — healing and capture benchmarks, on a throwaway
# cluster (or the server named by PGHOST/PGPORT).  Not run by check.sh.
#
#   bash test/bench/heal.sh                  # 1M and 10M ledger rows, 1M-row COPY
#   SMALL=100000 LARGE=1000000 COPY_ROWS=100000 bash test/bench/heal.sh
#
# Prints the median time of healing a 50,000-bounce window (dry run) and of
# a hand-written query selecting the same bounces through the same
# indexes, their ratio at both ledger sizes, the ratio of healing times
# between the two sizes, and COPY throughput with the triggers.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
cd "$REBOUND_ROOT"

SMALL=${SMALL:-1000000}
LARGE=${LARGE:-10000000}
WINDOW_ROWS=${WINDOW_ROWS:-50000}
REPS=${REPS:-5}
COPY_ROWS=${COPY_ROWS:-1000000}

setup_all
fresh_database rebound_bench rebound
say "healing: window of $WINDOW_ROWS bounces, ledger of $SMALL then $LARGE rows"
psql -X -q -d rebound_bench -v small="$SMALL" -v large="$LARGE" \
	-v window_rows="$WINDOW_ROWS" -v reps="$REPS" -f test/bench/heal.sql
fresh_database rebound_bench rebound
say "capture: COPY of $COPY_ROWS rows"
psql -X -q -d rebound_bench -v copy_rows="$COPY_ROWS" -f test/bench/copy.sql
