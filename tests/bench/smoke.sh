#!/bin/sh
# SPDX-License-Identifier: MIT
# The benchmark harness cannot rot unnoticed: bench/run.sh --smoke runs the
# seed loop at 1,000 iterations under glibc and heapguard level=full and
# must print a well-formed ratio table and per-operation table (numbers in
# every cell, nothing failed) and leave no file behind; a contender that
# hangs is killed and marked failed; --qa makes its CPU-time table.  Timings are not judged: this machine
# may be busy.
set -u
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] && [ -f "$lib" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
command -v bash >/dev/null 2>&1 || { echo "SKIP: bash not installed"; exit 77; }
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-.}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-bench-smoke.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/scratch" || exit 99

TMPDIR=$tmp/scratch BENCH_DIR=$builddir/bench top_srcdir=$srcdir \
	bash "$srcdir/bench/run.sh" --smoke --contenders heapguard-full >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out"
fail() {
	echo "FAIL: $*"
	sed 's/^/    stderr: /' "$tmp/err"
	exit 1
}
[ $status -eq 0 ] || fail "bench/run.sh --smoke exited with status $status"

num='[0-9][0-9]*\.[0-9][0-9]*'
ratio="$num ($num–$num)"
row="$ratio | $ratio | $ratio | $num | $num | $num | $num | $num | $num"
grep -qx '| workload | contender | time ratio | CPU ratio | peak RSS ratio | glibc s | contender s | glibc CPU s | contender CPU s | glibc MiB | contender MiB |' "$tmp/out" ||
	fail "no ratio table header"
grep -qx "| seed-loop | heapguard-full | $row |" "$tmp/out" ||
	fail "no well-formed seed-loop row for heapguard-full"
grep -qx '| workload | glibc | heapguard-full |' "$tmp/out" || fail "no per-operation table header"
grep -qx "| seed-loop | $num | $num |" "$tmp/out" || fail "no well-formed per-operation row"
! grep -q failed "$tmp/out" || fail "a run failed"
[ -z "$(ls -A "$tmp/scratch")" ] || fail "files left behind: $(ls -A "$tmp/scratch")"

# Without --contenders: every installed contender, heapguard's two levels
# at least.
TMPDIR=$tmp/scratch BENCH_DIR=$builddir/bench top_srcdir=$srcdir \
	bash "$srcdir/bench/run.sh" --smoke >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 0 ] || fail "bench/run.sh --smoke without --contenders exited with status $status"
for c in heapguard-fast heapguard-full; do
	grep -qx "| seed-loop | $c | $row |" "$tmp/out" ||
		fail "without --contenders: no seed-loop row for $c"
done
# A contender that hangs is killed after BENCH_RUN_TIMEOUT and its row
# says failed; the run goes on.  This library passes bench/run.sh's probe
# (seedloop 10) and hangs in every measured run.
cc=${CC:-cc}
cat >"$tmp/hang.c" <<'EOF_C'
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void hang(void)
{
	char b[4096];
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t n = f != NULL ? fread(b, 1, sizeof(b) - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	b[n] = 0;
	const char *last = b;
	for (size_t i = 0; i + 1 < n; i++)
		if (b[i] == 0)
			last = b + i + 1;
	if (strstr(b, "seedloop") != NULL && strcmp(last, "10") != 0)
		pause();
}
EOF_C
$cc -shared -fPIC -o "$tmp/hang.so" "$tmp/hang.c" || exit 99
HEAPGUARD_LIB=$tmp/hang.so BENCH_RUN_TIMEOUT=2 TMPDIR=$tmp/scratch BENCH_DIR=$builddir/bench \
	top_srcdir=$srcdir timeout 120 bash "$srcdir/bench/run.sh" --smoke --contenders heapguard-full \
	>"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 0 ] || fail "with a hanging contender: bench/run.sh exited with status $status"
grep -q 'killed after 2 s' "$tmp/out" "$tmp/err" || fail "with a hanging contender: no run was killed"
grep -q '^| seed-loop | heapguard-full | failed |' "$tmp/out" ||
	fail "with a hanging contender: its row does not say failed"

# --qa (issue 13's table): bench/qa.sh's perl workload, one pair, makes a
# row with the CPU time of its tree, and the short table shows the CPU
# ratio; nothing is left behind.
TMPDIR=$tmp/scratch BENCH_DIR=$builddir/bench top_srcdir=$srcdir \
	bash "$srcdir/bench/run.sh" --qa --pairs 1 --only perl --contenders heapguard-fast-quiet \
	>"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 0 ] || fail "bench/run.sh --qa exited with status $status"
if grep -q '^| perl | all | skipped:' "$tmp/out"; then
	echo "qa: perl skipped here: $(grep '^| perl | all' "$tmp/out")"
else
	grep -qx "| perl | heapguard-fast-quiet | $row |" "$tmp/out" ||
		fail "--qa: no well-formed perl row for heapguard-fast-quiet"
	grep -q '^In short: the median CPU-time ratio' "$tmp/out" || fail "--qa: the short table is not of CPU time"
	grep -qx "| perl | $num / $num |" "$tmp/out" || fail "--qa: no perl row in the short table"
fi
[ -z "$(ls -A "$tmp/scratch")" ] || fail "--qa: files left behind: $(ls -A "$tmp/scratch")"
exit 0
