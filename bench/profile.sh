#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where heapguard's time goes: runs the seed loop and the churn under
# valgrind's callgrind, on glibc and heapguard level=fast and level=full,
# and prints the instructions per operation and the functions with the
# largest share of them (self cost), as Markdown.  Instruction counts do
# not depend on the machine's load, unlike perf's samples.  Only main() is
# counted (--toggle-collect): start-up and the exit report are left out;
# bench/run.sh times the exit report.
# Usage: bench/profile.sh [top N functions, default 12]   (`make bench-profile`)
# Environment: HEAPGUARD_LIB (required), BENCH_DIR (the built workloads),
# BENCH_PROFILE_WORKLOADS (default "seedloop:200000 churn:1000000:20000").
set -euo pipefail
top=${1:-12}
hg_lib=${HEAPGUARD_LIB:?set HEAPGUARD_LIB to libheapguard.so}
bin=${BENCH_DIR:-bench}
command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null ||
	{ echo "profile: needs valgrind (callgrind)" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for spec in ${BENCH_PROFILE_WORKLOADS:-seedloop:200000 churn:1000000:20000}; do
	IFS=: read -r prog args <<<"$spec"
	args=${args//:/ }
	for who in glibc fast full; do
		out=$tmp/cg.$prog.$who
		env=(env -u LD_PRELOAD)
		[ $who = glibc ] ||
			env=(env LD_PRELOAD="$hg_lib" HEAPGUARD_OPTIONS="level=$who:depth=16:report=$tmp/hg.%p")
		# shellcheck disable=SC2086 # args is a word list
		"${env[@]}" valgrind --tool=callgrind -q --toggle-collect=main --callgrind-out-file="$out" \
			"$bin/$prog" $args >"$tmp/stdout" 2>"$tmp/stderr" ||
			{ echo "profile: $prog under $who failed:" >&2; cat "$tmp/stderr" >&2; exit 1; }
		ops=$(sed -n 's/^bench: operations=\([0-9]*\).*/\1/p' "$tmp/stdout")
		callgrind_annotate --threshold=100 "$out" >"$tmp/annotated" 2>/dev/null
		total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$tmp/annotated")
		echo
		echo "### $prog $args, $who: $total instructions, $((total / ops)) per operation"
		echo
		echo "| share | instructions | function |"
		echo "|---|---|---|"
		# The lines after the header: "Ir (pct)  file:function [object]".
		awk -v top="$top" -v total="$total" '
			/^-+$/ { rules++; next }
			rules >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ {
				n = $1; gsub(",", "", n)
				fn = $0; sub(/^ *[0-9,]+ +(\([ 0-9.]+%\) +)?/, "", fn)
				sub(/ \[.*\]$/, "", fn)
				sub(/^.*\/\.\//, "", fn)
				if (fn ~ /PROGRAM TOTALS/) next
				printf "| %.1f%% | %s | %s |\n", 100 * n / total, $1, fn
				if (++shown == top) exit
			}' "$tmp/annotated"
	done
done
