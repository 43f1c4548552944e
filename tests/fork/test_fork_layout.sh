#!/bin/sh
# SPDX-License-Identifier: MIT
# What a fork child touches of heapguard before it execs or exits, laid out
# to cost it few page faults (base/compiler.h): every fork handler within
# one 64 KiB stretch of code (the kernel maps a file's pages 64 KiB around
# the fault: one or two faults for all of them, where they were spread over
# 130 KiB, one per file's window), and the variables a child writes at
# fork in the one hg_fork_state section (one page copied, not one per
# file).
set -u
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] && [ -f "$lib" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
for t in nm readelf awk; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: no $t"; exit 77; }
done
fail=0

span=$(nm -n --defined-only "$lib" | awk '$3 ~ /_fork_(child|prepare|parent)$/ {
		v = 0
		for (i = 1; i <= length($1); i++)
			v = v * 16 + index("0123456789abcdef", substr($1, i, 1)) - 1
		if (n++ == 0) lo = v
		hi = v
	} END { printf "%d %d %d\n", n, lo, hi }')
set -- $span
if [ "$1" -lt 20 ]; then
	echo "FAIL: only $1 fork handlers found in $lib"
	fail=1
elif [ $(($3 - $2)) -ge 65536 ]; then
	echo "FAIL: the fork handlers span $(($3 - $2)) bytes of code, 64 KiB or more"
	nm -n --defined-only "$lib" | grep -E '_fork_(child|prepare|parent)$' | sed 's/^/    /'
	fail=1
fi

# the section index of hg_fork_state, then that of each variable
sec=$(readelf -SW "$lib" | sed -n 's/^ *\[ *\([0-9]*\)\] hg_fork_state .*/\1/p')
[ -n "$sec" ] || { echo "FAIL: no hg_fork_state section"; exit 1; }
for v in noted ring_inherited batch_inherited final_state fork_generation hg_generation; do
	got=$(readelf -sW "$lib" | awk -v v="$v" '$8 == v { print $7; exit }')
	[ "$got" = "$sec" ] || { echo "FAIL: $v is in section ${got:-?}, not hg_fork_state ($sec)"; fail=1; }
done
[ $fail = 0 ] && echo "PASS: fork layout ($1 handlers in $(($3 - $2)) bytes)"
exit $fail
