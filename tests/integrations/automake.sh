#!/bin/sh
# SPDX-License-Identifier: MIT
# automake integration (integrations/heapguard.am): a tiny automake project
# includes the fragment, and its `make -j2 check' runs each test under the
# launcher in one run directory: the planted double free and the planted
# leak are FAILs with heapguard's diagnostic and summary in their .log, the
# clean test passes, and the run holds the three tests' records.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need autoreconf automake autoconf make cc timeout
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES TESTS TEST_LOGS TEST_SUITE_LOG
PATH=$(dirname "$HG_BIN"):$PATH
export PATH

proj=$RUNS_TMP/proj
mkdir "$proj" || exit 99
cp "$top_srcdir"/tests/integrations/src/*.c "$top_srcdir/integrations/heapguard.am" "$proj/" || exit 99
cat >"$proj/configure.ac" <<'AC'
AC_INIT([planted], [1.0])
AM_INIT_AUTOMAKE([foreign -Wall -Werror])
AC_PROG_CC
AC_PATH_PROG([HEAPGUARD], [heapguard])
AM_CONDITIONAL([HAVE_HEAPGUARD], [test -n "$HEAPGUARD"])
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
cat >"$proj/Makefile.am" <<'AM'
check_PROGRAMS = tidy double_free leak
TESTS = $(check_PROGRAMS)
if HAVE_HEAPGUARD
include $(srcdir)/heapguard.am
endif
AM
cd "$proj" || exit 99
timeout 120 autoreconf -fi >autoreconf.log 2>&1 || runs_skip "autoreconf fails on the tiny project: $(tail -5 autoreconf.log)"
timeout 120 ./configure >configure.log 2>&1 || runs_skip "the tiny project does not configure: $(tail -5 configure.log)"
grep -q "^HEAPGUARD = $HG_BIN\$" Makefile || fail "configure did not find the launcher: $(grep '^HEAPGUARD =' Makefile)"

timeout 300 make -j2 check >check.out 2>&1
st=$?
[ $st -ne 0 ] || fail "make check passed with a planted double free and leak"
grep -q '^PASS: tidy$' check.out || fail "the clean test (tidy) did not pass: $(grep ': tidy' check.out)"
grep -q '^FAIL: double_free$' check.out || fail "the double free is not a FAIL: $(grep double_free check.out)"
grep -q '^FAIL: leak$' check.out || fail "the leak is not a FAIL: $(grep 'leak' check.out)"
grep -q '^# FAIL:  2$' check.out || fail "make check's totals: $(grep '^#' check.out)"
grep -q '^heapguard: double-free of 0x' double_free.log ||
	fail "double_free.log has no heapguard diagnostic: $(cat double_free.log)"
grep -q '^heapguard: 1 process, 1 heap error in 1 process (double-free at release); read it all: heapguard-report '"$proj"'/heapguard-run$' double_free.log ||
	fail "double_free.log has not the run's summary: $(tail -3 double_free.log)"
grep -q '^heapguard: 1 process, lost 100 bytes at 1 site in 1 process (make_lost_buffer); read it all: heapguard-report '"$proj"'/heapguard-run$' leak.log ||
	fail "leak.log has not the lost bytes and their site: $(tail -3 leak.log)"
# test-suite.log gathers the failing tests' logs: the diagnostics are there too
grep -q '^heapguard: double-free of 0x' test-suite.log || fail "test-suite.log has no diagnostic"
# one run directory, every test's record, nothing else (no launcher's part left)
n=$(cat heapguard-run/*.proc | grep -c '^heapguard-process ')
[ "$n" -eq 3 ] || fail "the run has $n records, not 3: $(ls -A heapguard-run)"
ls -A heapguard-run | grep -q '^\.heapguard-launch-' && fail "a launcher's part of the run is left: $(ls -A heapguard-run)"
"$HG_REPORT" heapguard-run >report.out 2>&1
grep -q 'make_lost_buffer' report.out || fail "heapguard-report of the run does not name make_lost_buffer: $(head -20 report.out)"

# the clean test alone: make check passes
timeout 120 make check TESTS=tidy >clean.out 2>&1 || fail "make check TESTS=tidy failed: $(cat clean.out)"
runs_done
