#!/bin/sh
# SPDX-License-Identifier: MIT
# A process outside a run (heapguard(7), "EXIT SUMMARY"): a clean one
# prints nothing and writes nothing; one that leaks prints exactly one line
# and writes its reports; the line still gets out after the program closed
# stderr; log= expands %p and gets the line; report=DIR/ writes
# DIR/heapguard.PROG.PID.*; a double free under check=1 with
# error_exitcode=41 exits 41 and the leak report lists the error even with
# no leak; suppressions= take a leak out of the line and the exit status and
# mark it in the report; a bad suppressions file is one line, never a crash;
# skip= leaves a program alone; clean_reports=1 writes a clean process's
# reports; heapguard keeps no descriptor of its own open.
. "$(dirname "$0")/common.sh"

case="clean process"
run_in "$T/w" ""
[ "$st" -eq 0 ] || fail "status $st"
[ -s "$T/err" ] && fail "stderr not empty"
[ -z "$(ls -A "$T/w")" ] || fail "files written: $(ls -A "$T/w")"

case="clean process, quick_exit"
run_in "$T/w" "" q
[ "$st" -eq 0 ] && [ ! -s "$T/err" ] && [ -z "$(ls -A "$T/w")" ] || fail "not silent"

case="leaking process"
run_in "$T/w" "" l
[ "$st" -eq 0 ] || fail "status $st"
[ "$(lines "$T/err")" -eq 1 ] || fail "$(lines "$T/err") lines on stderr, 1 expected"
grep -q '^heapguard: lost 300 bytes in 3 blocks at 1 site: heapguard-report \./heapguard\.proc_prog\.[0-9]*\.leaks\.gz; fragmentation: ' "$T/err" ||
	fail "unexpected summary line"
ls "$T/w"/heapguard.proc_prog.*.leaks.gz >/dev/null 2>&1 || fail "no leak report"
ls "$T/w"/heapguard.proc_prog.*.frag.gz >/dev/null 2>&1 || fail "no fragmentation report"
[ "$(ls -A "$T/w" | wc -l)" -eq 2 ] || fail "other files: $(ls -A "$T/w")"
"$reader" "$T/w"/heapguard.proc_prog.*.leaks.gz >"$T/out" 2>&1
grep -q proc_leak_site "$T/out" || fail "the report does not show the site"

case="leak after fclose(stderr)"
run_in "$T/w" "" cl
[ "$st" -eq 0 ] || fail "status $st"
grep -q '^heapguard: lost 300 bytes' "$T/err" || fail "the summary line did not get out"
[ "$(lines "$T/err")" -eq 1 ] || fail "$(lines "$T/err") lines"

case="fclose(stderr) on a pipe ends the pipe"
# glibc's tst-malloc-stats-cancellation reads stderr's pipe to its end.
run_in "$T/w" "" p
[ "$st" -eq 0 ] && [ "$(cat "$T/out")" = eof ] || fail "status $st, stdout '$(cat "$T/out")'"

case="no descriptor of heapguard's own"
# Python's test_subprocess checks the exact set a child has open.
run_in "$T/w" "" o
sort -n "$T/out" >"$T/fds.hg"
(cd "$T/w" && "$prog" o) | sort -n >"$T/fds.plain"
cmp -s "$T/fds.hg" "$T/fds.plain" ||
	fail "open descriptors $(tr '\n' ' ' <"$T/fds.hg")differ from $(tr '\n' ' ' <"$T/fds.plain")"

case="log=%p"
run_in "$T/w" "log=$T/w/log.%p.%%:leaks=1" l
pid=$(sed -n 's/.*heapguard\.proc_prog\.\([0-9]*\)\.leaks\.gz.*/\1/p' "$T/err")
[ -n "$pid" ] || fail "no pid in the summary"
[ -f "$T/w/log.$pid.%" ] || fail "no log.$pid.% (have: $(ls -A "$T/w"))"
[ -f "$T/w/log.$pid.%" ] && { cmp -s "$T/err" "$T/w/log.$pid.%" || fail "the log is not the summary line"; }
[ "$(stat -c %a "$T/w/log.$pid.%" 2>/dev/null)" = 600 ] || fail "log mode not 0600"

case="report=DIR/"
mkdir -p "$T/reports"
run_in "$T/w" "report=$T/reports/" l
ls "$T/reports"/heapguard.proc_prog.*.leaks.gz >/dev/null 2>&1 || fail "no DIR/heapguard.proc_prog.PID.leaks.gz ($(ls -A "$T/reports"))"
[ -z "$(ls -A "$T/w")" ] || fail "files in the current directory"
ls -A "$T/reports" | grep -q '^\.' && fail "hidden files in DIR"
rm -rf "$T/reports"

case="double free, check=1, error_exitcode=41"
run_in "$T/w" "check=1:error_exitcode=41" d
[ "$st" -eq 41 ] || fail "status $st, 41 expected"
grep -q '^heapguard: double-free of ' "$T/err" || fail "no diagnostic"
grep -q '^heapguard: 1 heap error: heapguard-report .*; exit status 41 instead of 0 (error_exitcode)$' "$T/err" ||
	fail "no summary line for the error"
f=$(ls "$T/w"/*.leaks.gz 2>/dev/null)
if [ -n "$f" ]; then
	gzip -dc "$f" >"$T/rep"
	grep -q '^heapguard-leaks 3$' "$T/rep" || fail "not format 3"
	grep -q '^errors 1 1$' "$T/rep" || fail "no 'errors 1 1'"
	grep -q '^error double-free 0x[0-9a-f]* [1-9][0-9]* [1-9][0-9]* [1-9][0-9]* double-free of 0x' "$T/rep" ||
		fail "no error record with its three stacks"
	grep -q '^totals 0 0 0 0 ' "$T/rep" || fail "leaks in a process without"
else
	fail "no leak report"
fi

case="double free, check=0: still counted"
run_in "$T/w" "check=0:error_exitcode=42" d
[ "$st" -eq 42 ] || fail "status $st, 42 expected"
grep -q 'double-free of' "$T/err" && fail "check=0 printed the diagnostic"

case="leak_exitcode"
run_in "$T/w" "leak_exitcode=3" l
[ "$st" -eq 3 ] || fail "status $st, 3 expected"

printf '# a comment\n\ncalled_from_lib:libfoo.so\nleak:proc_suppressed_s*te\n' >"$T/supp"
case="suppressed leak"
run_in "$T/w" "leak_exitcode=3:suppressions=$T/supp" s
[ "$st" -eq 0 ] || fail "status $st, 0 expected (suppressed)"
[ -s "$T/err" ] && fail "a summary line for a suppressed leak"
[ -z "$(ls -A "$T/w")" ] || fail "reports for a suppressed leak only"
run_in "$T/w" "leak_exitcode=3:suppressions=$T/supp:clean_reports=1" s
f=$(ls "$T/w"/*.leaks.gz 2>/dev/null)
if [ -n "$f" ]; then
	gzip -dc "$f" >"$T/rep"
	grep -q '^site lost [0-9]* 1 64 64 64 1 suppressed=proc_suppressed_s\*te$' "$T/rep" || fail "site not marked"
	grep -q '^suppressed 64 1$' "$T/rep" || fail "no 'suppressed 64 1'"
else
	fail "clean_reports=1 wrote no leak report"
fi

case="suppressed and unsuppressed leaks"
run_in "$T/w" "leak_exitcode=3:suppressions=$T/supp" sl
[ "$st" -eq 3 ] || fail "status $st, 3 expected"
grep -q '^heapguard: lost 300 bytes in 3 blocks at 1 site' "$T/err" || fail "the suppressed leak counted"

case="bad suppressions file"
printf 'leak:ok\nnonsense\n' >"$T/bad"
run_in "$T/w" "suppressions=$T/bad" l
[ "$st" -eq 0 ] || fail "status $st"
grep -q "^heapguard: suppressions=$T/bad:2: not TYPE:PATTERN; no leak is suppressed$" "$T/err" || fail "no warning line"
run_in "$T/w" "suppressions=$T/nonexistent" l
grep -q "^heapguard: suppressions=$T/nonexistent: " "$T/err" || fail "no warning for a missing file"
run_in "$T/w" "suppressions=$T" l
[ "$st" -eq 0 ] && grep -q "not a regular file" "$T/err" || fail "a directory"

case="skip="
run_in "$T/w" "skip=proc_*:leak_exitcode=3" l
[ "$st" -eq 0 ] && [ ! -s "$T/err" ] && [ -z "$(ls -A "$T/w")" ] || fail "a skipped program reported"
run_in "$T/w" "only=*/tests/process/proc_prog:leak_exitcode=3" l
[ "$st" -eq 3 ] || fail "only= with a path did not select it"
run_in "$T/w" "only=sh,bash:check=3" d
[ "$st" -eq 134 ] && grep -q 'double-free of' "$T/err" || fail "a skipped program's heap error was not reported and fatal"

case="clean_reports=1"
run_in "$T/w" "clean_reports=1"
ls "$T/w"/*.leaks.gz "$T/w"/*.frag.gz >/dev/null 2>&1 || fail "no reports"

finish
