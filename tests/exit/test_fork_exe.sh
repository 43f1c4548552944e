#!/bin/sh
# SPDX-License-Identifier: MIT
# A fork child's reports name the program without reading /proc/self/exe:
# the parent read it once, before the first fork (tests/exit/fork_exe.c).
# Nor does a child bind any of heapguard's calls into libc lazily (the
# library is linked -z now: they were all bound when it was loaded).
set -u
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
lib=${HEAPGUARD_LIB:-$top_builddir/.libs/libheapguard.so}
[ -f "$lib" ] || { echo "test_fork_exe: no $lib" >&2; exit 99; }
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
bin=$top_builddir/tests/exit/fork_exe
[ -x "$bin" ] || { echo "test_fork_exe: no $bin" >&2; exit 99; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for level in fast full; do
	rm -f "$tmp"/*
	(cd "$tmp" && HEAPGUARD_OPTIONS=level=$level:report=$tmp/r.%p LD_PRELOAD=$lib \
		LD_DEBUG=bindings LD_DEBUG_OUTPUT=$tmp/ld \
		"$bin" "$tmp/readlinks" 3 >"$tmp/children" 2>"$tmp/err")
	rc=$?
	# LD_DEBUG's lines start with the pid; the children share the parent's file.
	for child in $(cat "$tmp/children"); do
		if cat "$tmp"/ld.* | grep "^ *$child:" | grep -q "binding file $lib"; then
			echo "FAIL: $level: child $child bound heapguard's calls lazily:"
			cat "$tmp"/ld.* | grep "^ *$child:" | grep "binding file $lib" | head -5 | sed 's/^/    | /'
			status=1
		fi
	done
	[ $rc = 0 ] || { echo "FAIL: $level: fork_exe exited with $rc"; sed 's/^/    | /' "$tmp/err"; status=1; continue; }
	[ "$(wc -l <"$tmp/children")" = 3 ] || { echo "FAIL: $level: not 3 children"; status=1; continue; }
	for child in $(cat "$tmp/children"); do
		report=$tmp/r.$child.leaks.gz
		if ! [ -f "$report" ]; then
			echo "FAIL: $level: child $child wrote no leak report"
			status=1
		elif ! gzip -dc "$report" | grep -qx "program $bin"; then
			echo "FAIL: $level: child $child's report does not name $bin:"
			gzip -dc "$report" | grep '^program' | sed 's/^/    | /'
			status=1
		elif grep -qx "$child" "$tmp/readlinks" 2>/dev/null; then
			echo "FAIL: $level: child $child read /proc/self/exe $(grep -cx "$child" "$tmp/readlinks") times"
			status=1
		else
			echo "PASS: $level: child $child's report names the program, not read again"
		fi
	done
done
exit $status
