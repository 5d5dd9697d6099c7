"""Helper of test/loso.sh: runs the LOSO driver per source and prints the
table (see test/loso.sh)."""
import collections
import subprocess
import sys

# The names an older phrase-table entry's origin uses for each source: the
# strict measure leaves those entries out too.
ORIGINS = {
    'google': 'Gmail|Google', 'microsoft': 'Microsoft|Exchange|Outlook|Office 365',
    'yahoo': 'Yahoo|AOL', 'apple': 'Apple|iCloud', 'mimecast': 'Mimecast',
    'orange': 'Orange|Wanadoo', 'gmx_webde': 'GMX|Web.de|United Internet',
    'comcast': 'Comcast', 'cox': 'Cox', 'netease': 'NetEase|163.com',
    'qq': 'QQ|Tencent', 'mailru': 'Mail.ru', 'yandex': 'Yandex', 'zoho': 'Zoho',
    'barracuda': 'Barracuda', 'proofpoint': 'Proofpoint',
    'cisco': 'Cisco|IronPort|AsyncOS', 'postfix': 'Postfix', 'exim': 'Exim',
    'sendmail': 'Sendmail', 'qmail': 'qmail', 'haraka': 'Haraka',
    'opensmtpd': 'OpenSMTPD', 'courier': 'Courier', 'kumomta': 'KumoMTA',
    'laposte': 'La Poste|LPN', 'free': 'Free', 'sfr': 'SFR',
    'hmailserver': 'hMailServer', 'icewarp': 'IceWarp|Merak',
    'mdaemon': 'MDaemon', 'forpsi': 'chkuser|Forpsi',
    'zimbra': 'Zimbra', 'cyrus': 'Cyrus', 'fastmail': 'Fastmail|FastMail',
    'domino': 'Domino|Lotus|Notes',
}

# Sources added after the rules of issue 10 were written, and from which no
# rule was written: wholly held out, whatever the mode.
HELD_OUT = {'laposte', 'free', 'sfr', 'hmailserver', 'icewarp', 'mdaemon', 'forpsi',
            'zimbra', 'cyrus', 'fastmail', 'domino'}


def main():
    drv, tsv, tmp = sys.argv[1:4]
    # -v: the misses of the tables as shipped; -v loso / -v strict: of those
    verbose = None
    rest = sys.argv[4:]
    if '-v' in rest:
        i = rest.index('-v')
        verbose = rest[i + 1] if i + 1 < len(rest) else 'all'
    rows = collections.defaultdict(list)
    with open(tsv, encoding='utf-8') as f:
        head = f.readline().rstrip('\n').split('\t')
        for line in f:
            r = dict(zip(head, line.rstrip('\n').split('\t')))
            rows[r['source']].append(r)
    modes = ('all', 'loso', 'strict')
    tot = {m: [0, 0, 0] for m in modes}
    held = {m: [0, 0, 0] for m in modes}
    n_all = n_held = 0
    print(f"{'source':12} {'rows':>4}  " +
          '  '.join(f"{m + ' reason/sev/infra':>24}" for m in modes))
    for src in sorted(rows):
        rs = rows[src]
        path = f"{tmp}/{src}.txt"
        with open(path, 'wb') as t:
            for r in rs:
                t.write(r['text'].encode() + b'\0')
        cells = []
        for m in modes:
            args = [drv, path, '-' if m == 'all' else src]
            if m == 'strict':
                args.append(ORIGINS.get(src, ''))
            out = subprocess.run(args, check=True, capture_output=True,
                                 text=True).stdout.splitlines()
            assert len(out) == len(rs)
            ok = [0, 0, 0]
            for r, o in zip(rs, out):
                reason, sev, infra = o.split('\t')
                good = (reason in r['reason'].split('|'),
                        sev == r['severity'], infra == r['infrastructure'])
                for i in range(3):
                    ok[i] += good[i]
                if verbose == m and not all(good):
                    print(f"  MISS {src}: {r['text'][:110]!r}\n"
                          f"       want {r['reason']}/{r['severity']}/{r['infrastructure']}"
                          f" got {reason}/{sev}/{infra}")
            for i in range(3):
                tot[m][i] += ok[i]
                if src in HELD_OUT:
                    held[m][i] += ok[i]
            cells.append('/'.join(f"{100 * k / len(rs):5.1f}" for k in ok))
        n_all += len(rs)
        n_held += len(rs) if src in HELD_OUT else 0
        mark = '*' if src in HELD_OUT else ' '
        print(f"{src + mark:12} {len(rs):4}  " + '  '.join(f"{c:>24}" for c in cells))
    print(f"{'all rows':12} {n_all:4}  " + '  '.join(
        f"{'/'.join(f'{100 * k / n_all:5.1f}' for k in tot[m]):>24}" for m in modes))
    if n_held:
        print(f"{'held out*':12} {n_held:4}  " + '  '.join(
            f"{'/'.join(f'{100 * k / n_held:5.1f}' for k in held[m]):>24}" for m in modes))
    print(f"sources: {len(rows)}; * added after the rules were written, none written from them")


main()
