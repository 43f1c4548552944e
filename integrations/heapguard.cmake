# SPDX-License-Identifier: MIT
# heapguard.cmake: every test of a CMake project under heapguard(1), for
# ctest.  Installed as /usr/share/heapguard/heapguard.cmake; no change to the
# project is needed:
#
#   cmake -DCMAKE_PROJECT_INCLUDE=/usr/share/heapguard/heapguard.cmake ..
#   cmake --build . && ctest --output-on-failure
#
# (or include() it after project(), before the add_executable()s of the
# tests).  It makes heapguard the CROSSCOMPILING_EMULATOR of every executable
# target, which CTest puts in front of each add_test(NAME ... COMMAND target)
# whose command is a target:
#   heapguard --run-dir=<build>/Testing/heapguard-run <HEAPGUARD_FLAGS> -- test
# With the default flags a heap error is reported and the test goes on
# (check=1); a test that would pass but made a heap error or lost memory
# exits 1 and fails, with heapguard's diagnostic and its summary line (the
# lost bytes and their sites) in ctest's output and in
# Testing/Temporary/LastTest.log, and every test's processes in the one run
# directory under Testing/, read with `heapguard-report
# Testing/heapguard-run'.  The emulator also runs the targets that
# add_custom_command() runs at build time: set HEAPGUARD_FLAGS without the
# exit codes if a generator of the build leaks.
find_program(HEAPGUARD_EXECUTABLE heapguard)
set(HEAPGUARD_RUN_DIR "${CMAKE_BINARY_DIR}/Testing/heapguard-run"
    CACHE PATH "heapguard's run directory for the tests")
set(HEAPGUARD_FLAGS "--check=1;--error_exitcode=1;--leak_exitcode=1"
    CACHE STRING "heapguard's options for the tests (a ;-list)")
if(HEAPGUARD_EXECUTABLE)
  set(CMAKE_CROSSCOMPILING_EMULATOR
      "${HEAPGUARD_EXECUTABLE};--run-dir=${HEAPGUARD_RUN_DIR};${HEAPGUARD_FLAGS};--")
  message(STATUS "Tests run under heapguard: ${HEAPGUARD_EXECUTABLE} (run in ${HEAPGUARD_RUN_DIR})")
else()
  message(WARNING "heapguard.cmake: heapguard not found, the tests run without it")
endif()
