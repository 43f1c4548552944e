#!/bin/sh
# SPDX-License-Identifier: MIT
# CMake/CTest integration (integrations/heapguard.cmake, given to an
# unchanged project as CMAKE_PROJECT_INCLUDE): ctest runs each test under
# the launcher: the planted double free and leak fail with heapguard's
# diagnostic and summary in ctest's output and Testing/Temporary/LastTest.log,
# the clean test passes, and the run under Testing/ holds the three records.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need cmake ctest make cc timeout
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
PATH=$(dirname "$HG_BIN"):$PATH
export PATH

proj=$RUNS_TMP/proj
mkdir "$proj" || exit 99
cp "$top_srcdir"/tests/integrations/src/*.c "$proj/" || exit 99
cat >"$proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.15)
project(planted C)
enable_testing()
foreach(t tidy double_free leak)
  add_executable(${t} ${t}.c)
  add_test(NAME ${t} COMMAND ${t})
endforeach()
CMAKE
mkdir "$proj/build" && cd "$proj/build" || exit 99
timeout 120 cmake -DCMAKE_PROJECT_INCLUDE="$top_srcdir/integrations/heapguard.cmake" .. >cmake.log 2>&1 ||
	runs_skip "cmake fails on the tiny project: $(tail -5 cmake.log)"
grep -q "Tests run under heapguard: $HG_BIN" cmake.log || fail "heapguard.cmake did not find the launcher: $(cat cmake.log)"
timeout 120 cmake --build . >build.log 2>&1 || runs_skip "the tiny project does not build: $(tail -5 build.log)"

timeout 300 ctest --output-on-failure -j2 >ctest.out 2>&1 && fail "ctest passed with a planted double free and leak"
run=$proj/build/Testing/heapguard-run
log=Testing/Temporary/LastTest.log
grep -Eq 'Test +#[0-9]+: tidy \.+ +Passed' ctest.out || fail "the clean test did not pass: $(grep tidy ctest.out)"
grep -Eq 'Test +#[0-9]+: double_free \.+\*\*\*Failed' ctest.out || fail "the double free did not fail: $(grep double_free ctest.out)"
grep -Eq 'Test +#[0-9]+: leak \.+\*\*\*Failed' ctest.out || fail "the leak did not fail: $(grep leak ctest.out)"
for out in ctest.out "$log"; do
	grep -q '^heapguard: double-free of 0x' "$out" || fail "no diagnostic in $out"
	grep -q "^heapguard: 1 process, 1 heap error in 1 process (double-free at release); read it all: heapguard-report $run\$" "$out" ||
		fail "the double free's summary is not in $out: $(grep '^heapguard: [0-9]' "$out")"
	grep -q "^heapguard: 1 process, lost 100 bytes at 1 site in 1 process (make_lost_buffer); read it all: heapguard-report $run\$" "$out" ||
		fail "the leak's summary is not in $out: $(grep '^heapguard: [0-9]' "$out")"
done
n=$(cat "$run"/*.proc | grep -c '^heapguard-process ')
[ "$n" -eq 3 ] || fail "the run has $n records, not 3: $(ls -A "$run")"
timeout 120 ctest -R tidy >tidy.out 2>&1 || fail "ctest -R tidy failed: $(cat tidy.out)"
runs_done
