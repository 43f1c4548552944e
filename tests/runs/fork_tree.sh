#!/bin/sh
# SPDX-License-Identifier: MIT
# A fork tree in one run: tests/runs/fork_tree's parent loses one block at
# parent_leak, then its 8 forked children lose one each at child_leak.
# heapguard-report --json of the run has exactly one site at parent_leak, in
# 1 process (the children inherit the block but it is not theirs), and
# exactly one at child_leak, in 8 processes.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need python3 timeout
prog=$HG_BUILD/tests/runs/fork_tree
[ -x "$prog" ] || { echo "FAIL: $prog not built"; exit 1; }
cd "$RUNS_TMP" || exit 99

timeout 60 "$HG_BIN" --run-dir=run -- "$prog" >out 2>err
st=$?
[ $st -eq 0 ] || fail "fork_tree under heapguard exited $st: $(cat err)"
split_summary err
[ ! -s err ] || fail "lost bytes in a run went to stderr: $(cat err)"
timeout 60 "$HG_REPORT" --json run >run.json 2>report.err
st=$?
# 1: lost bytes shown, as for a single report
[ $st -le 1 ] || fail "heapguard-report --json run exited $st: $(cat report.err)"
python3 - run.json <<'PY' || fail "the run's sites: see above"
import json, sys

try:
    run = json.load(open(sys.argv[1]))
except ValueError as e:
    print("heapguard-report --json of the run is not JSON: %s" % e)
    sys.exit(1)
def at(function):
    return [s for s in run.get("sites", [])
            if any(f.get("function") == function for f in s.get("frames", []))]
ok = True
for function, processes in (("parent_leak", 1), ("child_leak", 8)):
    sites = at(function)
    got = [(s.get("processes"), s.get("blocks"), s.get("kind")) for s in sites]
    if len(sites) != 1 or sites[0].get("processes") != processes:
        print("%s: expected one site in %d processes, got (processes, blocks, kind) %s"
              % (function, processes, got))
        ok = False
    elif sites[0].get("blocks") != processes:
        print("%s: expected %d blocks, got %s" % (function, processes, got))
        ok = False
if run.get("processes") != 9:
    print("expected 9 processes in the run, got %r" % run.get("processes"))
    ok = False
sys.exit(0 if ok else 1)
PY
runs_done
