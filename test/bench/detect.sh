#!/usr/bin/env bash
# test/bench/detect.sh — incident detection over a month of ledger.
#
#   bash test/bench/detect.sh              # 10 million bounces
#   ROWS=1000000 bash test/bench/detect.sh
#
# Generates 30 days of bounces ending yesterday (test/detect/scenario.sql:
# ordinary bounces of 20,000 company domains and the consumer providers,
# the decoys, an outage on the last morning), then times, in one session:
#   - the reference: one pass over the month's infrastructure hard bounces,
#     counted per 15-minute bucket (what any detector must read);
#   - detect_incidents over the month, and over the last day (what a
#     pg_cron run of rebound.heal('1 day') costs, baseline history included);
#   - CALL rebound.heal('31 days', true): the whole month, dry run;
#   - a heal('1 day') run's detection with the detection summary and with a
#     full count, for one and four weeks of baseline history (buffers and
#     time, as ratios: with the summary, four weeks cost about one);
# and prints each as a ratio to the reference, with the incidents found.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
cd "$REBOUND_ROOT"

ROWS=${ROWS:-10000000}
outage=$((ROWS / 400))
ordinary=$((ROWS - outage - ROWS / 100))

setup_all
fresh_database rebound_bench rebound
say "generating a month of $ROWS bounces"
start=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -d rebound_bench -f test/detect/scenario.sql \
	-c "SELECT scenario.generate(20000, $ordinary, $outage,
			date_trunc('day', now()) - interval '30 days', 30, observe => false)" \
	-c "CALL scenario.observe(date_trunc('day', now()) - interval '30 days', 1000)" \
	-c "SELECT scenario.load()" -c "VACUUM ANALYZE rebound.bounce" >/dev/null
echo "generated and loaded in $(($(date +%s) - start)) s"
psql -X -v ON_ERROR_STOP=1 -d rebound_bench -f test/bench/detect.sql
