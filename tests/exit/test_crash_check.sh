#!/bin/sh
# SPDX-License-Identifier: MIT
# crash_check=1 (the default; crash_check.c): a program that dies of
# SIGABRT (its own failed assert) or SIGSEGV gets the heap errors heapguard
# can find then, each as a diagnostic that ends "found while the process
# was dying of SIG...", and still dies as on glibc: the same signal, the
# same core-dump flag, the same stdout.  The program's own handlers, set
# before or after heapguard's, run as on glibc; heapguard's own abort is
# not checked again; a fault inside heapguard's code gets one line.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
hg_need python3
prog=${top_builddir:-.}/tests/exit/crash_check
early=${top_builddir:-.}/tests/exit/.libs/libearly_handler.so
[ -f "$early" ] || { echo "ERROR: $early is not built"; exit 99; }
fails=0
fail() {
	echo "FAIL: $case: $*"
	sed 's/^/    /' "$HG_TMP/err" | head -30
	fails=$((fails + 1))
}

# ends PRELOAD OPTIONS HOW: how the program ended (hg_ends), with the
# reports off.
ends() {
	hg_ends "$1" "leaks=0:frag=0:$2" "$prog" "$3"
}

# run CASE HOW OPTIONS [EXTRA_PRELOAD]: as on glibc (status, core flag,
# stdout), leaving heapguard's stderr in $HG_TMP/err.
run() {
	case=$1
	extra=${4:+:$4}
	plain=$(ends "${4:-}" "" "$2")
	cp "$HG_TMP/out" "$HG_TMP/plain.out"
	with=$(ends "$HG_PRELOAD$extra" "$3" "$2")
	[ "$with" = "$plain" ] || fail "ended with '$with' (signal, core), on glibc '$plain'"
	cmp -s "$HG_TMP/out" "$HG_TMP/plain.out" || fail "stdout differs from glibc's: $(head -3 "$HG_TMP/out")"
	echo "ok: $case: $with, as on glibc"
}
has() {
	grep -q "$1" "$HG_TMP/err" || fail "no line '$1'"
}
count() {
	[ "$(grep -c "$2" "$HG_TMP/err")" = "$1" ] || fail "not $1 line(s) '$2'"
}
dying='^heapguard: found while the process was dying of'

# The motivating case: a write after free, then the program's assert.
run assert assert level=full
has '^heapguard: write-after-free of 0x[0-9a-f]* (chunk 0x[0-9a-fx.]*, 80 bytes, 40 requested) at SIGABRT (heap check)$'
has '^  byte at offset 8 of the freed block is 0x78, expected the fill'
has '^  freed by thread 1:$'
has '^  allocated by thread 1:$'
count 1 '^heapguard: found while the process was dying of SIGABRT$'
grep -q 'Assertion' "$HG_TMP/err" || fail "the assertion's own message is gone"

run assert-off assert level=full:crash_check=0
count 0 '^heapguard'

# A damaged chunk header and a SIGSEGV, at every level.
for level in fast full; do
	run header-$level header level=$level
	has '^heapguard: header-corruption of 0x[0-9a-f]* at SIGSEGV (heap check)$'
	count 1 '^heapguard: found while the process was dying of SIGSEGV$'
done

# Nothing to find: nothing said.
run clean clean level=full
count 0 '^heapguard'

# The program's own handlers: one that recovers from SIGSEGV, one for
# SIGABRT installed in main (replacing heapguard's), one installed before
# heapguard started (left in place), one that chains to heapguard's.
run recover recover level=full
count 0 '^heapguard'
run own_abort own_abort level=full
count 0 '^heapguard'
run early early level=full "$early"
count 0 '^heapguard'
grep -q '^early SIGABRT handler called$' "$HG_TMP/out" || fail "the early handler was not called"
run chain chain level=full
has '^heapguard: write-after-free of .* at SIGABRT (heap check)$'
count 1 "$dying SIGABRT\$"

# heapguard's own abort: its diagnostic once, no check after it.
run double double level=full
count 1 '^heapguard: double-free of'
count 0 "$dying"

# A fault inside heapguard's own code: one line, no check.
run inside inside level=full
count 1 "^heapguard: SIGSEGV inside heapguard's own code, which may hold its locks: the heap is not checked\$"
count 0 "$dying"
exit $((fails > 0))
