#!/bin/sh
# SPDX-License-Identifier: MIT
# A fork child's exit looks at what it did, not at the heap it inherited
# (fork_own.c; heapguard(7), Fork children).
# own, at level=fast and level=full: the child's scan classifies its 7
# blocks only (the scan record's blocks), reads a few pages of the 50,000
# inherited blocks' heap (heap_bytes under 1 MB) and of the roots (none of
# the parent's 4 MiB of data it did not write: root_bytes under 1 MB), and
# its verdicts are
# right: lost b, c2 and g (c2 even where it took back the address of an
# inherited block the child freed, which a stale pointer in a page the
# child did not write still holds), indirect f, reachable a (through an
# inherited block written after the fork), c1 and d.
# thread, many: a thread of the child used the heap, or it was handed
# more blocks than its note holds: it cannot know its blocks alone and
# classifies every live block, with the same verdicts.
# forked, forked_late: the child forked in turn, before its blocks or
# after them (that child still alive at its exit, sharing every page it
# wrote): it noted the pages it wrote at each fork, and still classifies
# its 6 blocks only (no c2), with the same verdicts.
# overflow_own, header_own (level=full and level=fast), overflow_inherited
# (level=full): the cheaper exit check still catches an overflow of the
# child's own block (canary, or the next header), also after the child
# forked in turn (_forked), and the child's free of an inherited block it
# overflowed: the child aborts with the diagnostic.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
prog=$top_builddir/tests/leaks/fork_own
reader=$top_builddir/heapguard-report
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] || { echo "SKIP: HEAPGUARD_LIB is not set"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the reports"; exit 77; }
[ -x "$prog" ] && [ -x "$reader" ] || { echo "ERROR: build fork_own and heapguard-report first"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-fork-own.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

# run DIR MODE OPTIONS: fork_own MODE, reports in $tmp/DIR/hg.%p.
run() {
	d=$tmp/$1
	mkdir -p "$d"
	(cd "$d" && timeout 120 env LD_PRELOAD="$lib" \
		HEAPGUARD_OPTIONS="report=$d/hg.%p:$3" "$prog" "$2" >stdout 2>stderr)
}

# verdicts DIR BLOCKS_MIN BLOCKS_MAX HEAP_MAX LOST INDIRECT REACHABLE
# [ROOTS_MAX]: the child's report (REACHABLE N+: at least N).
verdicts() {
	d=$tmp/$1
	cpid=$(sed -n 's/^child \([0-9]*\) .*/\1/p' "$d/stdout")
	f=$d/hg.$cpid.leaks.gz
	[ -n "$cpid" ] && [ -f "$f" ] || {
		echo "FAIL: $1: no report of the child:"
		sed 's/^/    /' "$d/stdout" "$d/stderr"
		fails=$((fails + 1))
		return
	}
	if "$reader" --json --show=all "$f" >"$f.json" 2>"$f.err" || [ $? = 1 ]; then :; else
		echo "FAIL: $1: heapguard-report refused $f:"
		sed 's/^/    /' "$f.err"
		fails=$((fails + 1))
		return
	fi
	if python3 - "$1" "$f.json" "$2" "$3" "$4" "$5" "$6" "$7" "${8:-}" <<'PY'; then echo "ok: $1"; else fails=$((fails + 1)); fi
import json, sys
name, path = sys.argv[1], sys.argv[2]
bmin, bmax, heap_max, lost, indirect = map(int, sys.argv[3:8])
reachable, at_least = int(sys.argv[8].rstrip("+")), sys.argv[8].endswith("+")
roots_max = int(sys.argv[9]) if sys.argv[9] else None
r = json.load(open(path))
scan, t = r.get("scan", {}), r["totals"]
got = {"blocks": scan.get("blocks"), "heap_bytes": scan.get("heap_bytes"),
       "lost": t["lost"]["blocks"], "indirect": t["indirect"]["blocks"],
       "reachable": t["reachable"]["blocks"]}
bad = []
if got["blocks"] is None or not bmin <= got["blocks"] <= bmax:
    bad.append("scanned blocks %s, expected %d..%d" % (got["blocks"], bmin, bmax))
if got["heap_bytes"] is None or got["heap_bytes"] > heap_max:
    bad.append("heap bytes read %s, expected at most %d" % (got["heap_bytes"], heap_max))
if roots_max is not None and not 0 < scan.get("root_bytes", 0) <= roots_max:
    bad.append("root bytes read %s, expected at most %d" % (scan.get("root_bytes"), roots_max))
for k, want in (("lost", lost), ("indirect", indirect), ("reachable", reachable)):
    if got[k] != want and not (k == "reachable" and at_least and got[k] > want):
        bad.append("%s blocks %d, expected %d%s" % (k, got[k], want,
                                                    "+" if k == "reachable" and at_least else ""))
for b in bad:
    print("FAIL: %s: %s (%s)" % (name, b, path))
sys.exit(1 if bad else 0)
PY
}

for level in fast full; do
	run own.$level own "level=$level:clean_reports=1" &&
		verdicts own.$level 7 7 1000000 3 1 3 1000000
	# The thread's block is freed; what its start allocated (TLS) stays
	# reachable: at least a, c1, d.
	run thread.$level thread "level=$level:clean_reports=1" &&
		verdicts thread.$level 50000 50100 0 2 1 3+
	run many.$level many "level=$level:clean_reports=1" &&
		verdicts many.$level 90000 90100 0 2 1 40004
	run forked.$level forked "level=$level:clean_reports=1" &&
		verdicts forked.$level 6 6 1000000 2 1 3
	run forked_late.$level forked_late "level=$level:clean_reports=1" &&
		verdicts forked_late.$level 6 6 1000000 2 1 3
done

# die DIR MODE OPTIONS FIRST: the child is killed by SIGABRT (status 6)
# after a first diagnostic line matching FIRST.
die() {
	run "$1" "$2" "$3"
	d=$tmp/$1
	status=$(sed -n 's/^child [0-9]* \([0-9]*\)$/\1/p' "$d/stdout")
	first=$(grep -m1 '^heapguard: [a-z-]* of 0x' "$d/stderr")
	case "$status:$first" in
	6:$4) echo "ok: $1: $first" ;;
	*)
		echo "FAIL: $1: child status ${status:-none}, first line: ${first:-none}, expected 6 and '$4'"
		sed 's/^/    /' "$d/stderr" | head -12
		fails=$((fails + 1)) ;;
	esac
}
# sample=0: a block sampled into a guard-page slot would be caught at the
# write instead (about one run in 5,000).  After a fork of the child's own
# (_forked), its exit still checks its blocks from its note of them.
for forked in "" _forked; do
	die overflow_own$forked.full overflow_own$forked level=full:leaks=0:frag=0:sample=0 \
		'heapguard: heap-overflow of 0x* (chunk *, 80 bytes, 40 requested) at exit (heap check)'
	die overflow_own$forked.fast overflow_own$forked level=fast:leaks=0:frag=0:sample=0 \
		'heapguard: header-corruption of 0x* at exit (heap check)'
	die header_own$forked.full header_own$forked level=full:leaks=0:frag=0:sample=0 \
		'heapguard: heap-overflow of 0x* at exit (heap check)'
	die header_own$forked.fast header_own$forked level=fast:leaks=0:frag=0:sample=0 \
		'heapguard: header-corruption of 0x* at exit (heap check)'
done
die overflow_inherited.full overflow_inherited level=full:leaks=0:frag=0:sample=0 \
	'heapguard: heap-overflow of 0x* (chunk *, 64 requested) in free()'
# clean DIR MODE OPTIONS: the child exits 0 with no diagnostic.
clean() {
	run "$1" "$2" "$3"
	d=$tmp/$1
	status=$(sed -n 's/^child [0-9]* \([0-9]*\)$/\1/p' "$d/stdout")
	if [ "$status" = 0 ] && ! grep -q '^heapguard: [a-z-]* of 0x' "$d/stderr"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: child status ${status:-none}, expected 0 and no diagnostic"
		sed 's/^/    /' "$d/stderr" | head -12
		fails=$((fails + 1))
	fi
}
# A block the child freed and that merged into the one before it.
clean merged.fast merged level=fast:leaks=0:frag=0
clean merged.full merged level=full:leaks=0:frag=0
[ $fails -eq 0 ]
