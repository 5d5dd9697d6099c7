#!/usr/bin/env bash
# test/accuracy.sh — how often rebound.classify() agrees with the labels of
# ../shared/corpus/sisimai/diagnostics.tsv (bounce rows only), and the
# confusion table of the disagreements.
#
#   bash test/accuracy.sh            # throwaway cluster, as test/check.sh
#
# Only the diagnostic text is given to classify(): the figures say what the
# text alone is worth.  A second set of figures counts rebound's documented
# departures from Sisimai's labels (README, "Design notes") as agreements.

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
cd "$REBOUND_ROOT"
CORPUS=$REBOUND_ROOT/../shared/corpus/sisimai/diagnostics.tsv
setup_all >/dev/null
fresh_database rebound_accuracy rebound

psql -XAq -v ON_ERROR_STOP=1 -d rebound_accuracy <<SQL
CREATE TABLE sample (
	sample_id text, eml_file text, recipient_index int, expected_reason text,
	expected_hardbounce int, non_pseudo_status text, expected_replycode text,
	smtp_command text, rhost text, diagnostic_code text,
	raw_diagnostic_code_field text, sisimai_p5_reason text,
	sisimai_p5_hardbounce text);
\copy sample FROM '$CORPUS' WITH (FORMAT csv, DELIMITER E'\t', HEADER true)
CREATE TABLE verdict AS
SELECT s.sample_id, s.expected_reason, s.expected_hardbounce = 1 AS expected_hard,
	s.diagnostic_code, replace(c.reason::text, '_', '') AS got_reason,
	c.severity = 'hard' AS got_hard,
	nullif(s.expected_replycode, '')::int AS expected_code, c.reply_code AS got_code,
	nullif(s.non_pseudo_status, '') AS expected_status, c.status::text AS got_status,
	-- documented departures: a definitive NXDOMAIN is host_unknown, a null
	-- MX is not_accept, both hard
	(s.diagnostic_code ~* 'NXDOMAIN' AND c.reason = 'host_unknown')
	OR (s.diagnostic_code ~* 'null mx|doesn''t receive email' AND c.reason = 'not_accept')
		AS departure
FROM sample s, LATERAL rebound.classify(coalesce(s.diagnostic_code, '')) c
WHERE s.expected_reason NOT IN ('feedback', 'vacation', 'delivered');
SQL

psql -X -d rebound_accuracy <<'SQL'
\pset footer off
SELECT count(*) AS bounce_rows,
	round(100.0 * count(*) FILTER (WHERE got_reason = expected_reason) / count(*), 1) AS reason_pct,
	round(100.0 * count(*) FILTER (WHERE got_hard = expected_hard) / count(*), 1) AS hard_soft_pct,
	round(100.0 * count(*) FILTER (WHERE got_reason = expected_reason OR departure) / count(*), 1) AS reason_pct_with_departures,
	round(100.0 * count(*) FILTER (WHERE got_hard = expected_hard OR departure) / count(*), 1) AS hard_soft_pct_with_departures
FROM verdict;

\echo 'The reply parser: codes found in the text against the labels (rows that have one):'
SELECT count(*) FILTER (WHERE expected_code IS NOT NULL) AS rows_with_code,
	count(*) FILTER (WHERE got_code = expected_code) AS same_code,
	count(*) FILTER (WHERE expected_code IS NOT NULL AND got_code IS NULL) AS code_not_found,
	count(*) FILTER (WHERE expected_status IS NOT NULL) AS rows_with_status,
	count(*) FILTER (WHERE got_status = expected_status) AS same_status,
	count(*) FILTER (WHERE expected_status IS NOT NULL AND got_status IS NULL) AS status_not_found
FROM verdict;

\echo 'Confusion of the reason misses (expected -> got), largest first:'
SELECT expected_reason AS expected, got_reason AS got, count(*) AS n,
	count(*) FILTER (WHERE departure) AS documented_departures
FROM verdict WHERE got_reason <> expected_reason
GROUP BY 1, 2 ORDER BY n DESC, 1, 2;

\echo 'Hard/soft misses by expected reason:'
SELECT expected_reason AS expected, expected_hard, got_hard, count(*) AS n
FROM verdict WHERE got_hard <> expected_hard
GROUP BY 1, 2, 3 ORDER BY n DESC, 1;
SQL
