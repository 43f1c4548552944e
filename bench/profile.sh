#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where heapguard's time goes: runs the seed loop and the churn on glibc
# and heapguard level=fast and level=full, and prints the functions with
# the largest share of the cost (self cost, inlined code counted in the
# function it was inlined into), as Markdown.
#   callgrind (default): instructions, which do not depend on the machine's
#     load; only main() is counted (--toggle-collect), so start-up and the
#     exit report are left out (bench/run.sh times the exit report).  Under
#     valgrind brk cannot grow far, so heapguard's main arena spreads over
#     many mmap'd segments (hg_region_in_other_segments shows up; it does not
#     natively, where the arena stays in one brk segment).
#   --perf: perf record's cpu-clock samples of the whole process, natively.
# Usage: bench/profile.sh [--perf] [top N functions, default 12]
#        (`make bench-profile`, `make bench-profile BENCH_PROFILE_FLAGS=--perf`)
# Environment: HEAPGUARD_LIB (required), BENCH_DIR (the built workloads),
# BENCH_PROFILE_WORKLOADS (default "seedloop:200000 churn:1000000:20000";
# with --perf ten times as many operations are fine).
set -euo pipefail
tool=callgrind
if [ "${1:-}" = --perf ]; then
	tool=perf
	shift
fi
top=${1:-12}
hg_lib=${HEAPGUARD_LIB:?set HEAPGUARD_LIB to libheapguard.so}
bin=${BENCH_DIR:-bench}
if [ $tool = perf ]; then
	command -v perf >/dev/null || { echo "profile: needs perf (linux-perf)" >&2; exit 77; }
else
	command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null ||
		{ echo "profile: needs valgrind (callgrind)" >&2; exit 77; }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for spec in ${BENCH_PROFILE_WORKLOADS:-seedloop:200000 churn:1000000:20000}; do
	IFS=: read -r prog args <<<"$spec"
	args=${args//:/ }
	for who in glibc fast full; do
		out=$tmp/cg.$prog.$who
		failed() {
			echo "profile: $prog under $who failed:" >&2
			cat "$tmp/stderr" >&2
			exit 1
		}
		env=(env -u LD_PRELOAD)
		[ $who = glibc ] ||
			env=(env LD_PRELOAD="$hg_lib" HEAPGUARD_OPTIONS="level=$who:depth=16:report=$tmp/hg.%p")
		# shellcheck disable=SC2086 # args is a word list
		if [ $tool = perf ]; then
			"${env[@]}" perf record -q -e cpu-clock -F 20000 -o "$out" "$bin/$prog" $args \
				>"$tmp/stdout" 2>"$tmp/stderr" || failed
			# "pct  samples  [.] symbol" -> "samples symbol"
			perf report -i "$out" -n --no-children --sort symbol --stdio 2>/dev/null |
				awk '$1 ~ /%$/ && $3 == "[.]" { v = $2; $1 = $2 = $3 = ""
					sub(/^ +/, ""); sub(/ +- +-$/, ""); print v, $0 }' >"$tmp/costs"
			unit="samples"
		else
			"${env[@]}" valgrind --tool=callgrind -q --toggle-collect=main \
				--callgrind-out-file="$out" "$bin/$prog" $args >"$tmp/stdout" 2>"$tmp/stderr" || failed
			# "Ir (pct)  file:function [object]" -> "Ir function"
			callgrind_annotate --auto=no --threshold=100 "$out" 2>/dev/null |
				awk '/^-+$/ { rules++; next }
				rules >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ {
					n = $1; gsub(",", "", n)
					fn = $0; sub(/^ *[0-9,]+ +(\([ 0-9.]+%\) +)?/, "", fn)
					sub(/ \[.*\]$/, "", fn); sub(/^.*:/, "", fn)
					print n, fn
				}' >"$tmp/costs"
			unit="instructions"
		fi
		ops=$(sed -n 's/^bench: operations=\([0-9]*\).*/\1/p' "$tmp/stdout")
		# One line per function: inlined parts are listed under their file.
		awk '{ n = $1; $1 = ""; sub(/^ /, ""); sum[$0] += n; total += n }
			END { for (f in sum) printf "%.0f %.2f %s\n", sum[f], 100 * sum[f] / total, f
				printf "%.0f\n", total > "/dev/stderr" }' "$tmp/costs" 2>"$tmp/total" | sort -rn >"$tmp/sorted"
		total=$(cat "$tmp/total")
		echo
		if [ $tool = perf ]; then
			echo "### $prog $args, $who: $total perf cpu-clock samples of the whole process"
		else
			echo "### $prog $args, $who: $total instructions in main, $((total / ops)) per operation"
		fi
		echo
		echo "| share | $unit | function |"
		echo "|---|---|---|"
		head -n "$top" "$tmp/sorted" | awk '{ n = $1; p = $2; $1 = $2 = ""; sub(/^ +/, "")
			printf "| %s%% | %s | %s |\n", p, n, $0 }'
	done
done
