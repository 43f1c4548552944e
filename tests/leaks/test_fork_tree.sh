#!/bin/sh
# SPDX-License-Identifier: MIT
# Fork provenance (fork_tree.c): each process's leak report holds what it
# allocated itself.  tree: the parent's report has one lost site,
# parent_leak; each of its 8 children's has one, child_leak, and each
# process's one summary line counts its own block only.  idle: nothing is
# lost, so neither process writes or prints anything; with clean_reports=1,
# a child holding nothing of its own makes no scan (its scan record is all
# zero) and reports nothing, while its parent scans and keeps its 1000 blocks.
# empty: the same for a process that is no fork child: it freed every block
# it allocated, alone, so its exit makes no scan (its scan record is all
# zero).  thread: its main thread freed all of its blocks, but a second
# thread lost one: that process scans and reports the thread's block.
# header: a block whose chunk header's address (not the block's) is on the
# stack is reachable, as a thread paused inside malloc holds it; one whose
# header's address is in a global is lost.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
here=$top_srcdir/tests/leaks
prog=$top_builddir/tests/leaks/fork_tree
reader=$top_builddir/heapguard-report
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] || { echo "SKIP: HEAPGUARD_LIB is not set"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the reports"; exit 77; }
[ -x "$prog" ] && [ -x "$reader" ] || { echo "ERROR: build fork_tree and heapguard-report first"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-fork.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

# run MODE [DIR [OPTIONS]]: fork_tree MODE with its reports in
# $tmp/DIR/hg.%p (DIR defaults to MODE).
run() {
	d=$tmp/${2:-$1}
	mkdir -p "$d"
	(cd "$d" && timeout 60 env LD_PRELOAD="$lib" \
		HEAPGUARD_OPTIONS="level=full:leaks=1:report=$d/hg.%p${3:+:$3}" \
		"$prog" "$1" >stdout 2>stderr) || {
		echo "FAIL: fork_tree $1 exited with $?:"
		sed 's/^/    /' "$d/stderr"
		fails=$((fails + 1))
		return 1
	}
}

# summary DIR PID BYTES: DIR/stderr has PID's one summary line, which
# names its reports and counts BYTES lost in its one block.
summary() {
	named=$(grep -c "^heapguard: .* heapguard-report $tmp/$1/hg\.$2\.leaks\.gz" "$tmp/$1/stderr")
	grep -q "^heapguard: lost $3 bytes in 1 block at 1 site: heapguard-report $tmp/$1/hg\.$2\.leaks\.gz; fragmentation: $tmp/$1/hg\.$2\.frag\.gz\$" \
		"$tmp/$1/stderr" && [ "$named" = 1 ] || {
		echo "FAIL: $1: not one line 'heapguard: lost $3 bytes in 1 block at 1 site: heapguard-report $tmp/$1/hg.$2.leaks.gz; fragmentation: ...' for pid $2:"
		sed 's/^/    /' "$tmp/$1/stderr"
		fails=$((fails + 1))
	}
}

# check MODE WHO PID EXPECT...: the report of PID against EXPECT (see below).
check() {
	f=$tmp/$1/hg.$3.leaks.gz
	[ -f "$f" ] || { echo "FAIL: $1: no report for the $2 ($3)"; fails=$((fails + 1)); return; }
	"$reader" --json --show=all "$f" >"$f.json" 2>"$f.err"
	shift 3
	if python3 - "$here" "$f.json" "$@" <<'PY'; then echo "ok: $f"; else fails=$((fails + 1)); fi
import json, sys
sys.path.insert(0, sys.argv[1])
from leakcheck import hg_site_function
path, want = sys.argv[2], sys.argv[3:]
r = json.load(open(path))
lost = [hg_site_function(s.get("frames", []), r.get("program"), "fork_tree.c")
        for s in r["sites"] if s["kind"] == "lost"]
scan = r.get("scan", {})
got = {"lost": ",".join(str(f) for f in lost), "scan_threads": scan.get("threads"),
       "sites": len(r["sites"]), "reachable_blocks": r["totals"]["reachable"]["blocks"]}
bad = []
for w in want:
    at_least = ">=" in w
    key, value = w.split(">=" if at_least else "=", 1)
    v = got[key]
    ok = v is not None and v >= int(value) if at_least else str(v) == value
    if not ok:
        bad.append("%s is %s, expected %s%s" % (key, v, ">=" if at_least else "", value))
for b in bad:
    print("FAIL: %s: %s" % (path, b))
sys.exit(1 if bad else 0)
PY
}

if run tree; then
	ppid=$(sed -n 's/^parent //p' "$tmp/tree/stdout")
	check tree parent "$ppid" lost=parent_leak
	summary tree "$ppid" 111
	n=0
	for cpid in $(sed -n 's/^child //p' "$tmp/tree/stdout"); do
		check tree child "$cpid" lost=child_leak
		summary tree "$cpid" 222
		n=$((n + 1))
	done
	[ $n -eq 8 ] || { echo "FAIL: tree: $n children, expected 8"; fails=$((fails + 1)); }
	n=$(grep -c '^heapguard: ' "$tmp/tree/stderr")
	[ "$n" = 9 ] || {
		echo "FAIL: tree: $n lines of heapguard on stderr, expected 9 (one per process):"
		sed 's/^/    /' "$tmp/tree/stderr"
		fails=$((fails + 1))
	}
fi

# idle, default options: both processes are clean (the parent's blocks are
# reachable, the child has none): no file, nothing on stderr.
if run idle idle.silent; then
	left=$(ls "$tmp/idle.silent" | grep -vx 'stdout\|stderr')
	[ -z "$left" ] || { echo "FAIL: idle: clean processes left files: $(echo $left)"; fails=$((fails + 1)); }
	[ ! -s "$tmp/idle.silent/stderr" ] || {
		echo "FAIL: idle: clean processes printed:"
		sed 's/^/    /' "$tmp/idle.silent/stderr"
		fails=$((fails + 1))
	}
fi

# idle with clean_reports=1: the reports, to look at the child's zero scan.
if run idle idle clean_reports=1; then
	ppid=$(sed -n 's/^parent //p' "$tmp/idle/stdout")
	cpid=$(sed -n 's/^child //p' "$tmp/idle/stdout")
	check idle parent "$ppid" "scan_threads>=1" "reachable_blocks>=1000"
	check idle child "$cpid" scan_threads=0 sites=0 reachable_blocks=0 lost=
fi
# empty: nothing held at exit, nothing scanned.
if run empty empty clean_reports=1; then
	pid=$(sed -n 's/^parent //p' "$tmp/empty/stdout")
	check empty process "$pid" scan_threads=0 sites=0 reachable_blocks=0 lost=
fi

# thread: the main thread holds nothing, another thread lost a block.
if run thread; then
	pid=$(sed -n 's/^parent //p' "$tmp/thread/stdout")
	check thread process "$pid" lost=thread_leak "scan_threads>=1"
	summary thread "$pid" 333
fi
# header: the stack's header address keeps its block, the global's not.
if run header; then
	pid=$(sed -n 's/^parent //p' "$tmp/header/stdout")
	check header process "$pid" lost=global_header_block reachable_blocks=1
fi
[ $fails -eq 0 ]
