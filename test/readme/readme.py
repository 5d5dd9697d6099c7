#!/usr/bin/env python3
"""test/readme/readme.py -- README.md's SQL examples, run and compared.

    python3 test/readme/readme.py extract README.md OUTDIR
    python3 test/readme/readme.py check README.md --db DB [--cron-db DB] [--keep OUTDIR]

The convention (README.md, "Development"):

- a ```sql block is run, in the order of the file, in one psql session
  (psql -X -q: no psqlrc, no command tags);
- a plain ``` block that follows it (blank lines between allowed) is the
  exact output psql prints for the whole block: results, notices and
  errors, compared line by line (trailing blanks ignored, the file and
  line prefix psql gives errors when reading a file removed);  "…" in a
  shown output stands for any text within its line (times, ids); the
  "(N rows)" footers may be left out, all of a block's, and are then not
  compared;
- a block without a shown output must print no ERROR or WARNING;
- an HTML comment on the line just before a ```sql fence changes that:
  "<!-- readme: skip (reason) -->" does not run it (the reason is
  required), "<!-- readme: cron -->" runs it in a second session, in the
  database pg_cron schedules in;
- inside a run block, a comment that looks like psql's table output, or
  a value after a statement ("SELECT ...;  -- true"), is refused: shown
  output goes in a plain block, where it is checked.

"extract" writes readme.sql, readme_cron.sql and readme.expected (the
shown outputs, one section per block) into OUTDIR; "check" extracts, runs
both files with psql and prints, per block that differs, a diff headed
with the block's line in README.md.  Exits 1 on any difference.
"""

import difflib
import os
import re
import subprocess
import sys
import tempfile

FENCE_SQL = re.compile(r'^(\s*)```sql\s*$')
FENCE_PLAIN = re.compile(r'^(\s*)```\s*$')
FENCE_ANY = re.compile(r'^(\s*)```')
DIRECTIVE = re.compile(r'^\s*<!--\s*readme:\s*(.*?)\s*-->\s*$')
SKIP = re.compile(r'^skip\s*\((.+)\)$')
MARK = '@@readme-block'
FOOTER = re.compile(r'^\(\d+ rows?\)$')
NAME = 'README.md'
# a comment that imitates psql's table output: "--  a | b" or "-- ---+---"
FAKE_OUTPUT = re.compile(r'--.*(\s\|\s|-{3,}\+-)')
# a statement followed by a value in a comment: "SELECT ...;  -- true"
FAKE_VALUE = re.compile(r';\s*--\s*(t|f|true|false|null|-?\d+(\.\d+)?|\(.*\)|\{.*\})\s*$', re.I)
ERROR_PREFIX = re.compile(r'^psql:[^\n]*?:\d+: (?=(ERROR|WARNING|NOTICE|INFO|DETAIL|HINT|CONTEXT|LINE \d+|FATAL|DEBUG|LOG|psql)\b|\w+:)')


class Block:
    def __init__(self, line, sql, where):
        self.line = line          # 1-based line of the ```sql fence
        self.sql = sql            # list of lines
        self.where = where        # 'main', 'cron' or 'skip'
        self.reason = None
        self.expected = None      # list of lines, or None when not shown
        self.expected_line = None


def fail(msg):
    sys.stderr.write('readme.py: %s\n' % msg)
    sys.exit(2)


def read_fence(lines, i, indent):
    """Lines of the fenced block opening at lines[i], and the index after it."""
    body = []
    j = i + 1
    while j < len(lines):
        if FENCE_PLAIN.match(lines[j]) and len(FENCE_PLAIN.match(lines[j]).group(1)) <= len(indent):
            return body, j + 1
        line = lines[j]
        body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
        j += 1
    fail('%s:%d: fence never closed' % (NAME, i + 1))


def parse(path):
    global NAME
    NAME = os.path.basename(path)
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    blocks = []
    errors = []
    i = 0
    while i < len(lines):
        m = FENCE_SQL.match(lines[i])
        if not m:
            if FENCE_ANY.match(lines[i]):
                # any other fenced block: skip over it whole
                _, i = read_fence(lines, i, FENCE_ANY.match(lines[i]).group(1))
                continue
            i += 1
            continue
        indent = m.group(1)
        sql, nxt = read_fence(lines, i, indent)
        b = Block(i + 1, sql, 'main')
        d = DIRECTIVE.match(lines[i - 1]) if i > 0 else None
        if d:
            s = SKIP.match(d.group(1))
            if s and s.group(1).strip():
                b.where, b.reason = 'skip', s.group(1).strip()
            elif d.group(1) == 'cron':
                b.where = 'cron'
            elif d.group(1).startswith('skip'):
                errors.append('%s:%d: a skip gives its reason: <!-- readme: skip (why) -->'
                              % (NAME, i))
            else:
                errors.append('%s:%d: unknown directive "%s" (skip (reason) or cron)'
                              % (NAME, i, d.group(1)))
        # a plain block right after it (blank lines allowed) is its output
        k = nxt
        while k < len(lines) and lines[k].strip() == '':
            k += 1
        if k < len(lines) and FENCE_PLAIN.match(lines[k]):
            out, nxt2 = read_fence(lines, k, FENCE_PLAIN.match(lines[k]).group(1))
            b.expected, b.expected_line = out, k + 1
            nxt = nxt2
        if b.where != 'skip':
            for n, s in enumerate(sql):
                if FAKE_OUTPUT.search(s) or FAKE_VALUE.search(s):
                    errors.append('%s:%d: output shown in a comment ("%s"): show it in a '
                                  'plain ``` block after the ```sql block, where it is checked'
                                  % (NAME, i + 2 + n, s.strip()))
        blocks.append(b)
        i = nxt
    if errors:
        for e in errors:
            sys.stderr.write(e + '\n')
        sys.exit(2)
    return blocks


def script(blocks, where):
    out = []
    for n, b in enumerate(blocks):
        if b.where != where:
            continue
        out.append('\\echo %s %d' % (MARK, n))
        out.extend(b.sql)
        # a statement left without its semicolon must run before the
        # next marker, not after it (an empty statement prints nothing)
        out.append(';')
    out.append('\\echo %s end' % MARK)
    return '\n'.join(out) + '\n'


def extract(readme, outdir):
    blocks = parse(readme)
    os.makedirs(outdir, exist_ok=True)
    for where in ('main', 'cron'):
        with open(os.path.join(outdir, 'readme%s.sql' % ('' if where == 'main' else '_cron')), 'w',
                  encoding='utf-8') as f:
            f.write(script(blocks, where))
    with open(os.path.join(outdir, 'readme.expected'), 'w', encoding='utf-8') as f:
        for n, b in enumerate(blocks):
            f.write('%s %d %s:%d %s%s\n' % (MARK, n, NAME, b.line, b.where,
                                                  ' (%s)' % b.reason if b.reason else ''))
            if b.expected is not None:
                f.write('\n'.join(b.expected) + '\n')
    return blocks


def run_psql(db, path):
    r = subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=0', '-d', db, '-f', path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=os.path.dirname(path))
    return r.stdout.decode('utf-8', 'replace')


def split_output(text):
    """Output of each block, by block number."""
    parts = {}
    cur = None
    for line in text.split('\n'):
        m = re.match(r'^%s (\d+|end)$' % MARK, line)
        if m:
            cur = None if m.group(1) == 'end' else int(m.group(1))
            parts.setdefault(cur, [])
            continue
        parts.setdefault(cur, []).append(ERROR_PREFIX.sub('', line))
    return parts


def trim(lines):
    lines = [l.rstrip() for l in lines]
    while lines and lines[0] == '':
        lines.pop(0)
    while lines and lines[-1] == '':
        lines.pop()
    return lines


def line_matches(pattern, actual):
    if '…' not in pattern:
        return pattern == actual
    rx = '.*'.join(re.escape(p) for p in pattern.split('…'))
    return re.fullmatch(rx, actual) is not None


def compare(b, actual):
    """None when the block's output is right, else a list of diff lines."""
    actual = trim(actual)
    hint = []
    if b.where == 'main' and any('schema "cron" does not exist' in l for l in actual):
        hint = ['(a pg_cron example: put <!-- readme: cron --> on the line before its fence)']
    if b.expected is None:
        bad = [l for l in actual if re.match(r'^(ERROR|WARNING|FATAL|PANIC):', l)]
        if not bad:
            return None
        return ['its output shows no result, so it must not fail; it printed:'] + \
        ['  ' + l for l in actual] + hint
    expected = trim(b.expected)
    # the "(N rows)" footers may be left out, all of a block's: then they
    # are not compared (the rows are)
    if not any(FOOTER.match(l) for l in expected):
        actual = trim([l for l in actual if not FOOTER.match(l)])
    # lines that match through "…" are shown as what they matched
    shown = list(expected)
    if len(expected) == len(actual):
        shown = [a if line_matches(e, a) else e for e, a in zip(expected, actual)]
    if shown == actual:
        return None
    return list(difflib.unified_diff(shown, actual, '%s (shown at line %d)' % (NAME, b.expected_line),
                                     'psql', lineterm='', n=3)) + hint


def check(readme, db, cron_db, keep):
    outdir = keep or tempfile.mkdtemp(prefix='rebound-readme.')
    os.makedirs(outdir, exist_ok=True)
    os.chmod(outdir, 0o755)
    blocks = extract(readme, outdir)
    outputs = split_output(run_psql(db, os.path.join(outdir, 'readme.sql')))
    n_cron = sum(1 for b in blocks if b.where == 'cron')
    if cron_db and n_cron:
        outputs.update({k: v for k, v in split_output(
            run_psql(cron_db, os.path.join(outdir, 'readme_cron.sql'))).items() if k is not None})
    stray = trim(outputs.get(None, []))
    failed = 0
    ran = shown = 0
    for n, b in enumerate(blocks):
        if b.where == 'skip' or (b.where == 'cron' and not cron_db):
            continue
        ran += 1
        shown += b.expected is not None
        if n not in outputs:
            print('%s:%d: the block did not run (an earlier one left psql reading)' % (NAME, b.line))
            failed += 1
            continue
        d = compare(b, outputs[n])
        if d:
            failed += 1
            print('\n%s:%d: the ```sql block%s' % (
                NAME, b.line, ' (pg_cron database)' if b.where == 'cron' else ''))
            for l in b.sql[:3]:
                print('    ' + l)
            if len(b.sql) > 3:
                print('    ...')
            print('\n'.join(d))
    if stray:
        print('output outside any block:\n' + '\n'.join(stray))
        failed += 1
    skipped = [b for b in blocks if b.where == 'skip']
    print('%s: %d blocks run (%d with their output compared), %d skipped%s, %d differ'
          % (NAME, ran, shown, len(skipped),
             '' if cron_db or not n_cron else ', %d pg_cron blocks not run (no pg_cron)' % n_cron,
             failed))
    if failed:
        print('(the extracted files: %s)' % outdir)
    elif not keep:
        for f in os.listdir(outdir):
            os.unlink(os.path.join(outdir, f))
        os.rmdir(outdir)
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == 'extract':
        extract(argv[1], argv[2])
        return 0
    if len(argv) >= 2 and argv[0] == 'check':
        readme, db, cron_db, keep = argv[1], None, None, None
        rest = argv[2:]
        while rest:
            opt = rest.pop(0)
            if opt in ('--db', '--cron-db', '--keep') and rest:
                val = rest.pop(0)
                if opt == '--db':
                    db = val
                elif opt == '--cron-db':
                    cron_db = val
                else:
                    keep = val
            else:
                fail('unknown argument %s' % opt)
        if not db:
            fail('check needs --db')
        return check(readme, db, cron_db, keep)
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
