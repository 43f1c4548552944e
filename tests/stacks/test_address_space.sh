#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard's address space grows with use: after its first allocation a
# process has at most 16 MiB more than on glibc (VmSize), at either level,
# and under a 64 MiB RLIMIT_AS a loop of posix_memalign(128, 512) gets
# within 10% of glibc's count (the stack depot reserved 600 MB at its
# first stack, which left such a program almost nothing).
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
${CC:-cc} -O1 -o "$HG_TMP/address_space" "$hg_srcdir/tests/stacks/address_space.c" || exit 99
glibc=$("$HG_TMP/address_space") || { echo "FAIL: the program fails on glibc"; exit 1; }
echo "glibc: $glibc"
status=0
for level in fast full; do
	got=$(HEAPGUARD_OPTIONS=level=$level:leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD \
		"$HG_TMP/address_space") || { echo "FAIL: the program fails at level=$level"; exit 1; }
	echo "level=$level: $got"
	awk -v g="$glibc" -v h="$got" 'BEGIN {
		split(g, a, /[= ]/); split(h, b, /[= ]/)
		if (b[2] > a[2] + 16384) { print "FAIL: VmSize " b[2] " KiB, glibc " a[2] " KiB + 16 MiB"; exit 1 }
		if (b[4] < a[4] * 0.9) { print "FAIL: " b[4] " allocations, under 90% of glibc'"'"'s " a[4]; exit 1 }
	}' || status=1
done
exit $status
