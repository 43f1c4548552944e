#!/bin/sh
# SPDX-License-Identifier: MIT
# A heap error the program survives (check=1) decides the run's status with
# error_exitcode: `heapguard --check=1 --error_exitcode=41 -- double_free`
# prints the diagnostic when it happens, lets the program finish, exits 41,
# and heapguard-report --json of the run lists the one double-free.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need python3 timeout
prog=$HG_BUILD/tests/runs/double_free
[ -x "$prog" ] || { echo "FAIL: $prog not built"; exit 1; }
cd "$RUNS_TMP" || exit 99

timeout 60 "$HG_BIN" --check=1 --error_exitcode=41 --run-dir=run -- "$prog" >out 2>err
st=$?
[ $st -eq 41 ] || fail "exited $st, expected 41 (error_exitcode)"
[ "$(cat out)" = survived ] || fail "the program did not go on after the error: '$(cat out)'"
grep -q '^heapguard: double-free of 0x' err || fail "no double-free diagnostic on stderr: $(cat err)"
split_summary err
timeout 60 "$HG_REPORT" --json run >run.json 2>report.err
st=$?
[ $st -le 1 ] || fail "heapguard-report --json run exited $st: $(cat report.err)"
python3 - run.json <<'PY' || fail "the run's errors: see above"
import json, sys

try:
    run = json.load(open(sys.argv[1]))
except ValueError as e:
    print("heapguard-report --json of the run is not JSON: %s" % e)
    sys.exit(1)
errors = run.get("errors", [])
kinds = [e.get("kind") for e in errors]
if kinds != ["double-free"]:
    print("expected one double-free in the run's errors, got %s" % kinds)
    sys.exit(1)
if not str(errors[0].get("program", "")).endswith("double_free"):
    print("the error's program is %r" % errors[0].get("program"))
    sys.exit(1)
PY
# the same without error_exitcode: the program's own status
timeout 60 "$HG_BIN" --check=1 --run-dir=run2 -- "$prog" >out 2>err
st=$?
[ $st -eq 0 ] || fail "without error_exitcode, exited $st instead of the program's 0"
runs_done
