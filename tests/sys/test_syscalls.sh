#!/bin/sh
# SPDX-License-Identifier: MIT
# The seed's lesson: malloc is not a system call. Many malloc/free pairs
# (1,000,000, or 4 GB worth of the size for large sizes: 100,000 of 40,000
# bytes, 20,000 of 200,000) may add at most 10 brk/mmap/munmap/mremap calls
# to those of the same program doing one pair (strace -c; the loader's own
# mappings cancel out),
# under LD_PRELOAD=$HEAPGUARD_LIB in each heapguard level and with
# MALLOC_PERTURB_. Skips (77) when strace is missing or ptrace is not
# permitted. bench/run.sh runs it too, with HG_SYSCALLS_SIZES="100" (the
# sizes to run, default all four) and HG_SYSCALLS_OTHERS="name=library ..."
# (other allocators, preloaded instead of heapguard: counted and printed,
# never judged).
set -u

builddir=${top_builddir:-.}
prog=$builddir/tests/sys/malloc_pairs
limit=10

command -v strace >/dev/null 2>&1 || { echo "SKIP: strace not installed"; exit 77; }
[ -x "$prog" ] || { echo "FAIL: $prog not built"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-sys.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
strace -f -o /dev/null true >/dev/null 2>&1 || { echo "SKIP: strace cannot trace here (ptrace not permitted)"; exit 77; }

preload=${HEAPGUARD_LIB:-}
if [ -n "$preload" ] && [ ! -f "$preload" ]; then
	echo "FAIL: HEAPGUARD_LIB=$preload does not exist"; exit 1
fi

# The modes: heapguard's levels once its option table has them (asked of
# the launcher), and glibc's perturb byte.
modes="HG_MODE=default MALLOC_PERTURB_=165"
if [ -n "$preload" ] && [ -x "${HEAPGUARD_BIN:-}" ] &&
	"$HEAPGUARD_BIN" --help-options 2>/dev/null | grep -q '^level[[:space:]]'; then
	modes="$modes HEAPGUARD_OPTIONS=level=fast HEAPGUARD_OPTIONS=level=full"
fi

# count_calls N SIZE VAR=VALUE [LIBRARY]: memory-management syscalls of one
# run, with LIBRARY (default $preload) preloaded
count_calls() {
	out=$tmp/strace.$1.$2
	lib=${4-$preload}
	# heapguard's leak reports go to the scratch directory
	case $3 in
	HEAPGUARD_OPTIONS=*) hgopts="$3:report=$tmp/hg.%p" ;;
	*) hgopts="HEAPGUARD_OPTIONS=report=$tmp/hg.%p" ;;
	esac
	if [ -n "$lib" ]; then
		strace -f -c -o "$out" -E LD_PRELOAD="$lib" -E "$3" -E "$hgopts" \
			-e trace=brk,mmap,munmap,mremap "$prog" "$1" "$2" >/dev/null || return 1
	else
		strace -f -c -o "$out" -E "$3" -e trace=brk,mmap,munmap,mremap \
			"$prog" "$1" "$2" >/dev/null || return 1
	fi
	# columns: % time, seconds, usecs/call, calls, [errors], syscall
	awk '$NF ~ /^(brk|mmap|munmap|mremap)$/ { n += $4 } END { print n + 0 }' "$out"
}

sizes=${HG_SYSCALLS_SIZES:-100 1000 40000 200000}
# pairs SIZE: how many pairs a run makes. A call every K pairs shows for
# any K up to a tenth of it; past 4 GB the fills of MALLOC_PERTURB_ and
# level=full (each pair writes the block twice) made this test take a
# quarter of an hour, for nothing a smaller count misses.
pairs() {
	n=$((4000000000 / $1))
	[ "$n" -gt 1000000 ] && n=1000000
	echo "$n"
}
status=0
for opts in $modes; do
	for size in $sizes; do
		small=$(count_calls 1 $size "$opts") || { echo "FAIL: run with N=1 size=$size failed"; exit 1; }
		n=$(pairs $size)
		big=$(count_calls $n $size "$opts") || { echo "FAIL: run with N=$n size=$size failed"; exit 1; }
		echo "$opts size=$size: N=1 -> $small calls, N=$n -> $big calls"
		if [ "$big" -gt $((small + limit)) ]; then
			echo "FAIL: $n malloc($size)/free pairs made $((big - small)) extra brk/mmap/munmap/mremap calls (limit $limit)"
			sed 's/^/    /' "$tmp/strace.$n.$size"
			status=1
		fi
	done
done
# Other allocators, for comparison only; "name=library" words.
for other in ${HG_SYSCALLS_OTHERS:-}; do
	for size in $sizes; do
		small=$(count_calls 1 $size HG_MODE=other "${other#*=}") || { echo "${other%%=*}: run failed"; continue; }
		n=$(pairs $size)
		big=$(count_calls $n $size HG_MODE=other "${other#*=}") || { echo "${other%%=*}: run failed"; continue; }
		echo "${other%%=*} size=$size: N=1 -> $small calls, N=$n -> $big calls (not judged)"
	done
done
exit $status
