# test/lib/corpus.sh — sourced by the measuring scripts.
#
# The labelled Sisimai corpus lives beside the repository (../shared/corpus),
# as in CI; REBOUND_CORPUS names it elsewhere.  This is the one place its
# path is written: every script that reads it sources this file.
# load_corpus_labels DB TABLE loads diagnostics.tsv into TABLE.

REBOUND_CORPUS=${REBOUND_CORPUS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/../shared/corpus/sisimai}

load_corpus_labels() {
	local db=$1 table=$2
	if [ ! -f "$REBOUND_CORPUS/diagnostics.tsv" ]; then
		echo "no corpus at $REBOUND_CORPUS (set REBOUND_CORPUS)" >&2
		return 1
	fi
	psql -XAq -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE TABLE $table (
	sample_id text, eml_file text, recipient_index int, expected_reason text,
	expected_hardbounce int, non_pseudo_status text, expected_replycode text,
	smtp_command text, rhost text, diagnostic_code text,
	raw_diagnostic_code_field text, sisimai_p5_reason text,
	sisimai_p5_hardbounce text);
\copy $table FROM '$REBOUND_CORPUS/diagnostics.tsv' WITH (FORMAT csv, DELIMITER E'\t', HEADER true)
SQL
}
