#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates tests/leaks/expected.txt from Valgrind memcheck: builds every
# program of the corpus at -O0 -g (or takes them from -b DIR), runs each under
# memcheck and records lost / indirect / reachable per allocating function.
# usage: valgrind-expected.sh [-b BINDIR] [-o OUTPUT|-]   (default: expected.txt)
#
# Mapping of Valgrind's kinds to heapguard's:
#   definitely lost -> lost       indirectly lost -> indirect
#   still reachable -> reachable  possibly lost   -> reachable
# "Possibly lost" blocks are those reached only through interior pointers;
# heapguard's scan counts an interior pointer as a reference (as LeakSanitizer
# does), so they are reachable for it.  Such lines carry a comment.
#
# memcheck runs with --run-libc-freeres=no and --run-cxx-freeres=no so that it
# sees the heap as it is when the process exits, which is what heapguard
# scans (the freeres hooks would free glibc's and libstdc++'s own blocks).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bindir=
out=$here/expected.txt
while getopts b:o: opt; do
	case $opt in
	b) bindir=$(cd "$OPTARG" && pwd) ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-b BINDIR] [-o OUTPUT|-]" >&2; exit 2 ;;
	esac
done

command -v valgrind >/dev/null || { echo "$0: valgrind is not installed" >&2; exit 1; }
: "${CC:=cc}"
: "${CXX:=c++}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hg-vgexp.XXXXXX")
trap 'rm -rf "$work"' EXIT

progs=$(cd "$here" && ls lk_*.c lk_*.cc | sort)
{
	echo "# SPDX-License-Identifier: MIT"
	echo "# Expected leak reports of the tests/leaks corpus, as Valgrind memcheck"
	echo "# ($(valgrind --version)) reports them; regenerate with valgrind-expected.sh."
	echo "#   PROG KIND FUNCTION BLOCKS BYTES   per allocating function of the program"
	echo "#   PROG total KIND BYTES BLOCKS      exact totals of the whole process"
} >"$work/expected.txt"

for src in $progs; do
	prog=${src%.*}
	if [ -n "$bindir" ] && [ -x "$bindir/$prog" ]; then
		bin=$bindir/$prog
	else
		bin=$work/$prog
		case $src in
		*.cc) $CXX -O0 -g -o "$bin" "$here/$src" ;;
		*) $CC -std=gnu11 -O0 -g -pthread -o "$bin" "$here/$src" ;;
		esac
	fi
	mkdir "$work/$prog.logs"
	valgrind --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=none --run-libc-freeres=no \
		--run-cxx-freeres=no --num-callers=40 --error-exitcode=99 \
		--log-file="$work/$prog.logs/%p.log" "$bin" >"$work/$prog.out" &
	pid=$!
	rc=0
	wait $pid || rc=$?
	if [ $rc -ne 0 ]; then
		echo "$0: $prog exited with $rc under valgrind (99: memory errors):" >&2
		cat "$work/$prog.logs"/*.log >&2
		exit 1
	fi
	# Without a LEAK SUMMARY (no block left at exit) every total is 0.
	python3 "$here/leakcheck.py" valgrind "$prog" "$src" \
		"$work/$prog.logs/$pid.log" >>"$work/expected.txt"
	# A forked child logs under its own pid: it is PROG:child.  Valgrind
	# counts what it inherited; heapguard leaves that to the parent
	# (heapguard(7), Fork children): lk_fork's block kept before the fork.
	for log in "$work/$prog.logs"/*.log; do
		[ "$log" = "$work/$prog.logs/$pid.log" ] && continue
		python3 "$here/leakcheck.py" valgrind "$prog:child" "$src" \
			"$log" | grep -v ' keep_before_fork ' >>"$work/expected.txt"
	done
done

if [ "$out" = - ]; then
	cat "$work/expected.txt"
else
	cp "$work/expected.txt" "$out"
	echo "wrote $out"
fi
