#!/bin/sh
# SPDX-License-Identifier: MIT
# meson integration: a tiny meson project's tests under the launcher, both
# as `meson test --wrapper='heapguard ... --'` and through the test setup
# heapguard(7) documents (add_test_setup('heapguard', exe_wrapper: ...),
# `meson test --setup=heapguard`): the planted double free and leak fail
# with heapguard's diagnostic and summary in meson's test log, the clean
# test passes, and the run directory holds the three tests' records.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need meson ninja cc timeout
PATH=$(dirname "$HG_BIN"):$PATH
export PATH

proj=$RUNS_TMP/proj
mkdir "$proj" || exit 99
cp "$top_srcdir"/tests/integrations/src/*.c "$proj/" || exit 99
cat >"$proj/meson.build" <<'MESON'
project('planted', 'c')
heapguard = find_program('heapguard', required: false)
if heapguard.found()
  add_test_setup('heapguard',
    exe_wrapper: [heapguard, '--run-dir=' + meson.project_build_root() / 'heapguard-run',
                  '--check=1', '--error_exitcode=1', '--leak_exitcode=1', '--'])
endif
foreach t : ['tidy', 'double_free', 'leak']
  test(t, executable(t, t + '.c'))
endforeach
MESON
cd "$proj" || exit 99
timeout 120 meson setup build >setup.log 2>&1 || runs_skip "meson setup fails on the tiny project: $(tail -5 setup.log)"
timeout 120 ninja -C build >ninja.log 2>&1 || runs_skip "the tiny project does not build: $(tail -5 ninja.log)"

# check_log WHAT RUN: the last meson test's results and log, run in RUN
check_log() {
	# (named after the wrapper, or the setup)
	log=build/meson-logs/testlog-heapguard.txt
	grep -Eq '^ *[0-9]+/3 tidy +OK' "$1.out" || fail "$1: the clean test did not pass: $(grep tidy "$1.out")"
	grep -Eq '^ *[0-9]+/3 double_free +FAIL' "$1.out" || fail "$1: the double free is not a FAIL: $(grep double_free "$1.out")"
	grep -Eq '^ *[0-9]+/3 leak +FAIL' "$1.out" || fail "$1: the leak is not a FAIL: $(grep leak "$1.out")"
	grep -q '^heapguard: double-free of 0x' "$log" || fail "$1: no diagnostic in $log"
	grep -q "^heapguard: 1 process, 1 heap error in 1 process (double-free at release); read it all: heapguard-report $2\$" "$log" ||
		fail "$1: the double free's summary is not in $log: $(grep '^heapguard: [0-9]' "$log")"
	grep -q "^heapguard: 1 process, lost 100 bytes at 1 site in 1 process (make_lost_buffer); read it all: heapguard-report $2\$" "$log" ||
		fail "$1: the leak's summary is not in $log: $(grep '^heapguard: [0-9]' "$log")"
	n=$(cat "$2"/*.proc | grep -c '^heapguard-process ')
	[ "$n" -eq 3 ] || fail "$1: the run has $n records, not 3: $(ls -A "$2")"
}

# 1. meson test --wrapper
timeout 300 meson test -C build --wrapper="$HG_BIN --run-dir=$proj/wrapped --check=1 --error_exitcode=1 --leak_exitcode=1 --" \
	>wrapper.out 2>&1 && fail "meson test --wrapper passed with a planted double free and leak"
check_log wrapper "$proj/wrapped"

# 2. the test setup of meson.build
timeout 300 meson test -C build --setup=heapguard >setup.out 2>&1 &&
	fail "meson test --setup=heapguard passed with a planted double free and leak"
check_log setup "$proj/build/heapguard-run"

# 3. the clean test alone passes
timeout 120 meson test -C build --setup=heapguard tidy >tidy.out 2>&1 ||
	fail "meson test --setup=heapguard tidy failed: $(cat tidy.out)"
runs_done
