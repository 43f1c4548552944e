#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard loads libunwind privately: a C++ program that throws across a
# shared library behaves the same under heapguard, _Unwind_RaiseException
# and backtrace still bind to libgcc_s and libc (LD_DEBUG=bindings), and
# libunwind's own pipe does not take the program's first descriptors.
. "${top_srcdir:-.}/tests/preload/common.sh"

command -v c++ >/dev/null 2>&1 || hg_skip "no C++ compiler"
src=$hg_srcdir/tests/stacks
c++ -O1 -fPIC -shared -o "$HG_TMP/libhgthrow.so" "$src/cxx_lib.cc" || exit 99
c++ -O1 -o "$HG_TMP/cxx_main" "$src/cxx_main.cc" -L"$HG_TMP" -lhgthrow \
	-Wl,-rpath,"$HG_TMP" || exit 99

plain=$("$HG_TMP/cxx_main") || { echo "FAIL: the program fails on plain glibc"; exit 1; }
[ -n "$HG_PRELOAD" ] || { echo "plain glibc: $plain"; exit 0; }
under=$(HEAPGUARD_OPTIONS=leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD "$HG_TMP/cxx_main") ||
	{ echo "FAIL: the program fails under heapguard: $under"; exit 1; }
if [ "$plain" != "$under" ]; then
	echo "FAIL: output differs: glibc '$plain', heapguard '$under'"
	exit 1
fi
echo "same output: $under"

HEAPGUARD_OPTIONS=leaks=0:frag=0 LD_DEBUG=bindings LD_DEBUG_OUTPUT=$HG_TMP/bind \
	LD_PRELOAD=$HG_PRELOAD "$HG_TMP/cxx_main" >/dev/null || exit 1
cat "$HG_TMP"/bind.* > "$HG_TMP/bindings"
status=0
for pair in "_Unwind_RaiseException libgcc_s.so" "backtrace libc.so"; do
	set -- $pair
	lines=$(grep "normal symbol \`$1'" "$HG_TMP/bindings")
	if [ -z "$lines" ]; then
		echo "FAIL: no binding of $1 recorded"
		status=1
	elif echo "$lines" | grep -v " to [^ ]*$2" >/dev/null; then
		echo "FAIL: $1 binds elsewhere than $2:"
		echo "$lines" | grep -v " to [^ ]*$2"
		status=1
	else
		echo "$1 -> $2"
	fi
done
if grep "libunwind" "$HG_TMP/bindings" | grep -v "binding file [^ ]*libunwind" |
	grep "to [^ ]*libunwind" >/dev/null; then
	echo "FAIL: the program or its libraries bind symbols to libunwind:"
	grep "to [^ ]*libunwind" "$HG_TMP/bindings" | grep -v "binding file [^ ]*libunwind" | head -5
	status=1
fi

# The first descriptor the program opens is 3, as on glibc.
lowfd=$(HEAPGUARD_OPTIONS=leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD python3 -c 'import os; print(os.open("/dev/null", os.O_RDONLY))' 2>/dev/null || echo skip)
case $lowfd in
3 | skip) echo "first descriptor: $lowfd" ;;
*) echo "FAIL: the program's first open() returned $lowfd, not 3"; status=1 ;;
esac

# No descriptor of libunwind's stays open in a single-threaded program.
if command -v python3 >/dev/null 2>&1; then
	list='import json, os; [json.dumps({"k": i}) for i in range(20000)]; print(sorted(os.listdir("/proc/self/fd")))'
	want=$(python3 -c "$list")
	got=$(HEAPGUARD_OPTIONS=leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD python3 -c "$list")
	if [ "$want" != "$got" ]; then
		echo "FAIL: open descriptors differ: glibc $want, heapguard $got"
		status=1
	else
		echo "open descriptors as on glibc: $got"
	fi
fi
exit $status
