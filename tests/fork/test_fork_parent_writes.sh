#!/bin/sh
# SPDX-License-Identifier: MIT
# fork_parent_writes.c (see its first comment) at level=fast and
# level=full: a process that forks writes at most one page of heapguard's
# data at each fork, and none after it.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
prog=${top_builddir:-.}/tests/fork/fork_parent_writes
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
# the loader names it as LD_PRELOAD does; the version suffix may differ
name=$(basename "$HG_PRELOAD" | sed 's/\.so.*//')
fails=0
skips=0
for level in fast full; do
	env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="level=$level:report=$HG_REPORTS/hg.%p" \
		timeout -k 5 60 "$prog" "$name" >"$HG_TMP/out" 2>"$HG_TMP/err"
	st=$?
	sed "s/^/level=$level: /" "$HG_TMP/out"
	case $st in
	0) ;;
	77) skips=$((skips + 1)) ;;
	*)
		echo "FAIL: level=$level: exit status $st"
		tail -n 5 "$HG_TMP/err"
		fails=$((fails + 1))
		;;
	esac
done
[ $fails -eq 0 ] || exit 1
[ $skips -eq 0 ] || exit 77
