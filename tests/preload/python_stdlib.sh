#!/bin/sh
# SPDX-License-Identifier: MIT
# python3's own test suite for the modules that stress an allocator the
# most (threads, fork, subprocesses, signals, the garbage collector, mmap,
# ctypes) run under heapguard with its default checks, through regrtest.
# A module that fails under heapguard is run again on plain glibc: if it
# fails there too, the machine is the cause and the test is skipped.
# A failed test is first run again in the same regrtest (-w), as CPython's
# own CI does: test_signal's stress tests depend on thread timing and fail
# now and then on a loaded machine under glibc as well.
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -x /usr/bin/python3 ] || hg_skip "/usr/bin/python3 not installed"
py=/usr/bin/python3
"$py" -c 'import test.libregrtest' >/dev/null 2>&1 ||
	hg_skip "python's test package is missing (Debian: libpython3.11-testsuite)"
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
unset PYTHONSTARTUP PYTHONPATH
cd "$HG_TMP" || exit 99

modules="test_threading test_subprocess test_os test_signal test_gc test_weakref test_pickle test_mmap test_ctypes test_zlib"
HG_TIMEOUT=900
# Tests of child processes compare their stderr: no leak summary there.
HEAPGUARD_OPTIONS=leaks=0:frag=0 hg_exec hg "$py" -m test -j2 -q -w $modules >"$HG_TMP/hg.out" 2>&1
st=$?
if [ "$st" -eq 0 ]; then
	if grep -q "Re-running" "$HG_TMP/hg.out"; then
		echo "note: a test failed once under heapguard and passed when run again:"
		grep -A 12 -e "^test .* failed" "$HG_TMP/hg.out" | head -n 30
	fi
	tail -n 3 "$HG_TMP/hg.out"
	exit 0
fi
echo "python's regrtest failed under heapguard (status $st):"
tail -n 40 "$HG_TMP/hg.out"
hg_exec plain "$py" -m test -j2 -q -w $modules >"$HG_TMP/plain.out" 2>&1
st_plain=$?
if [ "$st_plain" -ne 0 ]; then
	echo "...and on plain glibc too (status $st_plain): not heapguard's doing"
	tail -n 10 "$HG_TMP/plain.out"
	exit 77
fi
echo "FAIL: these modules pass on plain glibc"
exit 1
