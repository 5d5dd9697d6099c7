#!/usr/bin/env bash
# test/accuracy_command.sh — accuracy of the core classifier when it is also
# given the SMTP command each report names (the corpus's smtp_command column,
# as the DSN parser passes it), on the same bounce rows as test/accuracy.sh.
#
#   bash test/accuracy_command.sh
#
# classify(text) has no such input: test/accuracy.sh measures the text alone.
# Needs python3 (to read the quoted TSV) and the core's libraries.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/test/lib/corpus.sh"
CORPUS=$REBOUND_CORPUS/diagnostics.tsv
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
${CC:-cc} -std=gnu99 -O1 -Isrc test/accuracy_command.c src/core/*.c -o "$TMP/run" \
	-licui18n -licuuc -licudata -lhs
python3 - "$CORPUS" "$TMP" <<'PY'
import csv, sys
csv.field_size_limit(1 << 30)
rows = [r for r in csv.DictReader(open(sys.argv[1], newline=''), delimiter='\t')
        if r['expected_reason'] not in ('feedback', 'vacation', 'delivered')]
with open(sys.argv[2] + '/texts', 'wb') as t, open(sys.argv[2] + '/cmds', 'wb') as c:
    for r in rows:
        t.write((r['diagnostic_code'] or '').encode() + b'\0')
        c.write((r['smtp_command'] or '').encode() + b'\0')
PY
"$TMP/run" "$TMP/texts" "$TMP/cmds" > "$TMP/out"
python3 - "$CORPUS" "$TMP/out" <<'PY'
import csv, re, sys, collections
csv.field_size_limit(1 << 30)
rows = [r for r in csv.DictReader(open(sys.argv[1], newline=''), delimiter='\t')
        if r['expected_reason'] not in ('feedback', 'vacation', 'delivered')]
got = [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
assert len(got) == len(rows)
n = len(rows); ok = hs = okd = hsd = 0; conf = collections.Counter()
for r, (reason, sev) in zip(rows, got):
    d = r['diagnostic_code'] or ''
    same = reason.replace('_', '') == r['expected_reason']
    hard = (sev == 'hard') == (r['expected_hardbounce'] == '1')
    # the documented departures, as in test/accuracy.sh
    dep = (re.search('nxdomain', d, re.I) and reason == 'host_unknown') or \
          (re.search("null mx|doesn't receive email", d, re.I) and reason == 'not_accept')
    ok += same; hs += hard; okd += same or bool(dep); hsd += hard or bool(dep)
    if not same:
        conf[(r['expected_reason'], reason.replace('_', ''))] += 1
print(f"bounce rows {n}: reason {100*ok/n:.1f}%, hard/soft {100*hs/n:.1f}%; "
      f"with departures {100*okd/n:.1f}% / {100*hsd/n:.1f}%")
print("largest confusion cells (expected -> got):")
for (e, g), k in conf.most_common(10):
    print(f"  {e:14} -> {g:14} {k}")
PY
