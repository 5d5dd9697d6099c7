#!/usr/bin/env bash
# test/dsn_accuracy.sh — how well rebound.parse_dsn() reads the real bounce
# mails of ../shared/corpus/sisimai/eml, against the labels of
# diagnostics.tsv:
#
#   - the share of labelled recipients found (a row for each);
#   - reason and hard/soft agreement on those rows;
#   - the misses, by sample family (lhost-postfix, rhost-google, ...).
#
#   bash test/dsn_accuracy.sh          # throwaway cluster, as test/check.sh
#
# Rows and labels are matched per mail in order: the n-th row of parse_dsn
# against the n-th labelled recipient that is not "delivered" (delivered
# recipients are no rows).  Reasons are compared by Sisimai's current names
# (reasons.tsv, name_since_v5.6.0), so that speeding, too_many_conn and
# rate_limited agree, as do exceed_limit, mesg_too_big and email_too_large.
# Complaints and auto-replies count: parse_dsn says feedback/vacation.

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/corpus.sh"
cd "$REBOUND_ROOT"
CORPUS=$REBOUND_CORPUS
setup_all >/dev/null
fresh_database rebound_dsn_accuracy rebound

# The mails as bytes: COPY text format with bytea in hex.
MAILS=$(mktemp /tmp/rebound-mails.XXXXXX)
trap 'rm -f "$MAILS"; stop_cluster' EXIT
for f in "$CORPUS"/eml/*.eml; do
	printf '%s\t\\\\x' "$(basename "$f")"
	od -An -v -tx1 "$f" | tr -d ' \n'
	printf '\n'
done >"$MAILS"
chmod a+r "$MAILS"

load_corpus_labels rebound_dsn_accuracy label
psql -XAq -v ON_ERROR_STOP=1 -d rebound_dsn_accuracy <<SQL
CREATE TABLE mail (eml_file text PRIMARY KEY, raw bytea);
\copy mail FROM '$MAILS'
CREATE TABLE reason_name (reason text, bounce_class text, description text,
	codes text, in_p5 text, name_since_560 text);
\copy reason_name FROM '$CORPUS/reasons.tsv' WITH (FORMAT csv, DELIMITER E'\t', HEADER true)

CREATE TABLE got AS
SELECT m.eml_file, r.ordinality AS n, r.recipient, r.status, r.reply_code, r.remote_mta,
	replace(r.reason::text, '_', '') AS reason, r.severity
FROM mail m, LATERAL rebound.parse_dsn(m.raw) WITH ORDINALITY AS r;

CREATE TABLE expected AS
SELECT l.*, row_number() OVER (PARTITION BY eml_file ORDER BY recipient_index) AS n,
	regexp_replace(eml_file, '-[0-9]+\.eml$', '') AS family
FROM label l WHERE expected_reason <> 'delivered';

CREATE FUNCTION current_name(text) RETURNS text LANGUAGE sql AS
\$\$ SELECT coalesce((SELECT name_since_560 FROM reason_name WHERE reason = \$1), \$1) \$\$;

CREATE TABLE verdict AS
SELECT e.eml_file, e.n, e.family, e.expected_reason, e.expected_hardbounce = 1 AS expected_hard,
	g.eml_file IS NOT NULL AS found, g.reason AS got_reason, g.severity = 'hard' AS got_hard,
	current_name(e.expected_reason) = current_name(g.reason) AS reason_ok
FROM expected e LEFT JOIN got g USING (eml_file, n);
SQL

psql -X -d rebound_dsn_accuracy <<'SQL'
\pset footer off
\echo 'parse_dsn on the Sisimai corpus (Sisimai itself: 96.9% reasons, 98.5% hard/soft)'
SELECT (SELECT count(*) FROM mail) AS mails,
	count(*) AS labelled_recipients,
	round(100.0 * count(*) FILTER (WHERE found) / count(*), 1) AS found_pct,
	round(100.0 * count(*) FILTER (WHERE reason_ok) / count(*), 1) AS reason_pct,
	round(100.0 * count(*) FILTER (WHERE found AND got_hard = expected_hard) / count(*), 1) AS hard_soft_pct,
	round(100.0 * count(*) FILTER (WHERE reason_ok) / nullif(count(*) FILTER (WHERE found), 0), 1) AS reason_pct_of_found,
	(SELECT count(*) FROM got) AS rows_returned
FROM verdict;

\echo 'The same without the delay warnings, which Sisimai labels and parse_dsn'
\echo 'gives no rows by design (issue 10: a delay is no failure).  A delay warning'
\echo 'here: its subject says so, or its report names delayed recipients only.'
WITH delay AS (
	SELECT eml_file FROM mail m,
		LATERAL encode(m.raw, 'escape') AS t(txt)
	WHERE (t.txt ~* '\nAction: *delayed' AND t.txt !~* '\nAction: *failed')
	   OR t.txt ~* '\nSubject: *[^\n]*(delay|still being retried|warning: could not send)'
)
SELECT count(DISTINCT v.eml_file) FILTER (WHERE v.eml_file IN (SELECT eml_file FROM delay)) AS delay_mails,
	count(*) FILTER (WHERE v.eml_file NOT IN (SELECT eml_file FROM delay)) AS labelled_recipients,
	round(100.0 * count(*) FILTER (WHERE found AND v.eml_file NOT IN (SELECT eml_file FROM delay))
		/ count(*) FILTER (WHERE v.eml_file NOT IN (SELECT eml_file FROM delay)), 1) AS found_pct,
	round(100.0 * count(*) FILTER (WHERE reason_ok AND v.eml_file NOT IN (SELECT eml_file FROM delay))
		/ count(*) FILTER (WHERE v.eml_file NOT IN (SELECT eml_file FROM delay)), 1) AS reason_pct,
	round(100.0 * count(*) FILTER (WHERE found AND got_hard = expected_hard AND v.eml_file NOT IN (SELECT eml_file FROM delay))
		/ count(*) FILTER (WHERE v.eml_file NOT IN (SELECT eml_file FROM delay)), 1) AS hard_soft_pct
FROM verdict v;

\echo 'Misses by family (not found, wrong reason, wrong hard/soft):'
SELECT family, count(*) AS labelled,
	count(*) FILTER (WHERE NOT found) AS not_found,
	count(*) FILTER (WHERE found AND NOT reason_ok) AS wrong_reason,
	count(*) FILTER (WHERE found AND got_hard <> expected_hard) AS wrong_hard_soft
FROM verdict GROUP BY family
HAVING count(*) FILTER (WHERE NOT found OR NOT reason_ok OR got_hard <> expected_hard) > 0
ORDER BY count(*) FILTER (WHERE NOT found OR NOT reason_ok) DESC, family;

\echo 'Reason confusion (expected -> got), largest first:'
SELECT expected_reason AS expected, coalesce(got_reason, '(not found)') AS got, count(*) AS n
FROM verdict WHERE NOT coalesce(reason_ok, false)
GROUP BY 1, 2 ORDER BY n DESC, 1, 2;
SQL
