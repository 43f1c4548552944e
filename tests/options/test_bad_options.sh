#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad configuration never hurts the program: each bad token of
# HEAPGUARD_OPTIONS (unknown keys, missing values, out-of-range and
# overflowing numbers, unknown signals, 128 KiB tokens, control and binary
# bytes) gives one warning line naming it and changes nothing, while every
# good token around it applies (leaks=0 holds); bad MALLOC_* variables and
# GLIBC_TUNABLES entries are ignored silently, as glibc ignores them.  In
# every case the program runs and exits as it does without heapguard.
# Needs HEAPGUARD_LIB (set by `make check`).

lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] || { echo "SKIP: HEAPGUARD_LIB is not set (the warnings are heapguard's)"; exit 77; }
[ -f "$lib" ] || { echo "ERROR: HEAPGUARD_LIB=$lib does not exist" >&2; exit 99; }
prog=$(cd "${top_builddir:-.}/tests/options" && pwd)/workload
[ -x "$prog" ] || { echo "ERROR: $prog is not built" >&2; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# The program's own output, on plain glibc.
want_out=$("$prog") || { echo "ERROR: $prog fails without heapguard" >&2; exit 99; }

# N copies of a string.
repeat() {
	awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

# run DIR VAR=VALUE...: the program under heapguard in DIR with only these
# variables; stdout, stderr and status in DIR/out, DIR/err, DIR/status.
run() {
	dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && exec timeout 60 env -i PATH="$PATH" LD_PRELOAD="$lib" "$@" "$prog" \
		>out 2>err)
	echo $? >"$dir/status"
	[ "$(cat "$dir/status")" = 0 ] || fail "$(label "$@"): exited $(cat "$dir/status")"
	[ "$(cat "$dir/out")" = "$want_out" ] || fail "$(label "$@"): stdout is '$(head -c 200 "$dir/out")'"
}

# label VAR=VALUE...: a short printable name for a case
label() {
	printf '%s' "$*" | head -c 70 | tr -c '[:print:]' '?'
}

# bad_options VALUE WARNING: HEAPGUARD_OPTIONS=VALUE prints exactly WARNING
# and, the program being clean, writes nothing (the default); with
# clean_reports=1 before it, it prints WARNING and the one line naming the
# reports, and the leak report, written under the default name, records
# every option as a default but that clean_reports.
bad_options() {
	cases=$((cases + 1))
	dir=$tmp/h$cases
	printf '%s\n' "$2" >"$tmp/want"
	run "$dir" HEAPGUARD_OPTIONS="$1"
	cmp -s "$tmp/want" "$dir/err" ||
		fail "$(label "$1"): stderr is '$(head -c 300 "$dir/err")', expected '$2'"
	set -- "$1" "$2" "$dir"/heapguard.*
	[ -e "$3" ] && fail "case $cases: a clean process wrote $3"
	dir=$tmp/c$cases
	run "$dir" HEAPGUARD_OPTIONS="clean_reports=1:$1"
	set -- "$1" "$2" "$dir"/heapguard.workload.*.leaks.gz
	if [ ! -f "$3" ]; then
		fail "case $cases: clean_reports=1: no report under the default name"
		return
	fi
	pid=${3##*/heapguard.workload.}
	pid=${pid%.leaks.gz}
	printf '%s\n' "$2" \
		"heapguard: reports written (clean_reports=1): heapguard-report ./heapguard.workload.$pid.leaks.gz; fragmentation: ./heapguard.workload.$pid.frag.gz" \
		>"$dir/want"
	cmp -s "$dir/want" "$dir/err" ||
		fail "$(label "clean_reports=1:$1"): stderr is '$(head -c 400 "$dir/err")', expected '$(cat "$dir/want")'"
	gzip -dc "$3" | grep '^option ' >"$dir/options"
	[ -s "$dir/options" ] || fail "case $cases: the report lists no options"
	grep -qx 'option clean_reports env 1' "$dir/options" ||
		fail "case $cases: the report does not list clean_reports=1"
	if grep -v -e '^option [a-z_.]* default ' -e '^option clean_reports env 1$' \
		"$dir/options" >"$dir/changed"; then
		fail "case $cases: options not at their defaults: $(head -c 300 "$dir/changed")"
	fi
}

w='heapguard: HEAPGUARD_OPTIONS: ignoring bad token'
a48=$(repeat 48 a)

bad_options 'bogus=1' "$w 'bogus=1' (unknown option)"
bad_options 'check' "$w 'check' (missing '=')"
bad_options '=1' "$w '=1' (missing option name)"
bad_options 'depth=0' "$w 'depth=0' (out of range)"
bad_options 'depth=65' "$w 'depth=65' (out of range)"
bad_options 'quarantine=2g' "$w 'quarantine=2g' (out of range)"
bad_options 'check=99999999999999999999999' "$w 'check=99999999999999999999999' (number too large)"
bad_options 'quarantine=17179869184g' "$w 'quarantine=17179869184g' (number too large)"
bad_options 'fill_max=0x10000000000000000' "$w 'fill_max=0x10000000000000000' (number too large)"
bad_options 'check=-1' "$w 'check=-1' (not a number)"
bad_options 'depth=1O' "$w 'depth=1O' (not a number)"
bad_options 'check=' "$w 'check=' (empty value)"
bad_options 'report=' "$w 'report=' (empty value)"
bad_options 'level=medium' "$w 'level=medium' (expected fast|full)"
bad_options 'verbose=maybe' "$w 'verbose=maybe' (not a boolean)"
bad_options 'leaks=y' "$w 'leaks=y' (not a boolean)"
bad_options 'quarantine=4MB' "$w 'quarantine=4MB' (not a number)"
bad_options 'report_signal=SIGFOO' "$w 'report_signal=SIGFOO' (unknown signal)"
bad_options 'report_signal=SIGKILL' "$w 'report_signal=SIGKILL' (signal cannot be caught)"
bad_options 'report_signal=11' "$w 'report_signal=11' (fault signal)"
bad_options "log=$(repeat 256 l)" "$w 'log=$(repeat 44 l)...' (value too long)"
# the longest strings the kernel passes in one variable (128 KiB)
bad_options "$(repeat 130000 a)" "$w '$a48...' (token too long)"
bad_options "$(repeat 130000 =)" "$w '$(repeat 48 =)...' (token too long)"
# control and binary bytes are quoted, so the warning stays one plain line
bad_options "$(printf '\001\377')" "$w '\\x01\\xff' (control character)"
bad_options "$(printf 'leaks=1\n.')" "$w 'leaks=1\\x0a.' (control character)"
bad_options "$(printf '\033[31mcheck=1')" "$w '\\x1b[31mcheck=1' (control character)"
bad_options "$(printf '\376\377=1')" "$w '\\xfe\\xff=1' (unknown option)"
bad_options "it's=1" "$w 'it\\x27s=1' (unknown option)"

# Every good token applies, whatever the bad ones around it: leaks=0 and
# frag=0 hold (no report file, even with clean_reports=1), verbose=1 lists
# the configuration, and each bad token has its line, the 128 KiB one
# included.
cases=$((cases + 1))
dir=$tmp/h$cases
run "$dir" HEAPGUARD_OPTIONS="leaks=0:bogus=1:frag=0:depth=0:$(repeat 130000 =):verbose=on:report_signal=USR2:clean_reports=1"
grep '^heapguard: HEAPGUARD_OPTIONS: ' "$dir/err" >"$dir/warnings"
printf '%s\n' "$w 'bogus=1' (unknown option)" "$w 'depth=0' (out of range)" \
	"$w '$(repeat 48 =)...' (token too long)" >"$dir/want"
cmp -s "$dir/want" "$dir/warnings" || fail "good and bad tokens: warnings are '$(cat "$dir/warnings")'"
for line in 'leaks = 0 (HEAPGUARD_OPTIONS)' 'frag = 0 (HEAPGUARD_OPTIONS)' \
	'verbose = 1 (HEAPGUARD_OPTIONS)' 'depth = 16 (default)' \
	'clean_reports = 1 (HEAPGUARD_OPTIONS)' 'report_signal = "USR2" (HEAPGUARD_OPTIONS)'; do
	grep -qxF "heapguard: $line" "$dir/err" || fail "good and bad tokens: no '$line' in the listing"
done
set -- "$dir"/heapguard.*
[ -e "$1" ] && fail "good and bad tokens: leaks=0:frag=0 did not hold: $*"

# Many bad tokens: ten lines, then one that counts the rest.
cases=$((cases + 1))
run "$tmp/h$cases" HEAPGUARD_OPTIONS="$(repeat 5000 'x:'):leaks=0:frag=0"
[ "$(wc -l <"$tmp/h$cases/err")" = 11 ] &&
	[ "$(grep -c "^$w 'x' (missing '=')\$" "$tmp/h$cases/err")" = 10 ] &&
	grep -qx 'heapguard: HEAPGUARD_OPTIONS: ignoring 4990 more bad tokens' "$tmp/h$cases/err" ||
	fail "5000 bad tokens: stderr is '$(head -c 600 "$tmp/h$cases/err")'"

# Empty tokens are allowed: 128 KiB of separators is a valid, empty string,
# so the clean program prints nothing and writes nothing.
cases=$((cases + 1))
run "$tmp/h$cases" HEAPGUARD_OPTIONS="$(repeat 130000 :)"
[ -s "$tmp/h$cases/err" ] &&
	fail "separators only: unexpected stderr: $(head -c 300 "$tmp/h$cases/err")"
set -- "$tmp/h$cases"/heapguard.*
[ -e "$1" ] && fail "separators only: a clean process wrote $*"

# glibc's variables: bad values leave the parameters as they were, and say
# nothing.  The verbose listing of every parameter and option must be the
# same as without them.
run "$tmp/base" HEAPGUARD_OPTIONS=verbose=1:leaks=0:frag=0
[ "$(grep -c '^heapguard: glibc\.malloc\..* (default)$' "$tmp/base/err")" -ge 13 ] ||
	fail "the verbose listing does not show the defaults: $(head -c 500 "$tmp/base/err")"

glibc_bad() {
	cases=$((cases + 1))
	run "$tmp/g$cases" HEAPGUARD_OPTIONS=verbose=1:leaks=0:frag=0 "$@"
	cmp -s "$tmp/base/err" "$tmp/g$cases/err" ||
		fail "$(label "$@"): stderr differs from the defaults ($(wc -l <"$tmp/base/err") lines, now $(wc -l <"$tmp/g$cases/err")): $(diff "$tmp/base/err" "$tmp/g$cases/err" | grep '^>' | head -c 400)"
}

nines=$(repeat 130000 9)
glibc_bad MALLOC_CHECK_=4
for v in -1 99999999999999999999999 0x10000000000000000 abc 3x '' ' ' + 0x "$nines" \
	"$(printf '\001\377')" "$(printf '1\t')" "$(printf '1\n\n.')"; do
	glibc_bad MALLOC_CHECK_="$v"
	glibc_bad MALLOC_TOP_PAD_="$v"
	glibc_bad MALLOC_MMAP_THRESHOLD_="$v"
done
glibc_bad MALLOC_PERTURB_=256
glibc_bad MALLOC_ARENA_MAX=0
glibc_bad MALLOC_ARENA_TEST=0
glibc_bad MALLOC_MMAP_MAX_=2147483648
glibc_bad MALLOC_TRIM_THRESHOLD_=-5
glibc_bad MALLOC_TRIM_THRESHOLD_="$nines"
t=glibc.malloc
glibc_bad GLIBC_TUNABLES="$t.check=9:$t.tcache_max=1033:$t.tcache_count=65536:$t.mxfast=161:$t.hugetlb=3:$t.perturb=256:$t.arena_max=0:$t.arena_test=0:$t.mmap_max=2147483648"
glibc_bad GLIBC_TUNABLES="$t.mmap_threshold=:$t.top_pad:$t.trim_threshold=-1:$t=1:=:==:::$t.check==1:$t.perturb=0x:junk"
glibc_bad GLIBC_TUNABLES="$t.top_pad=$nines"
glibc_bad GLIBC_TUNABLES="$(repeat 130000 :)"
glibc_bad GLIBC_TUNABLES="$(printf '%s.perturb=\001:%s.check=\377:\377\376=1' $t $t)"

# All of it at once, about a megabyte of environment, in a real program.
# (the system's python3, not a version manager's wrapper script)
py3=/usr/bin/python3
[ -x "$py3" ] || py3=$(command -v python3)
if [ -n "$py3" ]; then
	big=$(repeat 120000 x)
	py='import json; print(len(json.dumps(list(range(100000)))))'
	want_py=$("$py3" -c "$py")
	out=$(cd "$tmp" && timeout 120 env -i PATH="$PATH" LD_PRELOAD="$lib" HEAPGUARD_OPTIONS="$(repeat 130000 a)" \
		MALLOC_CHECK_="$nines" MALLOC_TOP_PAD_="$nines" MALLOC_PERTURB_="$nines" \
		MALLOC_MMAP_THRESHOLD_="$nines" MALLOC_TRIM_THRESHOLD_="$nines" \
		GLIBC_TUNABLES="$t.top_pad=$nines" A="$big" B="$big" C="$big" \
		"$py3" -c "$py" 2>"$tmp/python.err")
	st=$?
	[ "$st" = 0 ] && [ "$out" = "$want_py" ] || fail "python3 with a megabyte of bad settings: status $st, '$out'"
	[ "$(grep -c '^heapguard: HEAPGUARD_OPTIONS: ignoring' "$tmp/python.err")" = 1 ] ||
		fail "python3: not one warning line: $(head -c 300 "$tmp/python.err")"
fi

echo "$cases cases"
[ "$failures" -eq 0 ] && echo PASS || echo "$failures failures"
[ "$failures" -eq 0 ]
