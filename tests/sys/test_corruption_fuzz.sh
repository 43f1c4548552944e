#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/sys/corruption_fuzz under heapguard with check=0, 300 seeds at each
# level: every run must end normally (a heap error is reported or silently
# isolated, never a crash inside heapguard).
[ -n "${HEAPGUARD_LIB:-}" ] || { echo "SKIP: HEAPGUARD_LIB is not set"; exit 77; }
fuzz=${top_builddir:-.}/tests/sys/corruption_fuzz
failed=0
runs=0
for level in fast full; do
	for seed in $(seq 1 300); do
		runs=$((runs + 1))
		HEAPGUARD_OPTIONS="level=$level:check=0" LD_PRELOAD="$HEAPGUARD_LIB" \
			timeout 60 "$fuzz" "$seed" >/dev/null 2>&1
		status=$?
		if [ "$status" -ne 0 ]; then
			echo "FAIL: level=$level seed $seed: exit status $status"
			failed=$((failed + 1))
		fi
	done
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
