#!/bin/sh
# SPDX-License-Identifier: MIT
# 32,768 distinct allocation stacks: the leak report has one lost site of one
# 16-byte block for each (the depot grew and kept them apart), and the
# depot line counts them.
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
reader=${top_builddir:-.}/heapguard-report
[ -x "$reader" ] || hg_skip "heapguard-report is not built"
${CC:-cc} -O2 -o "$HG_TMP/many_stacks" "$hg_srcdir/tests/stacks/many_stacks.c" || exit 99
HEAPGUARD_OPTIONS=report=$HG_TMP/many LD_PRELOAD=$HG_PRELOAD "$HG_TMP/many_stacks" 2>"$HG_TMP/err" ||
	{ echo "FAIL: the program failed:"; cat "$HG_TMP/err"; exit 1; }
"$reader" --json --no-symbols "$HG_TMP/many.leaks.gz" >"$HG_TMP/report.json"
[ $? -le 1 ] || { echo "FAIL: heapguard-report could not read the report"; exit 1; }
python3 - "$HG_TMP/report.json" "$HG_TMP/many.leaks.gz" <<'PY' || exit 1
import gzip, json, sys
r = json.load(open(sys.argv[1]))
lost = [s for s in r["sites"] if s["kind"] == "lost" and s["bytes"] == 16]
stacks = {tuple(f["offset"] for f in s["frames"]) for s in lost}
ones = all(s["blocks"] == 1 and s["min"] == 16 and s["max"] == 16 for s in lost)
depot = [l.split() for l in gzip.open(sys.argv[2], "rt") if l.startswith("depot ")][0]
print("lost 16-byte sites: %d, distinct stacks: %d, each one block: %s, depot stacks: %s"
      % (len(lost), len(stacks), ones, depot[1]))
ok = len(lost) == 32768 and len(stacks) == 32768 and ones and int(depot[1]) >= 32768
sys.exit(0 if ok else 1)
PY
