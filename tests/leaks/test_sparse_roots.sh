#!/bin/sh
# SPDX-License-Identifier: MIT
# sparse_roots.c (see its first comment) at level=fast and level=full: the
# block whose only pointer lies in a 32 MiB mapping written on two pages
# is reachable, the other lost, and the scan read less than 1 MiB of roots
# (it read all 32 MiB before it asked the page map); and a reachable block
# of 8 MiB written on one page costs its process fewer than 512 page
# faults more than freeing it does (2,048 more when the scan read it all);
# and the same of a 60 KiB mapping written on one page in an exec'd
# process (fewer than 6 faults more than unmapping it; 14 more when the
# scan read it all, as it did a mapping of 64 KiB or less).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
prog=$top_builddir/tests/leaks/sparse_roots
reader=$top_builddir/heapguard-report
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] || { echo "SKIP: HEAPGUARD_LIB is not set"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the reports"; exit 77; }
[ -x "$prog" ] && [ -x "$reader" ] || { echo "ERROR: build sparse_roots and heapguard-report first"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-sparse.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
for level in fast full; do
	mkdir "$tmp/$level"
	LD_PRELOAD=$lib HEAPGUARD_OPTIONS="level=$level:report=$tmp/$level/hg.%p" \
		"$prog" >"$tmp/$level/out" 2>"$tmp/$level/err"
	f=$(ls "$tmp/$level"/hg.*.leaks.gz 2>/dev/null | head -n 1)
	if [ -z "$f" ]; then
		echo "FAIL: level=$level: no leak report"
		sed 's/^/    /' "$tmp/$level/err"
		fails=$((fails + 1))
		continue
	fi
	"$reader" --json --show=all "$f" >"$f.json" 2>"$f.err"
	if python3 - "$f.json" "$level" <<'PY'; then :; else fails=$((fails + 1)); fi
import json, sys
r = json.load(open(sys.argv[1]))
t, scan = r["totals"], r["scan"]
got = (t["lost"]["blocks"], t["lost"]["bytes"], t["reachable"]["blocks"] >= 1, scan["root_bytes"])
print("level=%s: lost %d blocks (%d bytes), kept block reachable: %s, root bytes %d" % ((sys.argv[2],) + got))
kept = any(s["kind"] == "reachable" and s["bytes"] >= 100 for s in r["sites"])
if got[0] != 1 or got[1] != 200 or not kept:
    print("FAIL: want the 200-byte block lost and the 100-byte one reachable")
    sys.exit(1)
if scan["root_bytes"] >= 1 << 20:
    print("FAIL: the scan read %d bytes of roots, 1 MiB or more: the mapping's unwritten pages" % scan["root_bytes"])
    sys.exit(1)
PY
	LD_PRELOAD=$lib HEAPGUARD_OPTIONS="level=$level:report=$tmp/$level/b.%p" \
		"$prog" block >"$tmp/$level/bout" 2>"$tmp/$level/berr"
	st=$?
	echo "level=$level: $(cat "$tmp/$level/bout")"
	[ $st -eq 0 ] || { echo "FAIL: level=$level: the big block's pages were read (status $st)"; fails=$((fails + 1)); }
	LD_PRELOAD=$lib HEAPGUARD_OPTIONS="level=$level:report=$tmp/$level/b.%p" \
		"$prog" small >"$tmp/$level/sout" 2>"$tmp/$level/serr"
	st=$?
	echo "level=$level: $(cat "$tmp/$level/sout")"
	[ $st -eq 0 ] || { echo "FAIL: level=$level: the small mapping's pages were read (status $st)"; fails=$((fails + 1)); }
	# The small block's pointer, on the big block's or the mapping's one
	# page written, was read: nothing was lost, so no child wrote a leak
	# report.
	if ls "$tmp/$level"/b.*.leaks.gz >/dev/null 2>&1; then
		echo "FAIL: level=$level: a child lost a block:"
		sed 's/^/    /' "$tmp/$level/berr" "$tmp/$level/serr"
		fails=$((fails + 1))
	fi
done
[ $fails -eq 0 ]
