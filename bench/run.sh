#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side-by-side runs of each workload under glibc and heapguard (each level),
# alternated (A B A B ...) after one warm-up pair; prints the median time and
# peak-RSS ratios against glibc with their min..max, as a Markdown table.
# Usage: bench/run.sh [pairs]   (environment: HEAPGUARD_LIB, BENCH_DIR,
# BENCH_LEVELS: the heapguard levels to run, default "fast full")
set -eu
pairs=${1:-5}
lib=${HEAPGUARD_LIB:?set HEAPGUARD_LIB to libheapguard.so}
dir=${BENCH_DIR:-bench}
measure="$dir/measure"

workloads=(
	"churn|$dir/churn 20000000 20000"
	"xthread|$dir/xthread 4 2000000"
	"seed-loop|$dir/seedloop 1000000"
)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| workload | level | time ratio (median, min..max) | peak RSS ratio (median, min..max) | glibc s | heapguard s |"
echo "|---|---|---|---|---|---|"
for level in ${BENCH_LEVELS:-fast full}; do
export HEAPGUARD_OPTIONS="level=$level"
for w in "${workloads[@]}"; do
	name=${w%%|*}
	cmd=${w#*|}
	$measure -- $cmd >/dev/null && $measure -p "$lib" -- $cmd >/dev/null # warm-up
	: >"/tmp/hgbench.$$.g"
	: >"/tmp/hgbench.$$.h"
	for _ in $(seq "$pairs"); do
		$measure -- $cmd >>"/tmp/hgbench.$$.g"
		$measure -p "$lib" -- $cmd >>"/tmp/hgbench.$$.h"
	done
	paste "/tmp/hgbench.$$.g" "/tmp/hgbench.$$.h" |
		awk '{ print $3 / $1, $4 / $2 }' >"/tmp/hgbench.$$.r"
	tr=$(cut -d' ' -f1 "/tmp/hgbench.$$.r" | median)
	rr=$(cut -d' ' -f2 "/tmp/hgbench.$$.r" | median)
	trange=$(cut -d' ' -f1 "/tmp/hgbench.$$.r" | sort -g | sed -n '1p;$p' | paste -sd' ')
	rrange=$(cut -d' ' -f2 "/tmp/hgbench.$$.r" | sort -g | sed -n '1p;$p' | paste -sd' ')
	gs=$(cut -d' ' -f1 "/tmp/hgbench.$$.g" | median)
	hs=$(cut -d' ' -f1 "/tmp/hgbench.$$.h" | median)
	printf '| %s | %s | %.3f (%s) | %.3f (%s) | %.3f | %.3f |\n' "$name" "$level" "$tr" "${trange/ /..}" "$rr" "${rrange/ /..}" "$gs" "$hs"
done
done
rm -f "/tmp/hgbench.$$".*
