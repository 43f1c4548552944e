#!/bin/sh
# SPDX-License-Identifier: MIT
# own_code.c (see its first comment): heapguard's code and read-only data
# are all mapped when main starts, and a fork child maps them again in one
# call at its exit (seen under strace, when there is one).
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
prog=${top_builddir:-.}/tests/fork/own_code
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
# The kernel's MADV_POPULATE_READ came in Linux 5.14.
case $(uname -r) in
[0-4].* | 5.[0-9].* | 5.1[0-3].*) echo "SKIP: Linux $(uname -r) has no MADV_POPULATE_READ"; exit 77 ;;
esac
name=$(basename "$(readlink -f "$HG_PRELOAD")")
fails=0
for level in fast full; do
	env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="level=$level:report=$HG_REPORTS/hg.%p" \
		"$prog" "$name" >"$HG_TMP/out" 2>"$HG_TMP/err"
	st=$?
	echo "level=$level: $(cat "$HG_TMP/out")"
	[ $st -eq 0 ] || { echo "FAIL: level=$level: exit status $st"; fails=$((fails + 1)); }
done
if command -v strace >/dev/null 2>&1; then
	env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="report=$HG_REPORTS/hg.%p" \
		strace -f -qq -e trace=madvise -o "$HG_TMP/trace" "$prog" "$name" >/dev/null 2>&1
	# "PID madvise(ADDR, LEN, MADV_POPULATE_READ) = 0": the processes that made the call
	pids=$(grep 'MADV_POPULATE_READ' "$HG_TMP/trace" | awk '{ print $1 }' | sort -u | wc -l)
	echo "strace: $pids processes mapped heapguard's code in one call"
	if [ "$pids" -ne 2 ]; then
		echo "FAIL: the parent and its fork child should each map it (at start, at exit)"
		cat "$HG_TMP/trace"
		fails=$((fails + 1))
	fi
else
	echo "(no strace: the fork child's call is not checked)"
fi
[ $fails -eq 0 ]
