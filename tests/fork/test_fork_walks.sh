#!/bin/sh
# SPDX-License-Identifier: MIT
# fork_walks.c (see its first comment) at level=fast and level=full: a
# leak-free fork child's exit walks the loader's module list at most once.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
prog=${top_builddir:-.}/tests/fork/fork_walks
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
fails=0
for level in fast full; do
	env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="level=$level:report=$HG_REPORTS/hg.%p" \
		timeout -k 5 60 "$prog" 20 >"$HG_TMP/out" 2>"$HG_TMP/err"
	st=$?
	echo "level=$level: $(cat "$HG_TMP/out")"
	if [ $st -ne 0 ]; then
		echo "FAIL: level=$level: exit status $st"
		tail -n 5 "$HG_TMP/err"
		fails=$((fails + 1))
	fi
done
[ $fails -eq 0 ]
