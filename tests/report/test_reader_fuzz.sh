#!/bin/sh
# SPDX-License-Identifier: MIT
# The reader never crashes or hangs on mutated reports: fuzz_reader runs
# thousands of mutations of the good fixtures, leak and fragmentation reports
# (fixed seed), through the parsers and every printer in-process, then a
# sample of them goes through the heapguard-report binary in each output
# mode, symbolizer included: every exit status must be 0, 1 or 2, an error
# must be one line, JSON must parse, an SVG must be well-formed (and
# --html writes its page from the same files).
# HG_FUZZ_RUNS and HG_FUZZ_SEED change the amount and the seed.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"
. "$top/tests/report/frag_fixtures.sh"

driver=${top_builddir:-.}/tests/report/fuzz_reader
runs=${HG_FUZZ_RUNS:-20000}
seed=${HG_FUZZ_SEED:-20261127}
[ -x "$driver" ] || { echo "$0: $driver is not built" >&2; exit 99; }

# A fixture whose module is the reader itself, so that mutations reach the
# symbolizer with a real file, its build id and real function addresses.
frag_fixtures
# The Swiss cheese with a timeline and a page map (format 2.1's records).
sed -e '/^peak_site 2 /a\
timeline 1000 1052672 500000 552672 0 2000000\
timeline 1500000 106045440 11945376 90000000 4100064 -' -e '/^map 1 0 /a\
pages 0 0 4096 0 . U*9:1 P*8000:1 F*15000 P*2000:2 U*589 T\
pages 1 0 4096 0 U*7:3 P*2 T*24' "$tmp/swiss.txt" >"$tmp/paged.txt"
set -- "$data/basic.txt" "$data/grown.txt" "$data/v3.txt" "$data/checkpoint.txt" "$tmp/swiss.txt" "$tmp/compact.txt" "$tmp/paged.txt"
if command -v readelf >/dev/null 2>&1 && command -v nm >/dev/null 2>&1; then
	id=$(readelf -n "$reader" | sed -n 's/.*Build ID: *//p')
	main=$(nm "$reader" | awk '$3 == "main" { print $1 }')
	load=$(nm "$reader" | awk '$3 == "hg_leaks_load" { print $1 }')
	if [ -n "$id" ] && [ -n "$main" ] && [ -n "$load" ]; then
		printf '%s\n' 'heapguard-leaks 1' 'version 0.1.0' "program $reader" 'pid 9' 'ppid 1' \
			'time 1 1970-01-01T00:00:01Z' 'level full' 'status 1' 'arg 0 heapguard-report' \
			'option level default full' "module 0 0x0 $id $reader" \
			"stack 1 0+0x$load 0+0x$main" "stack 2 0+0x$main" \
			'site lost 1 2 30 10 20 1' 'site reachable 2 1 5 5 5 1,2' \
			'totals 30 2 0 0 5 1' 'end 2 2' >"$tmp/self.txt"
		set -- "$@" "$tmp/self.txt"
	fi
fi

mkdir "$tmp/fuzz"
timeout 300 "$driver" "$seed" "$runs" "$tmp/fuzz" 240 "$@" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" -ne 0 ]; then
	[ "$st" -eq 124 ] && why="timed out" || why="exited $st"
	cp "$tmp/fuzz/current.leaks.gz" "${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz" 2>/dev/null
	fail "fuzz_reader $why (seed $seed; input kept as ${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz): $(head -c 500 "$tmp/err")"
fi
cat "$tmp/out"

n=0
for sample in "$tmp/fuzz"/sample-*.leaks.gz; do
	case $((n % 6)) in
	0) mode= ;;
	1) mode=--json ;;
	2) mode=--folded ;;
	3) mode=--show=all ;;
	4) mode=--svg=$tmp/sample.svg ;;
	5) mode=--html=$tmp/sample.html ;;
	esac
	rm -f "$tmp/sample.svg"
	n=$((n + 1))
	timeout 10 "$reader" $mode "$sample" >"$tmp/out" 2>"$tmp/err"
	st=$?
	case $st in
	0 | 1)
		if [ "$mode" = --json ] && ! python3 -m json.tool "$tmp/out" >/dev/null 2>&1; then
			cp "$sample" "${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz"
			fail "invalid JSON from a mutated report (kept as ${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz)"
		fi
		if [ -e "$tmp/sample.svg" ] && command -v xmllint >/dev/null 2>&1 &&
			! xmllint --noout "$tmp/sample.svg" 2>/dev/null; then
			cp "$sample" "${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz"
			fail "SVG not well-formed from a mutated report (kept as ${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz)"
		fi
		;;
	2)
		[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^heapguard-report: ' "$tmp/err" ||
			fail "$(basename "$sample"): error was not one line: $(head -c 300 "$tmp/err")"
		;;
	*)
		cp "$sample" "${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz"
		fail "heapguard-report $mode exited $st on a mutated report (kept as ${TMPDIR:-/tmp}/heapguard-fuzz-failure.leaks.gz)"
		;;
	esac
	if [ $((n % 8)) -eq 0 ]; then
		timeout 10 "$reader" diff "$tmp/fuzz/sample-00000.leaks.gz" "$sample" >/dev/null 2>&1
		st=$?
		[ "$st" -le 2 ] || fail "diff exited $st on $(basename "$sample")"
	fi
done
[ "$n" -ge 200 ] || fail "only $n sample reports were written"

finish
