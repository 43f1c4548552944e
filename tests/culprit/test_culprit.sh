#!/bin/sh
# SPDX-License-Identifier: MIT
# Culprit stacks out of the overflow's path (issue 16; culprit.c).  Death
# tests: each case damages the heap, heapguard aborts (SIGABRT) with the
# diagnostic's usual first line, and the lines after it name
#   - the damaged block's owners, from the side table the damage cannot
#     reach (before, an overrun trailer took the allocation stack with it);
#   - the block below the damaged chunk, "likely the writer" for a broken
#     header or a write after free, with its allocation stack;
#   - for a write after free, the first and last modified offsets and the
#     bytes found (at most 32 shown).
# level=fast records no stacks: it names the block below by its bounds.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
prog=${top_builddir:-.}/tests/culprit/culprit
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
fails=0
err=$HG_TMP/err
fail() {
	echo "FAIL: $case: $*"
	sed 's/^/    /' "$err" | head -60
	fails=$((fails + 1))
}

# die CASE OPTIONS ARGS...: the program must be killed by SIGABRT.
die() {
	case=$1
	opts=$2
	shift 2
	LD_PRELOAD=$HG_PRELOAD HEAPGUARD_OPTIONS="leaks=0:frag=0:$opts" \
		timeout 60 "$prog" "$@" >"$HG_TMP/out" 2>"$err"
	st=$?
	[ "$st" -eq 134 ] || fail "exit status $st, expected 134 (SIGABRT)"
	grep -q survived "$HG_TMP/out" && fail "the program went on"
}

# first REGEX: the first diagnostic line matches (grep -E, whole line).
first() {
	line=$(grep -m1 '^heapguard: [a-z-]* of 0x' "$err")
	printf '%s\n' "$line" | grep -Eqx "$1" || fail "first line '$line', expected /$1/"
}

# has REGEX: some line matches.
has() {
	grep -Eq "$1" "$err" || fail "no line matches /$1/"
}

# then HEADING_REGEX FRAME_REGEX: the line after the first one matching
# HEADING is a frame matching FRAME.
then_frame() {
	next=$(awk -v h="$1" 'found { print; exit } $0 ~ h { found = 1 }' "$err")
	printf '%s\n' "$next" | grep -Eq "$2" ||
		fail "after /$1/ comes '$next', expected /$2/"
}

X='0x[0-9a-f]+'

# 1. A 40-byte block overrun by 24: its trailer is gone, its allocation
# stack is not.  The block below is shown, not blamed: an overflow from it
# would have broken this block's header first.
die overrun-full "" overrun 24
first "heapguard: heap-overflow of $X \\(chunk $X\\.\\.$X, 80 bytes\\) in free\\(\\)"
has '^  the bookkeeping after the canary \(offset 52\) was overwritten$'
then_frame '^  allocated by thread 1:$' ' in make_victim[+.]'
then_frame "^  the block below: 40 bytes \\(chunk $X\\.\\.$X, 80 bytes\\) allocated by thread 1 at:\$" \
	' in make_writer[+.]'
grep -q 'likely the writer' "$err" && fail "the block below is blamed for an overrun of the block itself"
[ "$fails" -eq 0 ] && echo "ok: 40+24 overrun names the block's allocation stack and the block below"

# 2. The same block overrun into the next chunk's header: the next block's
# free reports its broken header, with its owners (from the side table: its
# header cannot be trusted) and the overrun block below it as the writer,
# whose request is unknown (its trailer is gone).
die next-header-full "" next-header 48
first "heapguard: header-corruption of $X in free\\(\\)"
has '^  the block.s chunk header was overwritten: it reads 0x4242424242424242 and does not verify$'
then_frame '^  allocated by thread 1:$' ' in make_victim[+.]'
then_frame "^  the block below, likely the writer: chunk $X\\.\\.$X \\(80 bytes; request unknown: its bookkeeping was overwritten\\) allocated by thread 1 at:\$" \
	' in make_writer[+.]'
[ "$fails" -eq 0 ] && echo "ok: a broken next header names the block below as the likely writer"

# 3. level=fast: the same damage (24 bytes reach the header there); no
# stacks are recorded, the block below is named by its bounds and state.
die next-header-fast level=fast next-header 24
first "heapguard: header-corruption of $X in free\\(\\)"
has "^  the block below, likely the writer: chunk $X\\.\\.$X \\(48 bytes\\), in use: no allocation stack recorded\$"
grep -q 'allocated by thread' "$err" && fail "level=fast printed a stack it does not record"
[ "$fails" -eq 0 ] && echo "ok: level=fast names the block below by its bounds"

# 4. A write after free of bytes 8..15: the offsets, the bytes, the block's
# free and allocation stacks, and the block below (in use).
die after-free-full "" after-free
first "heapguard: write-after-free of $X \\(chunk $X\\.\\.$X, 240 bytes, 200 requested\\) at exit \\(heap check\\)"
has '^  byte at offset 8 of the freed block is 0x43, expected the fill 0xdf$'
has '^  modified: offsets 8\.\.15 of the freed block \(8 bytes\)$'
has '^  found: 43 43 43 43 43 43 43 43$'
then_frame '^  freed by thread 1:$' ' in main\+'
then_frame '^  allocated by thread 1:$' ' in make_freed[+.]'
then_frame "^  the block below, likely the writer: 64 bytes \\(chunk $X\\.\\.$X, 96 bytes\\) allocated by thread 1 at:\$" \
	' in make_writer[+.]'
[ "$fails" -eq 0 ] && echo "ok: a write after free names its offsets and bytes"

# 5. A long modified range: the dump stops at 32 bytes.
die after-free-long "" after-free 100
has '^  modified: offsets 8\.\.107 of the freed block \(100 bytes\)$'
has '^  found:( 43){32} \.\.\. \(68 more\)$'
[ "$fails" -eq 0 ] && echo "ok: the dump of a long modified range is bounded"

# 5b. A write after free over the whole block, its bookkeeping (trailer)
# included: the free stack comes from the block's quarantine entry, the
# allocation stack from the side table.
die after-free-trailer "" after-free 224
first "heapguard: write-after-free of $X \\(chunk $X\\.\\.$X, 240 bytes\\) at exit \\(heap check\\)"
has '^  modified: offsets 8\.\.211 of the freed block \(204 bytes\)$'
then_frame '^  freed by thread 1:$' ' in main\+'
then_frame '^  allocated by thread 1:$' ' in make_freed[+.]'
[ "$fails" -eq 0 ] && echo "ok: a write after free over the bookkeeping keeps both stacks"

# 6. check=1: the same report, and the program goes on to its end.
case=continue
LD_PRELOAD=$HG_PRELOAD HEAPGUARD_OPTIONS="leaks=0:frag=0:check=1" \
	timeout 60 "$prog" next-header 48 >"$HG_TMP/out" 2>"$err"
st=$?
[ "$st" -eq 0 ] || fail "exit status $st under check=1"
grep -q survived "$HG_TMP/out" || fail "the program did not go on"
has '^  the block below, likely the writer: '
[ "$fails" -eq 0 ] && echo "ok: check=1 reports the writer and continues"

[ "$fails" -eq 0 ] || exit 1
exit 0
