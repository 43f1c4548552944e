#!/bin/sh
# SPDX-License-Identifier: MIT
# The stress program (stress.c) under level=fast and level=full: no error,
# no deadlock (a hang fails at the timeout instead of holding up CI), every
# block intact, heapguard_check_heap() clean, and a complete leak report
# with nothing lost.  The process being clean, it writes its reports only
# with clean_reports=1, which the runs set; its one heapguard line is then
# the one naming them.  Without HEAPGUARD_LIB it runs once on glibc.
# HG_STRESS_OPS sets the operation budget per run (work, not time).
HG_TIMEOUT=${HG_TIMEOUT:-600}
. "${top_srcdir:-.}/tests/preload/common.sh"

prog=${top_builddir:-.}/tests/stress/stress
# 4 million: about 20 s a level on two quiet cores (14 s for 3 million,
# measured in CI), so about 40 s for both.
ops=${HG_STRESS_OPS:-4000000}
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }

run() {
	level=$1
	rm -f "$HG_REPORTS"/*
	HEAPGUARD_OPTIONS=clean_reports=1${level:+:level=$level} hg_exec hg "$prog" "$ops" \
		>"$HG_TMP/out" 2>"$HG_TMP/err"
	st=$?
	cat "$HG_TMP/out"
	if [ $st -eq 124 ] || [ $st -eq 137 ]; then
		echo "FAIL: level=${level:-glibc}: still running after ${HG_TIMEOUT}s (deadlock?)"
		return 1
	fi
	if [ $st -ne 0 ] || ! grep -q '^stress: ' "$HG_TMP/out"; then
		echo "FAIL: level=${level:-glibc}: exit status $st; stderr:"
		tail -30 "$HG_TMP/err"
		return 1
	fi
	[ -n "$HG_PRELOAD" ] || return 0
	hg_check_reports || return 1
	# No heap error, no lost bytes: heapguard's only line names the reports.
	grep '^heapguard: ' "$HG_TMP/err" >"$HG_TMP/said"
	if [ "$(wc -l <"$HG_TMP/said")" != 1 ] ||
		! grep -q "^heapguard: reports written (clean_reports=1): heapguard-report $HG_REPORTS/hg\.stress\.[0-9]*\.leaks\.gz; fragmentation: $HG_REPORTS/hg\.stress\.[0-9]*\.frag\.gz\$" "$HG_TMP/said"; then
		echo "FAIL: level=$level: heapguard said:"
		head -30 "$HG_TMP/said"
		return 1
	fi
	if ! "${top_builddir:-.}/heapguard-report" --no-symbols "$HG_REPORTS"/*.leaks.gz \
		>"$HG_TMP/report.txt" 2>&1; then
		echo "FAIL: level=$level: the leak report shows lost bytes:"
		head -30 "$HG_TMP/report.txt"
		return 1
	fi
	echo "ok: level=$level"
}

if [ -z "$HG_PRELOAD" ]; then
	run "" || exit 1
	exit 0
fi
run fast || exit 1
run full || exit 1
exit 0
