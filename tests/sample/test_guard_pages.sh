#!/bin/sh
# SPDX-License-Identifier: MIT
# Guard pages (heapguard(7), GUARD PAGES; access.c): with sample=1 a read
# one byte past a block, a read or a write after free, and an underflow
# before a left-aligned block each die of SIGABRT at the access with the
# diagnostic's first line naming the kind, read or write, and the block;
# at level=full a write at offset 65537 of a freed 128 KiB block does too
# (its pages are protected in the quarantine, and given back to the system
# unless check=1).  check=1 reports and goes on as glibc would.  A fault that is not heapguard's reaches the
# program's own handler, or kills the program, exactly as on glibc.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
prog=${top_builddir:-.}/tests/sample/access
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
fails=0
fail() {
	echo "FAIL: $case: $*"
	sed 's/^/    /' "$HG_TMP/err" | head -30
	fails=$((fails + 1))
}

# run CASE OPTIONS: the program under heapguard; status in $st, stdout in
# $HG_TMP/out, stderr in $HG_TMP/err.
run() {
	case=$1
	env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="report=$HG_REPORTS/hg.%p:$2" \
		"$prog" "$1" >"$HG_TMP/out" 2>"$HG_TMP/err"
	st=$?
}
plain() {
	env -u LD_PRELOAD "$prog" "$1" >"$HG_TMP/plain.out" 2>/dev/null
	plain_st=$?
}
first() { # the first diagnostic line must match $1
	got=$(grep -m1 '^heapguard: [a-z-]* of 0x' "$HG_TMP/err")
	echo "$got" | grep -q "$1" || fail "first line '$got', expected /$1/"
}
has() {
	grep -q "$1" "$HG_TMP/err" || fail "no line /$1/"
}
aborts() {
	[ "$st" = 134 ] || fail "status $st, not SIGABRT (134)"
	[ ! -s "$HG_TMP/out" ] || fail "went past the access: $(cat "$HG_TMP/out")"
}

B='(chunk 0x[0-9a-f]*\.\.0x[0-9a-f]*'
for level in full fast; do
	run read-overflow "sample=1:level=$level"
	aborts
	first "^heapguard: heap-overflow of 0x[0-9a-f]* $B, 80 bytes, 64 requested) at a read past the block\$"
	has '^  a read at 0x[0-9a-f]*, offset 64 of the block (1 byte(s) past the requested 64), hit the guard page after its sampled slot$'
	echo "ok: $case at level=$level"

	run read-after-free "sample=1:level=$level"
	aborts
	first "^heapguard: use-after-free of 0x[0-9a-f]* $B, 80 bytes, 64 requested) at a read of the freed block\$"
	has '^  a read at 0x[0-9a-f]*, offset 8 of the block, after it was freed (its sampled slot is inaccessible until reused)$'
	echo "ok: $case at level=$level"

	run write-after-free "sample=1:level=$level"
	aborts
	first "^heapguard: use-after-free of 0x[0-9a-f]* $B, 64 bytes, 48 requested) at a write to the freed block\$"
	has '^  a write at 0x[0-9a-f]*, offset 40 of the block, after it was freed'
	echo "ok: $case at level=$level"

	run underflow "sample=1:level=$level"
	aborts
	first "^heapguard: heap-overflow of 0x[0-9a-f]* $B, 80 bytes, 64 requested) at a read before the block\$"
	has '^  heap underflow: a read at 0x[0-9a-f]*ff0, 32 bytes before the block.s start, hit the guard page before its sampled slot$'
	echo "ok: $case at level=$level"
done

# level=full: the access's stack from the faulting instruction, and the
# block's free and allocation stacks from the slot table.
run write-after-free sample=1
grep -A1 '^  thread 1 ' "$HG_TMP/err" | grep -q '^    #0 0x[0-9a-f]* in main' ||
	fail "the access's stack does not start in main"
has '^  freed by thread 1:$'
has '^  allocated by thread 1:$'
echo "ok: access, free and allocation stacks"

# A sampled block to the rest of the API: as on glibc but for heapguard's
# findings (usable size: the request at level=full), the leak found.
run api sample=1
[ "$st" = 0 ] || fail "status $st"
printf 'usable 100\nkept 1\nzero 1\ncheck 0\n' | cmp -s - "$HG_TMP/out" ||
	fail "stdout: $(tr '\n' ' ' <"$HG_TMP/out")"
has '^heapguard: lost [0-9,]* bytes in [0-9,]* blocks at [0-9]* sites'
echo "ok: $case: $(tr '\n' ' ' <"$HG_TMP/out")"
run double-free sample=1
aborts
first "^heapguard: double-free of 0x[0-9a-f]* $B, 80 bytes, 64 requested) in free()\$"
echo "ok: $case"
run canary sample=1
aborts
first "^heapguard: heap-overflow of 0x[0-9a-f]* $B, 80 bytes, 60 requested) in free()\$"
has '^  2 byte(s) past the requested 60: byte at offset 61 is 0x78, expected 0xa5$'
echo "ok: $case"

# A big freed block's pages, protected in the quarantine (level=full).
run big-write sample=0
aborts
first "^heapguard: use-after-free of 0x[0-9a-f]* $B, [0-9]* bytes, 131072 requested) at a write to the freed block\$"
has '^  a write at 0x[0-9a-f]*, offset 65537 of the block, after it was freed (its pages are inaccessible while it is in the quarantine)$'
has '^  freed by thread 1:$'
echo "ok: $case"

# Its pages go back to the system while it waits (no access can read
# them), from 64 KiB of them on...
run big-resident sample=0
[ "$st" = 0 ] || fail "status $st"
grep -q '^resident 0 of [1-9][0-9]*$' "$HG_TMP/out" || fail "stdout: $(cat "$HG_TMP/out")"
echo "ok: $case: $(cat "$HG_TMP/out")"
run mid-resident sample=0
[ "$st" = 0 ] || fail "status $st"
grep -q '^resident \([1-9][0-9]*\) of \1$' "$HG_TMP/out" || fail "stdout: $(cat "$HG_TMP/out")"
echo "ok: $case: $(cat "$HG_TMP/out")"
# ...unless check=1 lets the program go on after the access: then it reads
# what it left, as on glibc.
run big-read sample=0:check=1
plain big-read
[ "$st" = "$plain_st" ] || fail "status $st, on glibc $plain_st"
cmp -s "$HG_TMP/out" "$HG_TMP/plain.out" || fail "stdout '$(cat "$HG_TMP/out")', on glibc '$(cat "$HG_TMP/plain.out")'"
[ "$(grep -c '^heapguard: use-after-free of 0x.* at a read of the freed block$' "$HG_TMP/err")" = 1 ] ||
	fail "not one use-after-free"
echo "ok: $case: $(cat "$HG_TMP/out")"

# A fork child inherits the guard pages (markers too, where the kernel
# has them): its read past its parent's block dies at the access.
for level in full fast; do
	run fork-overflow "sample=1:level=$level"
	[ "$st" = 0 ] || fail "status $st"
	grep -q '^child: signal 6$' "$HG_TMP/out" || fail "stdout '$(cat "$HG_TMP/out")', not 'child: signal 6'"
	first "^heapguard: heap-overflow of 0x[0-9a-f]* $B, 80 bytes, 64 requested) at a read past the block\$"
	echo "ok: $case at level=$level"
done

# The pool's inaccessible pages are guard markers where the kernel has
# them: live slots split no mapping (each made two, between PROT_NONE
# pages, and every fork copied them).  Elsewhere, two per live slot.
run mappings sample=1
[ "$st" = 0 ] || fail "status $st"
case $(cat "$HG_TMP/out") in
"markers 1 more mappings "[0-4]) ;;
"markers 0 more mappings "*) ;;
*) fail "stdout '$(cat "$HG_TMP/out")', expected at most 4 more mappings with markers" ;;
esac
echo "ok: $case: $(cat "$HG_TMP/out")"

# level=full's protected quarantined blocks: a process that forked gives
# them guard markers (where the kernel has them), so their pieces of the
# heap's mapping merge again and no fork copies them; a write after free
# still dies at the access, in a child and in the parent.
run fork-protected sample=0:level=full
aborts_late() {
	[ "$st" = 134 ] || fail "status $st, not SIGABRT (134)"
	grep -q 'wrote after free' "$HG_TMP/out" && fail "went past the access"
}
aborts_late
grep -q '^child: signal 6$' "$HG_TMP/out" || fail "stdout '$(cat "$HG_TMP/out")', no 'child: signal 6'"
[ "$(grep -c '^heapguard: use-after-free of 0x[0-9a-f]* .* at a write to the freed block$' "$HG_TMP/err")" = 2 ] ||
	fail "not two use-after-free lines (child and parent)"
has '^  a write at 0x[0-9a-f]*, offset 8192 of the block, after it was freed (its pages are inaccessible while it is in the quarantine)$'
m=$(grep '^markers' "$HG_TMP/out")
case $m in
"markers 1 mappings +"[0-9]*" before the fork, +"[0-4]" after") ;;
"markers 0 "*) ;;
*) fail "'$m': the pieces did not merge" ;;
esac
before=${m#*+}; before=${before%% *}
[ "$before" -ge 40 ] || fail "'$m': the blocks were not protected before the fork"
echo "ok: $case: $m"

# check=1: each access reported once, the page opened, the program goes
# on with the output it has on glibc.
run continue sample=1:check=1
plain continue
[ "$st" = "$plain_st" ] || fail "status $st, on glibc $plain_st"
cmp -s "$HG_TMP/out" "$HG_TMP/plain.out" || fail "stdout '$(cat "$HG_TMP/out")', on glibc '$(cat "$HG_TMP/plain.out")'"
[ "$(grep -c '^heapguard: heap-overflow of 0x.* at a read past the block$' "$HG_TMP/err")" = 1 ] ||
	fail "not one heap-overflow"
[ "$(grep -c '^heapguard: use-after-free of 0x.* at a read of the freed block$' "$HG_TMP/err")" = 1 ] ||
	fail "not one use-after-free"
[ "$(grep -c '^heapguard: continuing (check=1): the page is made accessible and the access retried$' "$HG_TMP/err")" = 2 ] ||
	fail "not two lines 'continuing (check=1): the page is made accessible and the access retried'"
grep -q 'the chunk is isolated' "$HG_TMP/err" && fail "says the chunk is isolated"
echo "ok: $case: $(cat "$HG_TMP/out")"

# Faults that are not heapguard's: as on glibc.
for opts in sample=1 sample=1:crash_check=0 sample=0:level=fast:crash_check=0; do
	for c in own-fault wild-fault; do
		run $c "$opts"
		plain $c
		[ "$st" = "$plain_st" ] || fail "$opts: status $st, on glibc $plain_st"
		cmp -s "$HG_TMP/out" "$HG_TMP/plain.out" || fail "$opts: stdout differs from glibc's"
		if grep -q '^heapguard: [a-z-]* of 0x' "$HG_TMP/err"; then fail "$opts: a diagnostic"; fi
		echo "ok: $c ($opts): status $st as on glibc"
	done
done

[ $fails -eq 0 ] || exit 1
