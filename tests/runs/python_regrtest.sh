#!/bin/sh
# SPDX-License-Identifier: MIT
# Python's own test runner under the launcher at default options:
# `heapguard -- python3 -m test -j2 test_struct test_json test_bisect` passes
# (its workers talk JSON to it over their stdout and stderr, and it checks
# that no test leaves a file behind), prints what it prints without
# heapguard apart from timings and the launcher's final line, and leaves
# nothing in the current directory but the run directory.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need python3 timeout
python3 -c 'import test.libregrtest' 2>/dev/null ||
	runs_skip "Python's test suite is not installed (libpython3.11-testsuite)"
modules="test_struct test_json test_bisect"

# What differs between two runs of regrtest: times, load, the random seed,
# the order in which the two workers finish, the directory.
normalise() {
	sed -E -e 's/^[0-9]+:[0-9]{2}:[0-9]{2} (load avg: [0-9.]+ )?/T /' \
		-e 's/(Using random seed:) [0-9]+/\1 N/' \
		-e 's#\[[0-9]+/([0-9]+)(/[0-9]+)?\]#[K/\1]#' \
		-e 's/[0-9]+ min [0-9]+ sec/D/g' -e 's/[0-9]+(\.[0-9]+)? (sec|ms)/D/g' \
		-e "s#$RUNS_TMP/(plain|hg)#CWD#g" \
		-e '/^T running: /d' "$1" | LC_ALL=C sort
}

mkdir "$RUNS_TMP/plain" "$RUNS_TMP/hg" || exit 99
cd "$RUNS_TMP/plain" || exit 99
# shellcheck disable=SC2086 # the module list is split on purpose
timeout 120 python3 -m test -j2 $modules >../plain.out 2>../plain.err
st=$?
[ $st -eq 0 ] || runs_skip "regrtest fails without heapguard (status $st): $(tail -3 ../plain.out)"

cd "$RUNS_TMP/hg" || exit 99
listing . >../before
# shellcheck disable=SC2086
timeout 120 "$HG_BIN" -- python3 -m test -j2 $modules >../hg.out 2>../hg.err
st=$?
listing . >../after
[ $st -eq 0 ] || fail "regrtest under heapguard exited $st: $(tail -5 ../hg.out)"
split_summary ../hg.err
for stream in out err; do
	normalise "../plain.$stream" >"../plain.$stream.n"
	normalise "../hg.$stream" >"../hg.$stream.n"
	cmp -s "../plain.$stream.n" "../hg.$stream.n" ||
		fail "regrtest's std$stream differs under heapguard: $(diff "../plain.$stream.n" "../hg.$stream.n" | head -20)"
done
only_run_dir_new ../before ../after
runs_done
