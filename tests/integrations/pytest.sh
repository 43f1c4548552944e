#!/bin/sh
# SPDX-License-Identifier: MIT
# pytest integration (integrations/heapguard_pytest.py): a tiny Python
# package with a C extension, built here with the system compiler against
# Debian's python3, tested by Debian's pytest under the launcher.  The test
# that makes the planted double free fails in pytest's own report with
# heapguard's diagnostic; the planted leak is named (make_lost_buffer, the
# extension's) in the run's summary and fails the session (leak_exitcode);
# the clean test alone gives a clean run: the interpreter's own allocations
# are no finding.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need cc timeout
py=/usr/bin/python3
[ -x "$py" ] || runs_skip "no $py"
"$py" -c 'import pytest' 2>/dev/null || runs_skip "no pytest for $py (apt-get install python3-pytest)"
inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])') || exit 99
suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))') || exit 99
[ -r "$inc/Python.h" ] || runs_skip "no $inc/Python.h (apt-get install python3-dev)"

pkg=$RUNS_TMP/pkg
mkdir "$pkg" || exit 99
cp "$top_srcdir/tests/integrations/python/test_planted.py" "$pkg/" || exit 99
cc -shared -fPIC -g -I"$inc" -o "$pkg/planted$suffix" "$top_srcdir/tests/integrations/python/planted.c" \
	2>"$RUNS_TMP/cc.err" || runs_skip "the extension does not build: $(cat "$RUNS_TMP/cc.err")"
cd "$RUNS_TMP" || exit 99
PYTHONPATH=$top_srcdir/integrations:$pkg
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE
# pytest_run RUN EXTRA...: the package's tests under heapguard, into RUN.out
pytest_run() {
	run=$1
	shift
	timeout 300 "$HG_BIN" --run-dir="$RUNS_TMP/$run" --check=1 --error_exitcode=1 --leak_exitcode=3 -- \
		"$py" -m pytest -p heapguard_pytest -p no:cacheprovider -rA "$@" "$pkg" >"$run.out" 2>&1
}

# 1. the three tests
pytest_run all
st=$?
[ $st -eq 1 ] || fail "pytest with a planted double free exited $st, not 1: $(tail -5 all.out)"
grep -q "^heapguard: preloaded, run directory $RUNS_TMP/all/" all.out || fail "the plugin's header is missing: $(head -5 all.out)"
grep -q '^PASSED .*test_planted.py::test_tidy$' all.out || fail "test_tidy did not pass: $(grep test_tidy all.out)"
grep -q '^FAILED .*test_planted.py::test_double_free$' all.out && grep -q '^heapguard found 1 heap error in call:$' all.out ||
	fail "test_double_free did not fail through the plugin: $(grep test_double_free all.out)"
grep -q 'ERROR' all.out && fail "pytest reports an ERROR: $(grep ERROR all.out)"
grep -q '^heapguard: double-free of 0x' all.out || fail "no diagnostic in pytest's output"
last=$(tail -n 1 all.out)
case $last in
"heapguard: 1 process, 1 heap error in 1 process (double-free at release), lost 100 bytes at 1 site in 1 process (make_lost_buffer); read it all: heapguard-report $RUNS_TMP/all") ;;
*) fail "the run's summary: '$last'" ;;
esac

# 2. the leak alone: pytest passes, the session fails by leak_exitcode
pytest_run leak -k test_leak
st=$?
[ $st -eq 3 ] || fail "pytest -k test_leak exited $st, not 3 (leak_exitcode): $(tail -5 leak.out)"
grep -q '^PASSED .*test_planted.py::test_leak$' leak.out || fail "test_leak itself did not pass: $(grep test_leak leak.out)"
case $(tail -n 1 leak.out) in
"heapguard: 1 process"*"lost 100 bytes at 1 site in 1 process (make_lost_buffer)"*) ;;
*) fail "the leak's summary: '$(tail -n 1 leak.out)'" ;;
esac

# 3. the clean test alone: a clean run (the interpreter and pytest find nothing)
pytest_run tidy -k test_tidy
st=$?
[ $st -eq 0 ] || fail "pytest -k test_tidy exited $st: $(tail -5 tidy.out)"
case $(tail -n 1 tidy.out) in
"heapguard: 1 process, all clean; read it all: heapguard-report $RUNS_TMP/tidy") ;;
*) fail "the clean run's summary: '$(tail -n 1 tidy.out)'" ;;
esac
runs_done
