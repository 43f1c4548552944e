#!/bin/sh
# SPDX-License-Identifier: MIT
# Never worse than glibc on a damaged stack (damaged_stack.c): the malloc
# API and exit() called with the stack 8 bytes off its alignment (through
# a trampoline with CFI and one without), and from a caller whose saved
# frame pointer or return address is overwritten, run at every level as
# they run on glibc: the same stdout and exit status, nothing on stderr.
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
# Frame pointers: the walk above the damaged frame follows them.
${CC:-cc} -O0 -fno-omit-frame-pointer -o "$HG_TMP/damaged_stack" \
	"$hg_srcdir/tests/stacks/damaged_stack.c" || exit 99
fails=0
for how in misaligned jit rbp ra exit; do
	"$HG_TMP/damaged_stack" $how >"$HG_TMP/plain.out" 2>"$HG_TMP/plain.err"
	plain=$?
	for level in fast full; do
		HEAPGUARD_OPTIONS=level=$level:report=$HG_REPORTS/hg.%p LD_PRELOAD=$HG_PRELOAD \
			"$HG_TMP/damaged_stack" $how >"$HG_TMP/hg.out" 2>"$HG_TMP/hg.err"
		st=$?
		if [ $st -ne $plain ] || ! cmp -s "$HG_TMP/plain.out" "$HG_TMP/hg.out" ||
			[ -s "$HG_TMP/hg.err" ]; then
			echo "FAIL: $how, level=$level: status $st (glibc $plain), stdout:"
			sed 's/^/    /' "$HG_TMP/hg.out" | head -5
			echo "  glibc's:"
			sed 's/^/    /' "$HG_TMP/plain.out" | head -5
			echo "  stderr:"
			sed 's/^/    /' "$HG_TMP/hg.err" | head -10
			fails=$((fails + 1))
		else
			echo "ok: $how, level=$level: status $st, as on glibc"
		fi
	done
done
exit $((fails > 0))
