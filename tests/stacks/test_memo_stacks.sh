#!/bin/sh
# SPDX-License-Identifier: MIT
# A capture from the same entry frame as the last one reuses its stack only
# while every stack word the walk read still holds: allocations from one
# call site reached through two callers of the same frame shape (same
# return address, stack and frame pointers at malloc) get two stacks, each
# with its own caller, and the same sites as with unwind_verify=1 (which
# walks every time).
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
reader=${top_builddir:-.}/heapguard-report
[ -x "$reader" ] || hg_skip "heapguard-report is not built"
${CC:-cc} -O2 -o "$HG_TMP/memo_stacks" "$hg_srcdir/tests/stacks/memo_stacks.c" || exit 99
for mode in memo verify; do
	opts=report=$HG_TMP/$mode
	[ $mode = verify ] && opts=$opts:unwind_verify=1
	HEAPGUARD_OPTIONS=$opts LD_PRELOAD=$HG_PRELOAD "$HG_TMP/memo_stacks" 2>"$HG_TMP/err.$mode" ||
		{ echo "FAIL: the program failed ($mode):"; cat "$HG_TMP/err.$mode"; exit 1; }
	"$reader" --json "$HG_TMP/$mode.leaks.gz" >"$HG_TMP/$mode.json"
	[ $? -le 1 ] || { echo "FAIL: heapguard-report could not read the $mode report"; exit 1; }
done
if grep -q "unwind_verify" "$HG_TMP/err.verify"; then
	echo "FAIL: the fast unwinder disagreed with libunwind:"
	grep "unwind_verify" "$HG_TMP/err.verify" | head -n 3
	exit 1
fi
python3 - "$HG_TMP/memo.json" "$HG_TMP/verify.json" <<'PY' || exit 1
import json, sys

def sites(path):
    r = json.load(open(path))
    return {tuple((f.get("function"), f["offset"]) for f in s["frames"]): s["blocks"]
            for s in r["sites"] if s["kind"] == "lost" and s["bytes"] // max(s["blocks"], 1) == 24}

memo, verify = sites(sys.argv[1]), sites(sys.argv[2])
callers = sorted(f for stack in memo for f, _ in stack if f in ("through_alpha", "through_beta"))
print("24-byte lost sites: %d (blocks %s), callers %s; same as unwind_verify=1: %s"
      % (len(memo), sorted(memo.values()), callers, memo == verify))
ok = (len(memo) == 2 and sorted(memo.values()) == [499, 500]
      and callers == ["through_alpha", "through_beta"] and memo == verify)
sys.exit(0 if ok else 1)
PY
