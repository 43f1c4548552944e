#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs (run_dir=, heapguard(7) "RUNS OF MANY PROCESSES"): a relative
# run_dir is created 0700 with its parents; every process leaves
# PROG.PID.UNIQ.proc (16 hex digits, a new UNIQ in a fork child, whose
# record says fork 1), clean or not, complete and as heapguard-report(5)
# says; reports only with a finding, named after the record and listed in
# it; nothing outside the run directory, no temporary file left, nothing
# about lost bytes on stderr; quick_exit and an abort on a heap error
# (status -) leave a record; a skipped program leaves none.
. "$(dirname "$0")/common.sh"

recs() {
	ls "$T/w/run/sub"/*.proc 2>/dev/null | wc -l | tr -d ' '
}
# field KEY FILE: the rest of the line KEY ...
field() {
	sed -n "s/^$1 //p" "$2"
}

case="clean process in a run"
run_in "$T/w" "run_dir=run/sub"
[ "$st" -eq 0 ] || fail "status $st"
[ -s "$T/err" ] && fail "stderr not empty"
[ "$(stat -c %a "$T/w/run" 2>/dev/null)" = 700 ] || fail "run parent not 0700"
[ "$(stat -c %a "$T/w/run/sub" 2>/dev/null)" = 700 ] || fail "run dir not 0700"
[ "$(ls -A "$T/w")" = run ] || fail "files outside the run: $(ls -A "$T/w")"
[ "$(recs)" -eq 1 ] || fail "$(recs) records"
r=$(ls "$T/w/run/sub"/*.proc 2>/dev/null | head -1)
base=$(basename "$r")
echo "$base" | grep -Eq '^proc_prog\.[0-9]+\.[0-9a-f]{16}\.proc$' || fail "record name $base"
[ "$(ls -A "$T/w/run/sub" | wc -l)" -eq 1 ] || fail "more than the record: $(ls -A "$T/w/run/sub")"
if [ -n "$r" ]; then
	sed -n 1p "$r" | grep -qx 'heapguard-process 1' || fail "first line"
	tail -n 1 "$r" | grep -qx 'end' || fail "last line"
	keys=$(cut -d' ' -f1 "$r" | uniq | tr '\n' ' ')
	[ "$keys" = "heapguard-process version program arg pid ppid fork time level status exitcode errors lost indirect suppressed scanned end " ] ||
		fail "records: $keys"
	[ "$(field pid "$r")" = "$(echo "$base" | cut -d. -f2)" ] || fail "pid differs from the name"
	[ "$(field program "$r")" = "$prog" ] || fail "program $(field program "$r")"
	[ "$(field fork "$r")" = 0 ] || fail "fork $(field fork "$r")"
	[ "$(field status "$r")" = 0 ] && [ "$(field exitcode "$r")" = 0 ] || fail "status"
	[ "$(field lost "$r")" = "0 0" ] && [ "$(field errors "$r")" = 0 ] || fail "counts"
	[ "$(field scanned "$r")" = 1 ] || fail "scanned"
	[ "$(field level "$r")" = full ] || fail "level"
	field time "$r" | grep -Eq '^[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' || fail "time"
	[ "$(stat -c %a "$r")" = 600 ] || fail "record mode"
fi

case="leaking process in a run, leak_exitcode=5"
run_in "$T/w" "run_dir=run/sub:leak_exitcode=5" l
[ "$st" -eq 5 ] || fail "status $st"
[ -s "$T/err" ] && fail "stderr not empty in a run"
r=$(ls "$T/w/run/sub"/*.proc 2>/dev/null | head -1)
if [ -n "$r" ]; then
	p=$(basename "$r" .proc)
	[ "$(field lost "$r")" = "300 3" ] || fail "lost $(field lost "$r")"
	[ "$(field status "$r")" = 0 ] && [ "$(field exitcode "$r")" = 5 ] || fail "status/exitcode"
	[ "$(field report "$r" | tr '\n' ' ')" = "leaks $p.leaks.gz frag $p.frag.gz " ] || fail "report lines"
	[ -f "$T/w/run/sub/$p.leaks.gz" ] && [ -f "$T/w/run/sub/$p.frag.gz" ] || fail "reports missing"
	"$reader" "$T/w/run/sub/$p.leaks.gz" >/dev/null 2>&1
	[ $? -eq 1 ] || fail "the reader does not read the report"
else
	fail "no record"
fi
[ "$(ls -A "$T/w/run/sub" | wc -l)" -eq 3 ] || fail "files: $(ls -A "$T/w/run/sub")"

case="log= in a run gets the line"
run_in "$T/w" "run_dir=run/sub:log=$T/w/log" l
[ -s "$T/err" ] && fail "stderr not empty in a run"
grep -q '^heapguard: lost 300 bytes' "$T/w/log" 2>/dev/null || fail "no line in log="

case="fork child in a run"
run_in "$T/w" "run_dir=run/sub" f
[ "$(recs)" -eq 2 ] || fail "$(recs) records, 2 expected"
[ "$(cat "$T/w/run/sub"/*.proc | sed -n 's/^fork //p' | sort | tr '\n' ' ')" = "0 1 " ] || fail "fork generations"
[ "$(ls "$T/w/run/sub" | cut -d. -f3 | sort -u | wc -l)" -eq 2 ] || fail "UNIQ shared"

case="quick_exit in a run"
run_in "$T/w" "run_dir=run/sub" q
[ "$(recs)" -eq 1 ] || fail "$(recs) records"

case="death test (check=3) in a run"
run_in "$T/w" "run_dir=run/sub:check=3" d
[ "$st" -eq 134 ] || fail "status $st, 134 expected"
grep -q '^heapguard: double-free of' "$T/err" || fail "no diagnostic on stderr"
r=$(ls "$T/w/run/sub"/*.proc 2>/dev/null | head -1)
if [ -n "$r" ]; then
	[ "$(field status "$r")" = - ] && [ "$(field exitcode "$r")" = - ] || fail "status not -"
	[ "$(field errors "$r")" = 1 ] || fail "errors $(field errors "$r")"
else
	fail "no record"
fi

case="check=1 error in a run"
run_in "$T/w" "run_dir=run/sub:check=1:error_exitcode=41" d
[ "$st" -eq 41 ] || fail "status $st"
r=$(ls "$T/w/run/sub"/*.proc 2>/dev/null | head -1)
[ -n "$r" ] && [ "$(field errors "$r")" = 1 ] && [ "$(field exitcode "$r")" = 41 ] || fail "record"
gzip -dc "$T/w/run/sub"/*.leaks.gz 2>/dev/null | grep -q '^error double-free ' || fail "no error record"

case="skipped program in a run"
run_in "$T/w" "run_dir=run/sub:skip=proc_prog" l
[ "$(recs)" -eq 0 ] || fail "a skipped program left a record"
run_in "$T/w" "run_dir=run/sub:only=make,proc_prog" l
[ "$(recs)" -eq 1 ] || fail "a selected program left no record"

case="absolute run_dir, another cwd"
run_in "$T/w" "run_dir=$T/abs/run"
[ -z "$(ls -A "$T/w")" ] || fail "files in the cwd"
[ "$(ls "$T/abs/run"/*.proc 2>/dev/null | wc -l)" -eq 1 ] || fail "no record"

finish
