#!/bin/sh
# SPDX-License-Identifier: MIT
# Leak checkpoints (cp_prog.c; heapguard(3), heapguard-report(5)), at
# level=fast and level=full:
# two: checkpoint 1 names what came before it (1 lost block of 100 bytes,
#   50 reachable of 64) and says "new since start"; checkpoint 2 names
#   exactly what came between checkpoints 1 and 2 -- 1 lost block of 24
#   bytes, 100 reachable blocks of 32 bytes, nothing indirect -- with its
#   checkpoint record (number 2, an interval), and the reader's text says
#   "new since checkpoint 1"; the exit report stays cumulative (both lost
#   blocks, the 150 reachable ones) and has no checkpoint record.
# signal: the same with checkpoint 2 made on SIGUSR2 (checkpoint_signal=).
# fork: the child's checkpoint is its own number 1 with its own blocks (1
#   lost, 10 reachable); the parent's checkpoint 2 lists none of them.
# threads: four threads allocate and free throughout; checkpoint 2 finds
#   the one lost block (and every thread was paused for the scan).
# busy: four threads allocate and free without pause (their arena locks
#   almost always held) while the main thread makes 20 checkpoints, every
#   one made, and then exits with them still running: the exit report is
#   written, with the lost block.
# off: report=off makes neither a checkpoint nor a fragmentation report
#   when asked (each call fails with ECANCELED and says why once), and
#   no file at exit; the leak line and leak_exitcode stay.  In a run, the
#   record stays and no report is written.
# run: inside a run directory the checkpoints go there, and the run is read
#   as the process ended (its checkpoints are not processes of the run).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
prog=$top_builddir/tests/checkpoint/cp_prog
reader=$top_builddir/heapguard-report
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] || { echo "SKIP: HEAPGUARD_LIB is not set"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the reports"; exit 77; }
[ -x "$prog" ] && [ -x "$reader" ] || { echo "ERROR: build cp_prog and heapguard-report first"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-checkpoint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run NAME MODE OPTIONS: cp_prog MODE in $tmp/NAME, reports hg.%p.
run() {
	d=$tmp/$1
	mkdir -p "$d"
	(cd "$d" && timeout 120 env LD_PRELOAD="$lib" \
		HEAPGUARD_OPTIONS="report=$d/hg.%p:$3" "$prog" "$2" >stdout 2>stderr)
	rc=$?
	[ $rc = 0 ] || { fail "$1: cp_prog $2 exited $rc:"; sed 's/^/    /' "$d/stderr"; }
}

# check NAME FILE NUMBER LOST INDIRECT REACHABLE [SIZE]: FILE's --json, and
# its text's "since" line.  NUMBER 0: not a checkpoint.  REACHABLE N+: at
# least N.  SIZE: every lost block and every reachable one of the
# checkpoint is of that size (lost/reachable).
check() {
	f=$tmp/$1/$2
	[ -f "$f" ] || { fail "$1: no $2:"; ls "$tmp/$1" | sed 's/^/    /'; return; }
	"$reader" --json --show=all "$f" >"$f.json" 2>"$f.err"
	[ $? -le 1 ] || { fail "$1: heapguard-report --json refused $2:"; sed 's/^/    /' "$f.err"; return; }
	"$reader" --show=all "$f" >"$f.txt" 2>"$f.err"
	[ $? -le 1 ] || { fail "$1: heapguard-report refused $2:"; sed 's/^/    /' "$f.err"; return; }
	if python3 - "$1/$2" "$f.json" "$f.txt" "$3" "$4" "$5" "$6" "${7:-}" <<'PY'; then echo "ok: $1 $2"; else fails=$((fails + 1)); fi
import json, sys
name, path, text = sys.argv[1:4]
number, lost, indirect = map(int, sys.argv[4:7])
reachable, at_least = int(sys.argv[7].rstrip("+")), sys.argv[7].endswith("+")
sizes = sys.argv[8]
r = json.load(open(path))
t = r["totals"]
bad = []
if r.get("checkpoint", 0) != number:
    bad.append("checkpoint %s, expected %d" % (r.get("checkpoint"), number))
if number and not isinstance(r.get("checkpoint_interval_us"), int):
    bad.append("no checkpoint_interval_us")
if t["lost"]["blocks"] != lost or t["indirect"]["blocks"] != indirect:
    bad.append("lost %d indirect %d, expected %d and %d"
               % (t["lost"]["blocks"], t["indirect"]["blocks"], lost, indirect))
got = t["reachable"]["blocks"]
if got != reachable and not (at_least and got > reachable):
    bad.append("reachable %d, expected %d%s" % (got, reachable, "+" if at_least else ""))
if sizes:
    # level=fast records no request: a block's size is its usable size.
    usable = lambda n: n if r["level"] == "full" else max(32, (n + 8 + 15) & ~15) - 8
    lsize, rsize = (usable(int(n)) for n in sizes.split("/"))
    for s in r["sites"]:
        want = lsize if s["kind"] == "lost" else rsize
        if s["min"] != want or s["max"] != want:
            bad.append("a %s site of sizes %d..%d" % (s["kind"], s["min"], s["max"]))
    if r["level"] == "full" and len(r["sites"]) != 2:
        bad.append("%d sites, expected 2 (one lost, one reachable)" % len(r["sites"]))
body = open(text).read()
since = ("new since checkpoint %d" % (number - 1)) if number > 1 else "new since start"
if number and since not in body:
    bad.append("the text does not say '%s'" % since)
if not number and "new since" in body:
    bad.append("the exit report's text speaks of a checkpoint")
for b in bad:
    print("FAIL: %s: %s (%s)" % (name, b, path))
sys.exit(1 if bad else 0)
PY
}

for level in fast full; do
	o="level=$level"
	run two-$level two "$o"
	p=$(sed -n 's/.*hg\.\([0-9]*\)\.checkpoint1.*/\1/p' "$tmp/two-$level/stderr" | head -1)
	check two-$level "hg.$p.checkpoint2.leaks.gz" 2 1 0 100 24/32
	check two-$level "hg.$p.checkpoint1.leaks.gz" 1 1 0 50 100/64
	check two-$level "hg.$p.leaks.gz" 0 2 0 150
	bytes=3200
	[ $level = full ] || bytes=4000 # 100 blocks of 40 usable bytes
	grep -q "^heapguard: checkpoint 2 (new since checkpoint 1): lost 24 bytes in 1 block, indirect 0 bytes in 0 blocks, reachable $bytes bytes in 100 blocks: heapguard-report $tmp/two-$level/hg.$p.checkpoint2.leaks.gz\$" "$tmp/two-$level/stderr" ||
		{ fail "two-$level: checkpoint 2's line on stderr:"; sed 's/^/    /' "$tmp/two-$level/stderr"; }

	run signal-$level signal "$o:checkpoint_signal=USR2"
	p=$(sed -n 's/.*hg\.\([0-9]*\)\.checkpoint1.*/\1/p' "$tmp/signal-$level/stderr" | head -1)
	check signal-$level "hg.$p.checkpoint2.leaks.gz" 2 1 0 100 24/32

	run fork-$level fork "$o"
	p=$(sed -n 's/.*hg\.\([0-9]*\)\.checkpoint1.*/\1/p' "$tmp/fork-$level/stderr" | head -1)
	c=$(sed -n 's/^child \([0-9]*\)$/\1/p' "$tmp/fork-$level/stdout")
	check fork-$level "hg.$c.checkpoint1.leaks.gz" 1 1 0 10 24/48
	check fork-$level "hg.$p.checkpoint2.leaks.gz" 2 0 0 0

	# A thread that did not answer the pause in time (a loaded machine)
	# may hold its blocks where the scan does not look: run again.
	for try in 1 2 3; do
		rm -rf "$tmp/threads-$level"
		run threads-$level threads "$o"
		p=$(sed -n 's/.*hg\.\([0-9]*\)\.checkpoint1.*/\1/p' "$tmp/threads-$level/stderr" | head -1)
		f=$tmp/threads-$level/hg.$p.checkpoint2.leaks.gz
		[ -f "$f" ] && gzip -dc "$f" | grep -q '^scan [0-9]* [4-9] 0 ' && break
		echo "note: threads-$level: not every thread paused, run $try: $(gzip -dc "$f" | grep '^scan')"
	done
	gzip -dc "$f" | grep -q '^scan [0-9]* [4-9] 0 ' || fail "threads-$level: the 4 threads were not paused"
	check threads-$level "hg.$p.checkpoint2.leaks.gz" 2 1 0 0+
done

for level in fast full; do
	run busy-$level busy "level=$level"
	n=$(ls "$tmp/busy-$level" | grep -c '\.checkpoint[0-9]*\.leaks\.gz$')
	[ "$n" = 20 ] || fail "busy-$level: $n checkpoint reports, expected 20"
	grep -q '^heapguard: lost 24 bytes in 1 block' "$tmp/busy-$level/stderr" ||
		{ fail "busy-$level: no exit leak line:"; sed 's/^/    /' "$tmp/busy-$level/stderr" | head; }
done

# report=off: the calls fail, the scan and its line stay, no file anywhere.
d=$tmp/off
mkdir -p "$d"
(cd "$d" && timeout 120 env LD_PRELOAD="$lib" HEAPGUARD_OPTIONS="report=off:leak_exitcode=3" \
	"$prog" off >stdout 2>stderr)
rc=$?
[ $rc = 3 ] || fail "off: cp_prog off exited $rc, expected 3 (leak_exitcode)"
printf '%s\n' "heapguard: no checkpoint 1: report=off" \
	"heapguard: cannot write the fragmentation report: report=off" \
	"heapguard: lost 100 bytes in 1 block at 1 site; no report files (report=off); exit status 3 instead of 0 (leak_exitcode)" >"$tmp/off.want"
cmp -s "$d/stderr" "$tmp/off.want" || { fail "off: stderr, expected:"; sed 's/^/    /' "$tmp/off.want"; echo "  got:"; sed 's/^/    /' "$d/stderr"; }
[ "$(ls "$d")" = "$(printf 'stderr\nstdout')" ] || { fail "off: files written:"; ls "$d" | sed 's/^/    /'; }
(cd "$d" && timeout 120 env LD_PRELOAD="$lib" HEAPGUARD_OPTIONS="report=off:run_dir=$d/run" \
	"$prog" off >stdout 2>stderr) || fail "off: cp_prog off in a run exited $?"
[ "$(ls "$d/run")" = processes.proc ] && [ "$(grep -cx end "$d/run/processes.proc")" = 1 ] ||
	{ fail "off: the run holds other than one record:"; ls "$d/run" | sed 's/^/    /'; }
[ ! -s "$d/stderr" ] || { fail "off: something on stderr in a run:"; sed 's/^/    /' "$d/stderr"; }

# A run directory holds the checkpoints; the run is its processes' ends.
d=$tmp/run
mkdir -p "$d"
(cd "$d" && timeout 120 env LD_PRELOAD="$lib" HEAPGUARD_OPTIONS="run_dir=$d/run" "$prog" two >stdout 2>stderr) ||
	fail "run: cp_prog two exited $?"
n=$(ls "$d/run" | grep -c '\.checkpoint[12]\.leaks\.gz$')
[ "$n" = 2 ] || { fail "run: $n checkpoint reports in the run directory:"; ls "$d/run" | sed 's/^/    /'; }
[ ! -s "$d/stderr" ] || { fail "run: something on stderr:"; sed 's/^/    /' "$d/stderr"; }
"$reader" --json "$d/run" >"$d/run.json" 2>"$d/run.err"
python3 - "$d/run.json" <<'PY' && echo "ok: run" || fail "run: the run read with its checkpoints (see $d/run.json)"
import json, sys
r = json.load(open(sys.argv[1]))
procs = r.get("processes")
n = len(procs) if isinstance(procs, list) else procs
lost = r.get("lost", {}).get("blocks") if isinstance(r.get("lost"), dict) else None
print("processes", n, "lost", lost)
sys.exit(0 if n == 1 and lost == 2 else 1)
PY

[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "PASS"
