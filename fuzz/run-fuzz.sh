#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one libFuzzer harness for FUZZ_SECONDS (default 60) and says how many
# inputs it executed.  usage: run-fuzz.sh HARNESS SEEDS WORK [DICT]
# New inputs go to WORK (kept between runs), SEEDS is only read.  Fails on
# any finding (crash, leak, timeout, out of memory), keeping the input in
# fuzz/artifacts/ and the log next to WORK.

[ $# -ge 3 ] || { echo "usage: $0 HARNESS SEEDS WORK [DICT]" >&2; exit 2; }
harness=$1
seeds=$2
work=$3
dict=${4:-}
seconds=${FUZZ_SECONDS:-60}
name=$(basename "$harness")
log=$work.log

[ -x "$harness" ] || { echo "$0: $harness is not built" >&2; exit 2; }
[ -d "$seeds" ] || { echo "$0: no seed corpus $seeds" >&2; exit 2; }
mkdir -p "$work" fuzz/artifacts || exit 2
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="fuzz/artifacts/$name-"
[ -n "$dict" ] && [ -f "$dict" ] && set -- "$@" -dict="$dict"
echo "fuzz: $name for $seconds s (log: $log)"
# libFuzzer's own exit codes are not automake's: any non-zero is a finding.
timeout -k 10 $((seconds + 300)) "$harness" "$@" "$work" "$seeds" >"$log" 2>&1
status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
corpus=$(ls "$work" | wc -l)
if [ "$status" -ne 0 ] || [ -z "$execs" ]; then
	echo "fuzz: $name: FINDING (exit status $status); the end of $log:" >&2
	tail -n 40 "$log" >&2
	ls fuzz/artifacts/"$name"-* 2>/dev/null | sed 's/^/fuzz: input kept: /' >&2
	exit 1
fi
echo "fuzz: $name: $execs executions ($speed/s), $corpus inputs in $work, no finding"
