#!/usr/bin/env bash
# test/lib/trixie_inner.sh — run by test/lib/trixie.sh inside the Debian 13
# root, as root, on a copy of the checkout: builds rebound against
# PostgreSQL 17 with -Werror, starts a throwaway cluster (as the root's
# postgres user) and Knot DNS the way test/check.sh does, and runs
# pg_regress, the pgTAP suites and the README's examples.

source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
source "$(dirname "${BASH_SOURCE[0]}")/dns.sh"
source "$(dirname "${BASH_SOURCE[0]}")/readme.sh"
cd "$REBOUND_ROOT"

PG_MAJOR=17
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
export WERROR=1

# The two steps, taken from test/check.sh so that they cannot drift apart.
eval "$(sed -n -e '/^run_regress() {$/,/^}$/p' -e '/^run_pgtap() {$/,/^}$/p' -e '/^pgtap_run() {$/,/^}$/p' test/check.sh)"

echo "$("$PG_CONFIG" --version), c-ares $(pkg-config --modversion libcares), $(. /etc/os-release && echo "$PRETTY_NAME")"
pick_pg_config
build_extension
echo "built in ${SECONDS} s"
start_cluster
start_dns

rc=0
say "pg_regress (PostgreSQL $PG_MAJOR)"
t=$SECONDS
run_regress || rc=1
echo "pg_regress: $((SECONDS - t)) s"
say "pgTAP suites (PostgreSQL $PG_MAJOR)"
t=$SECONDS
run_pgtap || rc=1
echo "pgTAP: $((SECONDS - t)) s"
say "README examples (PostgreSQL $PG_MAJOR)"
run_readme || rc=1
exit $rc
