#!/bin/sh
# SPDX-License-Identifier: MIT
# A diagnostic shows the offending call's stack, then the free and the
# allocation stacks of the chunk, each frame as
# "#N 0xADDR in function+0xOFF (module+0xOFF)".
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
cc=${CC:-cc}
$cc -O0 -g -fno-builtin -o "$HG_TMP/diag_stacks" "$hg_srcdir/tests/stacks/diag_stacks.c" ||
	exit 99
status=0

# expect FILE PATTERN...: each extended regular expression matches a line,
# in this order.
expect() {
	file=$1
	shift
	awk -v pats="$(printf '%s\n' "$@")" '
		BEGIN { n = split(pats, want, "\n"); i = 1 }
		i <= n && $0 ~ want[i] { i++ }
		END { exit !(i > n) }' "$file" && return 0
	echo "FAIL: expected, in order:"
	printf '    %s\n' "$@"
	echo "  in:"
	sed 's/^/    /' "$file"
	status=1
}

frame='^    #[0-9]+ 0x[0-9a-f]+ in '
HEAPGUARD_OPTIONS=leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD "$HG_TMP/diag_stacks" 2>"$HG_TMP/double" && {
	echo "FAIL: the double free did not abort"
	status=1
}
expect "$HG_TMP/double" '^heapguard: double-free of 0x' \
	'^  thread 1 \(diag_stacks, tid [0-9]+\):$' \
	"${frame}main\\+0x[0-9a-f]+ \\(.*diag_stacks\\+0x[0-9a-f]+\\)\$" \
	'^  freed by thread 1:$' "${frame}drop_block\\+0x" "${frame}main\\+0x" \
	'^  allocated by thread 1:$' "${frame}make_block\\+0x" "${frame}main\\+0x" \
	'^heapguard: aborting \(check=3\)$'

HEAPGUARD_OPTIONS=leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD "$HG_TMP/diag_stacks" write 2>"$HG_TMP/waf" && {
	echo "FAIL: the write after free was not reported"
	status=1
}
expect "$HG_TMP/waf" '^heapguard: write-after-free of 0x' \
	'^  freed by thread 1:$' "${frame}drop_block\\+0x" \
	'^  allocated by thread 1:$' "${frame}make_block\\+0x"

# depth= bounds every stack.
HEAPGUARD_OPTIONS=leaks=0:frag=0:depth=1 LD_PRELOAD=$HG_PRELOAD "$HG_TMP/diag_stacks" 2>"$HG_TMP/depth1"
if grep -q '^    #1 ' "$HG_TMP/depth1"; then
	echo "FAIL: depth=1 printed more than one frame per stack:"
	cat "$HG_TMP/depth1"
	status=1
fi
[ $status = 0 ] && echo "double free and write after free show their three stacks"
exit $status
