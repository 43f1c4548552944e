#!/bin/sh
# SPDX-License-Identifier: MIT
# What the walk at exit finds is named for it: a write into a block waiting
# in level=full's quarantine, and an overflow of a block never freed, both
# seen only at exit, say "at exit (heap check)" in their first line, not
# "in free()" or "in heapguard_check_heap()".  The programs are the guard
# corpus's (tests/guard/cases).
set -u
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
lib=${HEAPGUARD_LIB:-$top_builddir/.libs/libheapguard.so}
[ -f "$lib" ] || { echo "test_at_exit_op: no $lib" >&2; exit 99; }
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for case in write-after-free_at_exit heap-overflow_at_exit; do
	bin=$top_builddir/tests/guard/cases/$case
	[ -x "$bin" ] || { echo "test_at_exit_op: no $bin" >&2; exit 99; }
	(cd "$tmp" && HEAPGUARD_OPTIONS=level=full:leaks=0:frag=0 LD_PRELOAD=$lib \
		"$bin" >/dev/null 2>"$tmp/err")
	first=$(grep -m1 '^heapguard: [a-z-]* of 0x' "$tmp/err")
	case $first in
	*") at exit (heap check)" | *" at exit (heap check)")
		echo "PASS: $case: $first" ;;
	*)
		echo "FAIL: $case: first line: ${first:-none}"
		sed 's/^/    | /' "$tmp/err" | head -n 12
		status=1 ;;
	esac
done
exit $status
