#!/bin/sh
# SPDX-License-Identifier: MIT
# Every way out (exit_ways.c), at level=full and level=fast: the exit
# status is the program's; exactly one leak report, complete, with this
# process's pid and status, named by exactly one summary line on stderr
# (heapguard(7)), read by heapguard-report with status 1 (the hidden block
# is lost) or 0 (nothing lost: return0, a clean process, which writes and
# prints nothing unless clean_reports=1); blocks the destructor or the
# at_quick_exit handler kept are in it (the report comes after them);
# threads allocating during and after the report, and an on_exit handler
# that runs after it (late_handler.c), are served correctly; _exit writes
# nothing; a heap error with check=3 or 2 writes the report before abort.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
prog=${top_builddir:-.}/tests/exit/exit_ways
late=${top_builddir:-.}/tests/exit/.libs/liblate_handler.so
reader=${top_builddir:-.}/heapguard-report
for f in "$prog" "$late" "$reader"; do
	[ -e "$f" ] || { echo "ERROR: $f is not built"; exit 99; }
done
fails=0
fail() {
	echo "FAIL: $case: $*"
	echo "--- stderr:"
	sed 's/^/    /' "$HG_TMP/err" | head -30
	fails=$((fails + 1))
}

# expect CASE OPTIONS STATUS REPORT_STATUS READER_STATUS [PRELOAD_EXTRA]:
# run exit_ways CASE; REPORT_STATUS is the report's status field ("-" for
# an abort) or "none" when no report may be written.
expect() {
	case=$1 opts=$2 want=$3 rstatus=$4 rreader=$5 extra=${6:-}
	rm -rf "$HG_REPORTS"
	mkdir "$HG_REPORTS"
	arg=${case%%/*}
	timeout -k 10 120 env LD_PRELOAD="$HG_PRELOAD${extra:+:$extra}" \
		HEAPGUARD_OPTIONS="report=$HG_REPORTS/hg.%p:$opts" \
		"$prog" "$arg" >"$HG_TMP/out" 2>"$HG_TMP/err"
	st=$?
	case="$case ($opts)"
	[ "$st" -eq "$want" ] || { fail "exit status $st, expected $want"; return; }
	if grep -q '^FAIL' "$HG_TMP/err"; then
		fail "an allocation failed"
		return
	fi
	pid=$(sed -n 's/^pid //p' "$HG_TMP/out")
	files=$(ls -A "$HG_REPORTS")
	if [ "$rstatus" = none ]; then
		[ -z "$files" ] || fail "wrote $files"
		grep -q heapguard "$HG_TMP/err" && fail "heapguard wrote to stderr"
		return
	fi
	[ "$files" = "hg.$pid.frag.gz
hg.$pid.leaks.gz" ] || { fail "report files '$files', expected hg.$pid.frag.gz and hg.$pid.leaks.gz"; return; }
	# The fragmentation report, written first, from the same end.
	zcat "$HG_REPORTS/hg.$pid.frag.gz" >"$HG_TMP/frag" || { fail "fragmentation report not gzip"; return; }
	tail -1 "$HG_TMP/frag" | grep -q '^end ' || fail "fragmentation report cut short"
	case $rstatus in
	-) grep -qx 'trigger error' "$HG_TMP/frag" || fail "fragmentation report: trigger is not error" ;;
	*) grep -qx 'trigger exit' "$HG_TMP/frag" && grep -qx "status $rstatus" "$HG_TMP/frag" ||
		fail "fragmentation report: not 'trigger exit' with 'status $rstatus'" ;;
	esac
	files=hg.$pid.leaks.gz
	f=$HG_REPORTS/$files
	# The one summary line: what was found (or, clean, that clean_reports=1
	# wrote the reports), then the reports it names.
	[ "$(grep -c '^heapguard: .*: heapguard-report ' "$HG_TMP/err")" -eq 1 ] ||
		fail "not exactly one summary line"
	names="heapguard-report $f; fragmentation: $HG_REPORTS/hg.$pid.frag.gz"
	case $arg in
	return0) what='reports written \(clean_reports=1\)' ;;
	double_free) what='1 heap error(, lost [0-9,]+ bytes in 1 block at 1 site)?' ;;
	*) what='lost [0-9,]+ bytes in 1 block at 1 site' ;;
	esac
	case $opts in
	level=fast*) [ "$arg" = return0 ] || names="$names(; no allocation stacks: they need level=full)?" ;;
	esac
	grep -Eqx "heapguard: $what: $names" "$HG_TMP/err" ||
		fail "no summary line 'heapguard: $what: $names'"
	zcat "$f" >"$HG_TMP/report" || { fail "not gzip"; return; }
	head -1 "$HG_TMP/report" | grep -q '^heapguard-leaks 3$' || fail "no format line"
	tail -1 "$HG_TMP/report" | grep -q '^end ' || fail "no end line (cut short?)"
	grep -q "^pid $pid\$" "$HG_TMP/report" || fail "no 'pid $pid' line"
	grep -q "^status $rstatus\$" "$HG_TMP/report" || fail "no 'status $rstatus' line"
	# level=fast groups every block of a kind into one site, stack 0.
	case $arg${opts%%:*} in
	return0level=full | returnlevel=full | exitlevel=full | atexitlevel=full | quick_exitlevel=full)
		grep -Eq '^site [a-z]+ [0-9]+ 1 4321 4321 4321 ' "$HG_TMP/report" ||
			fail "the block kept by the last handler is not in the report"
		;;
	esac
	"$reader" --no-symbols "$f" >"$HG_TMP/read" 2>&1
	rst=$?
	case "$rreader:$rst" in
	any:0 | any:1 | 0:0 | 1:1) ;;
	*) fail "heapguard-report exits $rst, expected $rreader" ;;
	esac
	echo "ok: $case: status $st, report $files"
}

for level in full fast; do
	# Nothing lost, no heap error: nothing written, nothing said, unless
	# clean_reports=1.
	expect return0 level=$level 3 none 0
	expect return0 level=$level:clean_reports=1 3 3 0
	expect return level=$level 3 3 1
	expect exit level=$level 4 4 1
	expect thread level=$level 5 5 1
	expect atexit level=$level 6 6 1
	expect quick_exit level=$level 7 7 1
	expect _exit level=$level 8 none 0
	expect double_free level=$level:check=3 134 - any
	grep -q '^heapguard: aborting (check=3)$' "$HG_TMP/err" || fail "no diagnostic"
	expect double_free/silent level=$level:check=2 134 - any
	# The handler runs after the report; its allocations must work.
	expect return/late level=$level 3 3 1 "$late"
	if ! sed -n '/^heapguard: .*: heapguard-report /,$p' "$HG_TMP/err" |
		grep -q '^late handler: 1000 of 1000 allocations intact, heap errors 0, exit status 3$'; then
		fail "the on_exit handler after the report did not run cleanly"
	fi
done
[ $fails -eq 0 ] || exit 1
exit 0
