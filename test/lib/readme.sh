# test/lib/readme.sh — sourced by test/check.sh (and test/lib/trixie_inner.sh).
#
# run_readme: README.md's SQL examples (test/readme/readme.py), in order, in
# a fresh database without rebound and with the default search_path (the
# README's "Getting started" creates the extension and sets the path), its
# pg_cron examples in the database pg_cron schedules in, its DNS examples
# against the Knot server of test/lib/dns.sh (through PGOPTIONS, as the
# pgTAP suites get it).  Fails with a diff per example whose shown output
# differs from what psql prints.
#
# Alone, on a throwaway cluster with Knot DNS, both stopped at the end:
#   bash -c 'source test/lib/cluster.sh; source test/lib/dns.sh; source test/lib/readme.sh
#       setup_all; start_dns; run_readme'
# (not with the environment of a cluster you keep: start_dns's exit trap
# stops the cluster named by REBOUND_TMP).  Without DNS and pg_cron, on
# any server:
#   psql -c 'CREATE DATABASE readme'
#   python3 test/readme/readme.py check README.md --db readme

run_readme() {
	local rc=0 cron=()
	fresh_database rebound_readme
	if [ "${REBOUND_HAVE_CRON:-0}" = 1 ]; then
		# the cron database as the pgTAP step leaves it, or made here
		# when this step runs alone
		if [ "$(psql -XAtq -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$REBOUND_CRON_DB'")" = 0 ]; then
			fresh_database "$REBOUND_CRON_DB"
		fi
		psql -XAtq -v ON_ERROR_STOP=1 -d "$REBOUND_CRON_DB" \
			-c "SET client_min_messages = warning" \
			-c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
			-c "CREATE EXTENSION IF NOT EXISTS rebound" || return 1
		cron=(--cron-db "$REBOUND_CRON_DB")
	fi
	PGOPTIONS="${PGOPTIONS:-} -c rebound.dns_servers=${REBOUND_DNS_SERVER:-}" \
		python3 test/readme/readme.py check README.md --db rebound_readme "${cron[@]}" || rc=1
	# the README's jobs must not go on running in the tests' cron database
	if [ ${#cron[@]} -gt 0 ]; then
		psql -XAtq -d "$REBOUND_CRON_DB" -c \
			"SELECT count(cron.unschedule(jobid)) FROM cron.job WHERE jobname LIKE 'rebound-%'" >/dev/null || rc=1
	fi
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS rebound_readme WITH (FORCE)"
	return $rc
}
