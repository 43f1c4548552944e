#!/bin/sh
# SPDX-License-Identifier: MIT
# test_fork_reports at level=full: every child (forked while 8 threads
# churn) and every exec'd child wrote its own complete report, named with
# its own pid and saying so, which heapguard-report reads; the exec'd ones
# started fresh (their arguments and one 555-byte block); so did the parent.
. "${top_srcdir:-.}/tests/preload/common.sh"
prog=${top_builddir:-.}/tests/threads/test_fork_reports
reader=${top_builddir:-.}/heapguard-report
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
# clean_reports=1: the child's 777-byte block is lost, or reachable through
# a stale copy; either way this test reads the report it wrote.
HEAPGUARD_OPTIONS=level=full:clean_reports=1 hg_exec hg "$prog" >"$HG_TMP/out" 2>"$HG_TMP/err"
st=$?
if [ $st -ne 0 ]; then
	echo "FAIL: exit status $st"
	tail -20 "$HG_TMP/err"
	exit 1
fi
tail -1 "$HG_TMP/out"
[ -n "$HG_PRELOAD" ] || exit 0
hg_check_reports || exit 1
fails=0
while read -r word pid how; do
	[ "$word" = child ] || continue
	f=$HG_REPORTS/hg.test_fork_reports.$pid.leaks.gz
	if [ ! -f "$f" ]; then
		echo "FAIL: child $pid wrote no report"
		fails=$((fails + 1))
		continue
	fi
	zcat "$f" >"$HG_TMP/r"
	grep -q "^pid $pid\$" "$HG_TMP/r" || { echo "FAIL: $f: no 'pid $pid'"; fails=$((fails + 1)); }
	"$reader" --no-symbols --show=all "$f" >/dev/null 2>&1
	[ $? -le 1 ] || { echo "FAIL: heapguard-report cannot read $f"; fails=$((fails + 1)); }
	if [ "$how" = exec ]; then
		grep -q '^arg 1 exec$' "$HG_TMP/r" && grep -Eq '^site [a-z]+ [0-9]+ 1 555 555 555 ' "$HG_TMP/r" ||
			{ echo "FAIL: $f: not the exec'd program's fresh heap"; fails=$((fails + 1)); }
	else
		grep -Eq '^site [a-z]+ [0-9]+ 1 777 777 777 ' "$HG_TMP/r" ||
			{ echo "FAIL: $f: the child's block is missing"; fails=$((fails + 1)); }
	fi
done <"$HG_TMP/out"
n=$(grep -c '^child ' "$HG_TMP/out")
[ "$n" -gt 0 ] || { echo "FAIL: no child listed"; exit 1; }
[ $fails -eq 0 ] || exit 1
echo "ok: $n children's reports, each with its own pid"
