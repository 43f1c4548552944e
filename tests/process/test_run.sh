#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs (run_dir=, heapguard(7) "RUNS OF MANY PROCESSES"): a relative
# run_dir is created 0700 with its parents; every process appends its
# record to the run's journal, processes.proc (0600), clean or not
# (a fork child's record says fork 1), complete, after an empty line, and
# as heapguard-report(5) says; reports only with a finding, named
# PROG.PID.UNIQ (16 hex digits, a new UNIQ in a fork child) and listed in
# the record; nothing outside the run directory, no temporary file left,
# nothing about lost bytes on stderr; quick_exit and an abort on a heap
# error (status -) leave a record; a skipped program leaves none; a journal
# that cannot be written (a symlink planted at its name is not followed)
# costs one line on stderr and not the status.
. "$(dirname "$0")/common.sh"

J=$T/w/run/sub/processes.proc
recs() {
	grep -c '^heapguard-process ' "$J" 2>/dev/null || echo 0
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
[ "$(ls -A "$T/w/run/sub")" = processes.proc ] || fail "more than the journal: $(ls -A "$T/w/run/sub")"
r=$J
if [ -f "$r" ]; then
	[ "$(sed -n 1p "$r")" = "" ] || fail "the record does not start after an empty line"
	sed -n 2p "$r" | grep -qx 'heapguard-process 1' || fail "first line"
	tail -n 1 "$r" | grep -qx 'end' || fail "last line"
	keys=$(sed 1d "$r" | cut -d' ' -f1 | uniq | tr '\n' ' ')
	[ "$keys" = "heapguard-process version program arg pid ppid fork time level status exitcode errors lost indirect suppressed scanned end " ] ||
		fail "records: $keys"
	field pid "$r" | grep -Eq '^[1-9][0-9]*$' || fail "pid $(field pid "$r")"
	[ "$(field program "$r")" = "$prog" ] || fail "program $(field program "$r")"
	[ "$(field fork "$r")" = 0 ] || fail "fork $(field fork "$r")"
	[ "$(field status "$r")" = 0 ] && [ "$(field exitcode "$r")" = 0 ] || fail "status"
	[ "$(field lost "$r")" = "0 0" ] && [ "$(field errors "$r")" = 0 ] || fail "counts"
	[ "$(field scanned "$r")" = 1 ] || fail "scanned"
	[ "$(field level "$r")" = full ] || fail "level"
	field time "$r" | grep -Eq '^[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' || fail "time"
	[ "$(stat -c %a "$r")" = 600 ] || fail "journal mode"
else
	fail "no journal"
fi

case="leaking process in a run, leak_exitcode=5"
run_in "$T/w" "run_dir=run/sub:leak_exitcode=5" l
[ "$st" -eq 5 ] || fail "status $st"
[ -s "$T/err" ] && fail "stderr not empty in a run"
r=$J
if [ -f "$r" ]; then
	p=$(field report "$r" | sed -n 's/^leaks \(.*\)\.leaks\.gz$/\1/p')
	echo "$p" | grep -Eq '^proc_prog\.[0-9]+\.[0-9a-f]{16}$' || fail "report name $p"
	[ "$(echo "$p" | cut -d. -f2)" = "$(field pid "$r")" ] || fail "pid differs from the reports' name"
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
run_in "$T/w" "run_dir=run/sub:clean_reports=1" f
[ "$(recs)" -eq 2 ] || fail "$(recs) records, 2 expected"
[ "$(sed -n 's/^fork //p' "$J" | sort | tr '\n' ' ')" = "0 1 " ] || fail "fork generations"
[ "$(ls "$T/w/run/sub" | grep '\.leaks\.gz$' | cut -d. -f3 | sort -u | wc -l)" -eq 2 ] || fail "UNIQ shared"

case="quick_exit in a run"
run_in "$T/w" "run_dir=run/sub" q
[ "$(recs)" -eq 1 ] || fail "$(recs) records"

case="death test (check=3) in a run"
run_in "$T/w" "run_dir=run/sub:check=3" d
[ "$st" -eq 134 ] || fail "status $st, 134 expected"
grep -q '^heapguard: double-free of' "$T/err" || fail "no diagnostic on stderr"
r=$J
if [ -f "$r" ]; then
	[ "$(field status "$r")" = - ] && [ "$(field exitcode "$r")" = - ] || fail "status not -"
	[ "$(field errors "$r")" = 1 ] || fail "errors $(field errors "$r")"
else
	fail "no record"
fi

case="check=1 error in a run"
run_in "$T/w" "run_dir=run/sub:check=1:error_exitcode=41" d
[ "$st" -eq 41 ] || fail "status $st"
r=$J
[ -f "$r" ] && [ "$(field errors "$r")" = 1 ] && [ "$(field exitcode "$r")" = 41 ] || fail "record"
gzip -dc "$T/w/run/sub"/*.leaks.gz 2>/dev/null | grep -q '^error double-free ' || fail "no error record"

case="skipped program in a run"
run_in "$T/w" "run_dir=run/sub:skip=proc_prog" l
[ "$(recs)" -eq 0 ] || fail "a skipped program left a record"
run_in "$T/w" "run_dir=run/sub:only=make,proc_prog" l
[ "$(recs)" -eq 1 ] || fail "a selected program left no record"

case="a journal that cannot be written"
mkdir -p "$T/sym/run"
ln -s "$T/sym/target" "$T/sym/run/processes.proc"
run_in "$T/w" "run_dir=$T/sym/run"
[ "$st" -eq 0 ] || fail "status $st"
[ ! -e "$T/sym/target" ] || fail "the journal's symlink was followed"
grep -qx "heapguard: cannot write the process record to $T/sym/run/processes.proc: Too many levels of symbolic links" "$T/err" ||
	fail "no line for the symlink"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one line"
: >"$T/sym/file"
run_in "$T/w" "run_dir=$T/sym/file/run"
[ "$st" -eq 0 ] || fail "status $st"
grep -qx "heapguard: cannot write the process record to $T/sym/file/run/processes.proc: Not a directory" "$T/err" ||
	fail "no line for a run directory under a file"

case="absolute run_dir, another cwd"
run_in "$T/w" "run_dir=$T/abs/run"
[ -z "$(ls -A "$T/w")" ] || fail "files in the cwd"
[ "$(grep -cx end "$T/abs/run/processes.proc" 2>/dev/null)" = 1 ] || fail "no record"

finish
