#!/bin/sh
# SPDX-License-Identifier: MIT
# What a fork child touches of heapguard before it execs or exits, laid out
# to cost it few page faults (base/compiler.h): every fork handler within
# one 64 KiB stretch of code (the kernel maps a file's pages 64 KiB around
# the fault: one or two faults for all of them, where they were spread over
# 130 KiB, one per file's window), and the variables a child writes at
# fork in the one hg_fork_state section (one page copied, not one per
# file).  Likewise the variables every process writes as it starts, in
# hg_start_state: an exec'd /bin/true faulted in seven pages of heapguard's
# .bss for them, one now.  And libheapguard.so needs no libz.so when
# configure linked zlib's archive into it (six faults fewer), and never
# exports a name of zlib's, which would take the program's own calls.
set -u
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] && [ -f "$lib" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
for t in nm readelf awk; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: no $t"; exit 77; }
done
fail=0

span=$(nm -n --defined-only "$lib" | awk '$3 ~ /_fork_(child|prepare|parent)$/ {
		v = 0
		for (i = 1; i <= length($1); i++)
			v = v * 16 + index("0123456789abcdef", substr($1, i, 1)) - 1
		if (n++ == 0) lo = v
		hi = v
	} END { printf "%d %d %d\n", n, lo, hi }')
set -- $span
if [ "$1" -lt 20 ]; then
	echo "FAIL: only $1 fork handlers found in $lib"
	fail=1
elif [ $(($3 - $2)) -ge 65536 ]; then
	echo "FAIL: the fork handlers span $(($3 - $2)) bytes of code, 64 KiB or more"
	nm -n --defined-only "$lib" | grep -E '_fork_(child|prepare|parent)$' | sed 's/^/    /'
	fail=1
fi

# the section index of each section, then that of each variable
in_section() { # SECTION VARIABLE...
	want=$1
	shift
	idx=$(readelf -SW "$lib" | sed -n "s/^ *\[ *\([0-9]*\)\] $want .*/\1/p")
	[ -n "$idx" ] || { echo "FAIL: no $want section"; fail=1; return; }
	for v in "$@"; do
		got=$(readelf -sW "$lib" | awk -v v="$v" '$8 == v { print $7; exit }')
		[ "$got" = "$idx" ] || { echo "FAIL: $v is in section ${got:-?}, not $want ($idx)"; fail=1; }
	done
}
in_section hg_fork_state noted ring_inherited batch_inherited final_state fork_generation \
	hg_generation stop scratch own nown fault hg_arena_list_lock
in_section hg_start_state hg_config hg_mp hg_ready hg_link_secret hg_main_arena \
	hg_region_first hg_region_heaps_seen hg_checksum_key init_lock
case ${HG_PRELOAD_ZLIB_LIBS:-} in
-Wl,*libz.a)
	if readelf -dW "$lib" | grep -q 'NEEDED.*libz\.so'; then
		echo "FAIL: $lib needs libz.so, though configure linked zlib's archive"
		fail=1
	fi ;;
esac
zsyms=$(nm -D --defined-only "$lib" | awk '$3 ~ /^(deflate|inflate|crc32|adler32|zlibVersion)/ { print $3 }')
[ -z "$zsyms" ] || { echo "FAIL: $lib exports zlib's names:" $zsyms; fail=1; }
[ $fail = 0 ] && echo "PASS: fork layout ($1 handlers in $(($3 - $2)) bytes)"
exit $fail
