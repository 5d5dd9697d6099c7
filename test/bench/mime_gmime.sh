#!/usr/bin/env bash
# test/bench/mime_gmime.sh — GMime against rebound's own MIME reader on the
# same work (test/bench/mime_gmime.c), over the Sisimai corpus: messages per
# second, the ratio, and heap allocations per message (counted by a tiny
# LD_PRELOAD wrapper of malloc/calloc/realloc).
#
#   bash test/bench/mime_gmime.sh        # needs libgmime-3.0-dev, gcc
#
# Not run by check.sh: a measurement for the README's design notes.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$ROOT/test/lib/corpus.sh"
CORPUS=$REBOUND_CORPUS/eml
ITERS=${ITERS:-20}
OUT=$(mktemp -d /tmp/rebound-gmime.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

cd "$ROOT"
gcc -std=gnu99 -O2 -Isrc $(pkg-config --cflags gmime-3.0) test/bench/mime_gmime.c \
	src/core/mime.c src/core/arena.c -o "$OUT/mime_gmime" \
	$(pkg-config --libs gmime-3.0) -licuuc -licudata
cat >"$OUT/count.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
static unsigned long calls;
static void *(*real_malloc)(size_t), *(*real_calloc)(size_t, size_t), *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
/* dlsym may call calloc before it is resolved: serve that from here */
static char early[8192]; static size_t early_used;
#define EARLY(p) ((char *) (p) >= early && (char *) (p) < early + sizeof(early))
static void init(void) {
	if (!real_malloc) { real_malloc = dlsym(RTLD_NEXT, "malloc"); real_calloc = dlsym(RTLD_NEXT, "calloc");
		real_realloc = dlsym(RTLD_NEXT, "realloc"); real_free = dlsym(RTLD_NEXT, "free"); } }
void *malloc(size_t n) { init(); calls++; return real_malloc(n); }
void *calloc(size_t a, size_t b) {
	if (!real_calloc) { void *p = early + early_used; early_used += (a * b + 15) & ~15ul; return p; }
	calls++; return real_calloc(a, b); }
void *realloc(void *p, size_t n) { init(); calls++;
	if (EARLY(p)) { void *q = real_malloc(n); memcpy(q, p, n); return q; }
	return real_realloc(p, n); }
void free(void *p) { init(); if (!EARLY(p)) real_free(p); }
__attribute__((destructor)) static void report(void) { fprintf(stderr, "allocations\t%lu\n", calls); }
C
gcc -O2 -shared -fPIC "$OUT/count.c" -o "$OUT/count.so" -ldl

files=("$CORPUS"/*.eml)
n=${#files[@]}
printf 'reader\tmessages\tseconds\tmessages_per_s\tallocations_per_message\n'
for reader in gmime rebound; do
	best=""
	for run in 1 2 3; do
		line=$("$OUT/mime_gmime" "$reader" "$ITERS" "${files[@]}")
		rate=$(cut -f4 <<<"$line")
		if [ -z "$best" ] || [ "$rate" -gt "$(cut -f4 <<<"$best")" ]; then best=$line; fi
	done
	# allocations: one pass over the corpus, minus a run that reads nothing
	a1=$(LD_PRELOAD="$OUT/count.so" "$OUT/mime_gmime" "$reader" 1 "${files[@]}" 2>&1 >/dev/null | cut -f2)
	a0=$(LD_PRELOAD="$OUT/count.so" "$OUT/mime_gmime" "$reader" 0 "${files[@]}" 2>&1 >/dev/null | cut -f2)
	printf '%s\t%s\n' "$best" "$(awk -v a="$a1" -v b="$a0" -v n="$n" 'BEGIN { printf "%.1f", (a - b) / n }')"
done | tee "$OUT/result"
awk -F'\t' 'NR == 1 { g = $4 } NR == 2 { printf "rebound / GMime speed: %.1fx\n", $4 / g }' "$OUT/result"
