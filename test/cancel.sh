#!/usr/bin/env bash
# test/cancel.sh — a bounce mail that keeps parse_dsn busy gives way to
# pg_cancel_backend and pg_terminate_backend from another session within
# moments (issue 15: only kill -9 stopped it; left alone, this statement
# reads for half a minute).  CANCEL_LIMIT_MS (default 3000) leaves room for
# a loaded machine.  Run by test/check.sh against its cluster; needs the
# usual libpq variables and a database with rebound.
#
#   PGDATABASE=rebound_test bash test/cancel.sh

set -u
db=${PGDATABASE:-rebound_test}
limit_ms=${CANCEL_LIMIT_MS:-3000}
rc=0

# The 50 MB mail of test/pgtap/parse_dsn_cancel.sql, read ten times over:
# about half a minute of work when nothing stops it.
busy_sql="SELECT count(*) FROM (SELECT \$h\$Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"

--BB
Content-Type: text/plain; charset=us-ascii

\$h\$ || repeat(E'THIS IS AN UPPER CASE LINE OF A BOUNCE THAT NEVER ENDS\n', 900000) || \$t\$
--BB
Content-Type: message/delivery-status

Final-Recipient: rfc822; jean@example.org
Action: failed
Status: 5.1.1

--BB--
\$t\$ AS m) big, generate_series(1, 10), rebound.parse_dsn(big.m) /* cancel.sh */"

now_ms() { date +%s%3N; }

# One variant: start the busy session, let parse_dsn run for a second, send
# the signal, and time how long the session takes to end.
variant() {
	local fn=$1 expect=$2 out pid t0 t1 i busy_pid
	out=$(mktemp)
	psql -X -d "$db" -c "$busy_sql" >"$out" 2>&1 &
	busy_pid=$!
	pid=
	for i in $(seq 1 100); do
		pid=$(psql -XAtq -d "$db" -c "SELECT pid FROM pg_stat_activity
			WHERE query LIKE '%/* cancel.sh */' AND state = 'active' AND pid <> pg_backend_pid()")
		[ -n "$pid" ] && break
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		echo "not ok - $fn: the busy session never started"
		cat "$out"
		kill "$busy_pid" 2>/dev/null
		wait "$busy_pid" 2>/dev/null
		rm -f "$out"
		return 1
	fi
	# past the building of the mail, into the reading
	sleep 1.5
	# timed from the signal sent: starting psql is not the reader's latency
	psql -XAtq -d "$db" -c "SELECT $fn($pid)" >/dev/null
	t0=$(now_ms)
	wait "$busy_pid"
	t1=$(now_ms)
	if grep -q "$expect" "$out" && [ $((t1 - t0)) -lt "$limit_ms" ]; then
		echo "ok - $fn ended parse_dsn after $((t1 - t0)) ms"
	else
		echo "not ok - $fn: $((t1 - t0)) ms (limit $limit_ms), session said:"
		cat "$out"
		rc=1
	fi
	rm -f "$out"
}

echo "1..2"
variant pg_cancel_backend "canceling statement due to user request"
variant pg_terminate_backend "terminating connection due to administrator command"
exit $rc
