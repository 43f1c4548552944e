#!/bin/sh
# SPDX-License-Identifier: MIT
# Thousands of short processes in one run lose no record: a shell loop that
# runs /bin/true 3,000 times under the launcher (the shell itself skipped)
# leaves exactly 3,000 process records, one per process, none overwritten,
# whatever pids the kernel hands out again.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need timeout
cd "$RUNS_TMP" || exit 99
n=3000

timeout 120 "$HG_BIN" --skip='*sh' --run-dir=run -- \
	sh -c "i=0; while [ \$i -lt $n ]; do /bin/true; i=\$((i + 1)); done" >out 2>err
st=$?
[ $st -eq 0 ] || fail "the loop under heapguard exited $st: $(tail -3 err)"
split_summary err
records=$(find run -maxdepth 1 -name '*.proc' ! -name '.*' | wc -l)
[ "$records" -eq $n ] || fail "$records process records for $n processes"
true_records=$(find run -maxdepth 1 -name 'true.*.proc' | wc -l)
[ "$true_records" -eq $n ] || fail "$true_records records of true, expected $n"
# each complete, each of its own process
complete=$(find run -maxdepth 1 -name '*.proc' -exec tail -qn 1 {} + | grep -cx end)
[ "$complete" -eq $n ] || fail "$complete complete records of $n"
pids=$(find run -maxdepth 1 -name '*.proc' -exec grep -h '^pid ' {} + | wc -l)
[ "$pids" -eq $n ] || fail "$pids pid lines in $n records"
leftovers=$(find run -name '.*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "$leftovers temporary files left in the run"
runs_done
