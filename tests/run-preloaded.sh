#!/bin/sh
# SPDX-License-Identifier: MIT
# LOG_COMPILER for the C test programs: runs the program under test (only
# it, never the harness) with LD_PRELOAD=$HEAPGUARD_LIB. Without
# HEAPGUARD_LIB the program runs on plain glibc, which is how the tests
# themselves are validated. Unit tests (tests/unit/) link the code they test
# and run without the preload.
set -u
[ $# -ge 1 ] || { echo "usage: $0 PROGRAM [ARGS...]" >&2; exit 99; }

case $1 in
*/unit/* | unit/*) exec "$@" ;;
esac

lib=${HEAPGUARD_LIB:-}
if [ -z "$lib" ]; then
	exec "$@"
fi
if [ ! -f "$lib" ]; then
	echo "ERROR: HEAPGUARD_LIB=$lib does not exist (build the library first)" >&2
	exit 99
fi
exec env LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" "$@"
