#!/bin/sh
# SPDX-License-Identifier: MIT
# The fragmentation report against what is known: frag_probe builds heaps
# of known shapes (Swiss cheese, compact, one arena per thread, mmap'd
# blocks), takes mallinfo2() when it calls heapguard_report(), and
# check_frag.py compares (exact relations with mallinfo2, the pinning site
# is make_message(), trimmable within 5% of what malloc_trim(0) then takes
# off the resident set, the map covers each segment; heapguard-report's
# JSON totals against mallinfo2 as well).  Then the triggers:
# exit (frag=1, named in the leak summary), report_signal=, frag=0.
set -u
here=${top_srcdir:-.}/tests/frag
probe=${top_builddir:-.}/tests/frag/frag_probe
reader=${top_builddir:-.}/heapguard-report
lib=${HEAPGUARD_LIB:?HEAPGUARD_LIB must name the library}
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
command -v addr2line >/dev/null || { echo "SKIP: addr2line not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-frag.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# probe NAME OPTIONS ARGS...: run frag_probe ARGS in $tmp/NAME.
probe() {
	name=$1 opts=$2
	shift 2
	mkdir -p "$tmp/$name"
	(cd "$tmp/$name" && timeout 120 env LD_PRELOAD="$lib" \
		HEAPGUARD_OPTIONS="report=$tmp/$name/r:leaks=0:frag=0${opts:+:$opts}" \
		"$probe" "$@" >stdout 2>stderr)
	rc=$?
	[ $rc = 0 ] || fail "$name: frag_probe $* exited with $rc: $(cat "$tmp/$name/stderr")"
}

for level in full fast; do
	probe swiss-$level level=$level swiss 100000
	probe compact-$level level=$level compact 50000
	probe threads-$level level=$level threads 4
	probe mmapped-$level level=$level mmapped
	probe timeline-$level level=$level timeline 3
	for mode in swiss compact threads mmapped timeline; do
		f=$tmp/$mode-$level/r.frag.gz
		[ -f "$f" ] || { fail "$mode-$level: no report"; continue; }
		json=$tmp/$mode-$level/reader.json
		"$reader" --json "$f" >"$json" 2>"$tmp/$mode-$level/reader.err" ||
			fail "$mode-$level: heapguard-report --json failed: $(cat "$tmp/$mode-$level/reader.err")"
		python3 "$here/check_frag.py" "$mode" "$f" "$tmp/$mode-$level/stdout" "$json" ||
			fail "$mode at level=$level"
	done
	grep -q "^heapguard: fragmentation report: $tmp/swiss-$level/r.frag.gz (heapguard-report " \
		"$tmp/swiss-$level/stderr" || fail "swiss-$level: heapguard_report() did not name its file"
done

# A report of a small heap touches few pages: its file's mapping is the
# last report's (ten page faults more in one of its own), and a page
# unit's figures sit side by side.  The second report: 7 faults at
# level=fast, 9 at level=full; 12 at both with an array for each figure,
# 22 with a mapping for each report too.
for level in fast full; do
	probe faults-$level level=$level faults
	got=$(sed -n 's/^known second_report_faults //p' "$tmp/faults-$level/stdout")
	[ -n "$got" ] && [ "$got" -le 10 ] ||
		fail "faults-$level: the second report took ${got:-?} page faults (at most 10)"
done

# report_signal=: written at the next malloc, after the handler returned.
probe signal report_signal=SIGUSR2 signal
f=$tmp/signal/r.frag.gz
[ -f "$f" ] && gzip -dc "$f" | grep -qx 'trigger signal' || fail "report_signal: no report with trigger signal"
probe signal-bad report_signal=NOSUCH compact 10
grep -qxF "heapguard: HEAPGUARD_OPTIONS: ignoring bad token 'report_signal=NOSUCH' (unknown signal)" \
	"$tmp/signal-bad/stderr" || fail "report_signal=NOSUCH: no warning"

# At exit: the report is written and named in the leak summary, after
# heapguard_report()'s, under a name of its own; frag=0 writes none.
mkdir -p "$tmp/exit"
(cd "$tmp/exit" && env LD_PRELOAD="$lib" HEAPGUARD_OPTIONS="report=$tmp/exit/x" \
	"$probe" compact 10 >stdout 2>stderr)
for f in x.frag.gz:call x.1.frag.gz:exit; do
	name=${f%:*} trigger=${f#*:}
	[ -f "$tmp/exit/$name" ] || { fail "exit: no $name"; continue; }
	gzip -dc "$tmp/exit/$name" | grep -qx "trigger $trigger" || fail "exit: $name is not from $trigger"
done
grep -q "; fragmentation: $tmp/exit/x.1.frag.gz\$" "$tmp/exit/stderr" ||
	fail "exit: the leak summary does not name the fragmentation report: $(cat "$tmp/exit/stderr")"
mkdir -p "$tmp/exit0"
(cd "$tmp/exit0" && env LD_PRELOAD="$lib" HEAPGUARD_OPTIONS="report=$tmp/exit0/x:frag=0" \
	"$probe" compact 10 >stdout 2>stderr)
[ "$(ls "$tmp/exit0" | grep -c 'frag\.gz$')" = 1 ] || fail "frag=0: a report at exit"

exit $((failures > 0))
