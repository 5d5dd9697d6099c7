#!/usr/bin/env bash
# test/detect/measure.sh — how well incident detection does on generated data.
#
#   bash test/detect/measure.sh            # 3 scenarios, medium size
#   SEEDS="0.1 0.2" SIZE="300 30000 1500" bash test/detect/measure.sh
#
# For each seed: two weeks of bounces of every provider (SIZE: company
# domains, ordinary bounces, outage failures), the outage on the last
# morning and the decoys (test/detect/scenario.sql); then
# test/detect/measure.sql prints detected intervals against the truth, the
# decoys' strongest buckets, false incidents at other settings, and the
# calibration of the scores.  Uses the server in PGHOST/PGPORT or a
# throwaway cluster, like test/check.sh.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
cd "$REBOUND_ROOT"

SEEDS=${SEEDS:-"0.42 0.17 0.73"}
read -r companies ordinary outage <<<"${SIZE:-3000 400000 12000}"

setup_all
for seed in $SEEDS; do
	fresh_database rebound_measure rebound
	say "scenario: seed $seed, $companies company domains, $ordinary ordinary bounces, $outage outage failures"
	psql -X -q -v ON_ERROR_STOP=1 -d rebound_measure -f test/detect/scenario.sql \
		-c "SELECT scenario.generate($companies, $ordinary, $outage, seed => $seed)" \
		-c "SELECT scenario.load()" -c "ANALYZE" >/dev/null
	psql -X -v ON_ERROR_STOP=1 -d rebound_measure -f test/detect/measure.sql
done
