#!/usr/bin/env bash
# test/demo.sh — the main job: rebound on a throwaway cluster, end to end.
#
#   bash test/demo.sh
#
# Installs what is missing, builds, starts a throwaway cluster (or uses the
# server named by PGHOST/PGPORT), runs test/demo.sql and stops the cluster.
# The healed incident's report (Markdown) and chart (SVG, and PNG when
# rsvg-convert is there) go to $REBOUND_DEMO_OUT (default /tmp/rebound-demo).
#
#   bash test/demo.sh --keep
#
# leaves the cluster running with the demo's data (a playground for the
# README's examples) and prints how to connect to it and how to stop it.

case "${1:-}" in
--keep) export REBOUND_KEEP=1 ;;
"") ;;
*) echo "usage: bash test/demo.sh [--keep]" >&2; exit 2 ;;
esac
export REBOUND_CRON_DB=rebound_demo REBOUND_KEEP_DB=rebound_demo

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
cd "$REBOUND_ROOT"

setup_all
if [ "${REBOUND_HAVE_CRON:-0}" = 1 ] && [ "$REBOUND_EXISTING_SERVER" -eq 0 ]; then
	fresh_database rebound_demo pg_cron rebound
else
	fresh_database rebound_demo rebound
fi
say "demo"
# the incident's report and chart are written there (REBOUND_DEMO_OUT)
outdir=${REBOUND_DEMO_OUT:-${TMPDIR:-/tmp}/rebound-demo}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
psql -X -q -v ON_ERROR_STOP=1 -v outdir="$outdir" -d rebound_demo -f test/demo.sql
if command -v rsvg-convert >/dev/null; then
	rsvg-convert -f png -o "$outdir/incident.png" "$outdir/incident.svg"
fi
say "the incident's report and chart: $outdir/incident.md, $outdir/incident.svg$([ -f "$outdir/incident.png" ] && echo ", $outdir/incident.png (rendered by rsvg-convert)")"
