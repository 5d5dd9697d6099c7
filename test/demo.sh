#!/usr/bin/env bash
# test/demo.sh — the main job: rebound on a throwaway cluster, end to end.
#
#   bash test/demo.sh
#
# Installs what is missing, builds, starts a throwaway cluster (or uses the
# server named by PGHOST/PGPORT), runs test/demo.sql and stops the cluster.

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
cd "$REBOUND_ROOT"

setup_all
fresh_database rebound_demo rebound
say "demo"
psql -X -q -v ON_ERROR_STOP=1 -d rebound_demo -f test/demo.sql
