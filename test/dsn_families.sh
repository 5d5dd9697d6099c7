#!/usr/bin/env bash
# test/dsn_families.sh — which parse_dsn reader handles each MTA and provider
# family of Sisimai's published module list (lib/Sisimai/Lhost/*.pm and
# lib/Sisimai/Rhost/*.pm), proved on the family's samples in ../shared/corpus
# (their file names say the family: lhost-postfix-07.eml).  Prints the
# Markdown table of doc/formats.md: per family, the samples, the readers
# that gave rows (format column of the reader), rows found against the
# labelled failed recipients (delivered ones excluded), and one proving
# sample.  A family with no sample in the corpus says so.
#
#   bash test/dsn_families.sh
#
# Needs python3 and the core's libraries; no PostgreSQL.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/test/lib/corpus.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
${CC:-cc} -std=gnu99 -O1 -Isrc test/dsn_families.c src/core/*.c -o "$TMP/run" \
	-licui18n -licuuc -licudata -lhs -lm
"$TMP/run" "$REBOUND_CORPUS"/eml/*.eml > "$TMP/out"

# Sisimai's module names (p5-sisimai, lib/Sisimai/{Lhost,Rhost}/, commit
# 21cfb9321ba94f9bc72f2b5a46e2dda70c1d9c45), plus the corpus's own families
# (googleworkspace, rfc3464, rfc3834, arf are Sisimai's other readers).
python3 - "$TMP/out" "$REBOUND_CORPUS/diagnostics.tsv" <<'PY'
import csv, re, sys, collections
csv.field_size_limit(1 << 30)
lhost = """Activehunter Amavis AmazonSES AmazonWorkMail Aol ApacheJames Barracuda
Bigfoot Biglobe Courier Domino DragonFly EZweb EinsUndEins Exchange2003
Exchange2007 Exim FML Facebook GMX GSuite Gmail GoogleGroups IMailServer
InterScanMSS KDDI MXLogic MailFoundry MailMarshalSMTP MailRu McAfee
MessageLabs MessagingServer Notes Office365 OpenSMTPD Outlook Postfix PowerMTA
ReceivingSES SendGrid Sendmail SurfControl V5sendmail Verizon X1 X2 X3 X4 X5
X6 Yahoo Yandex Zoho mFILTER qmail""".split()
rhost = """Apple Cox FrancePTT GoDaddy Google IUA KDDI Microsoft Mimecast NTTDOCOMO
Spectrum Tencent YahooInc""".split()
other = ["lhost:GoogleWorkspace", "RFC3464", "RFC3834", "ARF"]
fam = lambda f: re.sub(r'-[0-9]+\.eml$', '', f)
got = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f, fmt, n, told = line.rstrip('\n').split('\t')
    got[fam(f)].append((f, fmt, int(n), int(told)))
labelled = collections.Counter()
for r in csv.DictReader(open(sys.argv[2], newline=''), delimiter='\t'):
    if r['expected_reason'] != 'delivered':
        labelled[fam(r['eml_file'])] += 1
rows = [('Lhost', m, 'lhost-' + m.lower()) for m in lhost] + \
       [('Rhost', m, 'rhost-' + m.lower()) for m in rhost] + \
       [('Lhost', 'GoogleWorkspace', 'lhost-googleworkspace')] + \
       [('other', m, m.lower()) for m in ("RFC3464", "RFC3834", "ARF")]
print('| Sisimai module | samples | readers (rows) | rows / labelled | proving sample |')
print('|---|---|---|---|---|')
for kind, m, key in rows:
    s = got.get(key, [])
    if not s:
        print(f'| {kind}::{m} | 0 | no sample in the corpus | | |')
        continue
    readers = collections.Counter()
    for f, fmt, n, told in s:
        if n:
            readers[fmt] += n
    best = max(s, key=lambda x: (x[3] > 0, x[2] > 0, -int(re.search(r'-([0-9]+)\.eml$', x[0]).group(1))))
    rd = ', '.join(f'{k} ({v})' for k, v in sorted(readers.items(), key=lambda kv: -kv[1])) or 'none'
    print(f'| {kind}::{m} | {len(s)} | {rd} | {sum(x[2] for x in s)} / {labelled[key]} | '
          f'{best[0] if best[2] else ""} |')
PY
