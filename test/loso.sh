#!/usr/bin/env bash
# test/loso.sh — leave-one-source-out accuracy of the core classifier on the
# labelled diagnostics of test/data/labelled/diagnostics.tsv (README there).
#
#   bash test/loso.sh          # the per-source table
#   bash test/loso.sh -v       # and every miss of the tables as shipped
#   bash test/loso.sh -v loso  # ... or of the leave-one-source-out build
#
# For each source S, the rows of S are classified three ways:
#   all     the tables as shipped (in-sample: what the extension does);
#   loso    without the phrase entries tagged with S (the entries
#           written from S's rows: the honest measure of the new rules);
#   strict  also without every older entry whose origin names S's provider
#           or MTA (test/loso.c): how the rest of the tables fare on wording
#           they were never written from.
# Scores: reason (any of the label's alternatives, "a|b"), severity and the
# infrastructure flag, each as the share of S's rows that agree.
# Needs a C compiler, Vectorscan and ICU (as the core), and python3.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
${CC:-cc} -std=gnu99 -O1 -DRB_LOSO -Isrc test/loso.c src/core/*.c -o "$TMP/loso" \
	-licui18n -licuuc -licudata -lhs -lm
python3 test/loso.py "$TMP/loso" test/data/labelled/diagnostics.tsv "$TMP" "$@"
