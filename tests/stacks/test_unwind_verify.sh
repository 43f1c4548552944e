#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard's fast unwinder (DWARF CFI rules, cached) must give exactly the
# frames libunwind gives: with unwind_verify=1 every capture is compared and
# a difference printed.  Programs without frame pointers (Debian's), with
# them, C++ exceptions, signal frames, threads and real programs (whose
# captures replay the frames they share with the capture before).
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
cc=${CC:-cc}
src=$hg_srcdir/tests/stacks
$cc -O2 -fomit-frame-pointer -pthread -o "$HG_TMP/shapes_nofp" "$src/unwind_shapes.c" || exit 99
$cc -O1 -fno-omit-frame-pointer -pthread -o "$HG_TMP/shapes_fp" "$src/unwind_shapes.c" || exit 99
status=0

# verify NAME CMD...: CMD runs under unwind_verify=1 without a difference.
verify() {
	name=$1
	shift
	HEAPGUARD_OPTIONS=leaks=0:unwind_verify=1 LD_PRELOAD=$HG_PRELOAD "$@" \
		>"$HG_TMP/$name.out" 2>"$HG_TMP/$name.err"
	if grep -q 'unwind_verify' "$HG_TMP/$name.err"; then
		echo "FAIL: $name: the fast unwinder and libunwind differ:"
		grep 'unwind_verify' "$HG_TMP/$name.err" | head -5
		status=1
	else
		echo "ok: $name"
	fi
}

verify shapes_nofp "$HG_TMP/shapes_nofp"
verify shapes_fp "$HG_TMP/shapes_fp"
if command -v c++ >/dev/null 2>&1; then
	c++ -O1 -fPIC -shared -o "$HG_TMP/libhgthrow.so" "$src/cxx_lib.cc" &&
		c++ -O1 -o "$HG_TMP/cxx_main" "$src/cxx_main.cc" -L"$HG_TMP" -lhgthrow \
			-Wl,-rpath,"$HG_TMP" &&
		verify cxx_exceptions "$HG_TMP/cxx_main"
fi
if [ -x /usr/bin/python3 ]; then
	verify python /usr/bin/python3 -c '
import json, threading, re
def work(n):
    for i in range(2000):
        json.loads(json.dumps({"k": [i, str(i) * (n + 1)], "r": re.findall("[0-9]+", str(i))}))
ts = [threading.Thread(target=work, args=(n,)) for n in range(3)]
[t.start() for t in ts]; work(5); [t.join() for t in ts]'
fi
if command -v gcc >/dev/null 2>&1; then
	verify gcc gcc -O2 -c -o "$HG_TMP/shapes.o" "$src/unwind_shapes.c"
fi
# sqlite3's mallocs and frees share most of their frames with the capture
# before (sqlite3_step, the parser): the walk replays those.
if command -v sqlite3 >/dev/null 2>&1; then
	awk 'BEGIN { print "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);"
		for (i = 0; i < 3000; i++) printf "INSERT INTO t VALUES (%d, \"v%d\");\n", i, i * 7
		print "CREATE INDEX tb ON t(b);"
		print "SELECT count(*), max(length(b)) FROM t WHERE b LIKE \"v1%\";"
		print "UPDATE t SET b = b || upper(b) WHERE a % 3 = 0;"
		print "DELETE FROM t WHERE a % 5 = 0;" }' >"$HG_TMP/t.sql"
	verify sqlite3 sqlite3 -batch :memory: ".read $HG_TMP/t.sql"
fi
if command -v perl >/dev/null 2>&1; then
	verify perl perl -e 'my %h; $h{$_ x 3} = [1 .. ($_ % 50)] for 1 .. 20000; print scalar(keys %h), "\n"'
fi
exit $status
