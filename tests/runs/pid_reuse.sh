#!/bin/sh
# SPDX-License-Identifier: MIT
# Thousands of short processes in one run lose no record: a shell loop that
# runs /bin/true 3,000 times under the launcher (the shell itself skipped)
# leaves exactly 3,000 process records in the run's journal, one per
# process, none lost, whatever pids the kernel hands out again.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need timeout
cd "$RUNS_TMP" || exit 99
n=3000

timeout 120 "$HG_BIN" --skip='*sh' --run-dir=run -- \
	sh -c "i=0; while [ \$i -lt $n ]; do /bin/true; i=\$((i + 1)); done" >out 2>err
st=$?
[ $st -eq 0 ] || fail "the loop under heapguard exited $st: $(tail -3 err)"
split_summary err
# the run's journal and nothing else
[ "$(ls -A run)" = processes.proc ] || fail "files other than the journal: $(ls -A run | head -5)"
records=$(grep -c '^heapguard-process ' run/processes.proc)
[ "$records" -eq $n ] || fail "$records process records for $n processes"
true_records=$(grep -c '^program .*/true$' run/processes.proc)
[ "$true_records" -eq $n ] || fail "$true_records records of true, expected $n"
# each complete, each of its own process
complete=$(grep -cx end run/processes.proc)
[ "$complete" -eq $n ] || fail "$complete complete records of $n"
pids=$(grep '^pid ' run/processes.proc | wc -l)
[ "$pids" -eq $n ] || fail "$pids pid lines in $n records"
runs_done
