#!/bin/sh
# SPDX-License-Identifier: MIT
# A run of 300 processes (a test suite's worth) reads in well under a few
# seconds: 300 records and 300 leak reports of 40 stacks of 12 frames each,
# their module the reader itself (real build id, real functions, so every
# frame is symbolized), every process at its own load address.  The merge
# must symbolize each distinct frame once, not once per report; and the
# sites must merge to the 40 distinct ones, each in 300 processes.  Prints
# the time taken.  Exit 77 without readelf or nm.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

for tool in readelf nm; do
	command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool not found" >&2; exit 77; }
done
id=$(readelf -n "$reader" | sed -n 's/.*Build ID: *//p')
[ -n "$id" ] || { echo "$0: $reader has no build id" >&2; exit 77; }
nm --defined-only "$reader" | awk '$2 == "T" || $2 == "t" { print $1 }' | sort -u | head -200 >"$tmp/functions"
[ "$(wc -l <"$tmp/functions")" -ge 100 ] || { echo "$0: too few functions in $reader" >&2; exit 77; }

mkdir "$tmp/run"
python3 - "$tmp/run" "$(cd "$(dirname "$reader")" && pwd)/$(basename "$reader")" "$id" "$tmp/functions" <<'PY'
import gzip, os, sys
run, path, build_id, functions = sys.argv[1:5]
funcs = [int(l, 16) for l in open(functions)]
for n in range(300):
    pid = 10000 + n
    name = "prog.%d.%016x" % (pid, pid)
    lines = ["heapguard-leaks 3", "version 0.1.0", "program " + path, "pid %d" % pid, "ppid 1",
             "time 1795760000 2026-11-27T06:13:20Z", "level full", "status 0", "arg 0 prog",
             "option level default full",
             "module 0 0x%x %s %s" % (0x550000000000 + pid * 0x1000000, build_id, path)]
    for s in range(40):
        frames = " ".join("0+0x%x" % (funcs[(s * 7 + k * 13) % len(funcs)] + 4) for k in range(12))
        lines.append("stack %d %s" % (s + 1, frames))
    lines.append("errors 0 0")
    for s in range(40):
        lines.append("site lost %d 1 %d %d %d 1" % (s + 1, 64 + s, 64 + s, 64 + s))
    lost = sum(64 + s for s in range(40))
    lines += ["totals %d 40 0 0 0 0" % lost, "suppressed 0 0", "end 40 40"]
    with gzip.open(os.path.join(run, name + ".leaks.gz"), "wt") as out:
        out.write("\n".join(lines) + "\n")
    with open(os.path.join(run, name + ".proc"), "w") as out:
        out.write("heapguard-process 1\nversion 0.1.0\nprogram %s\npid %d\nppid 1\nfork 0\n"
                  "time 1795760000 2026-11-27T06:13:20Z\nlevel full\nstatus 0\nexitcode 0\nerrors 0\n"
                  "lost %d 40\nindirect 0 0\nsuppressed 0 0\nscanned 1\nreport leaks %s.leaks.gz\nend\n"
                  % (path, pid, lost, name))
PY

start=$(date +%s%N)
run 1 --json "$tmp/run"
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
echo "300 processes, 300 leak reports of 40 stacks x 12 frames: read, merged and symbolized in $ms ms"
json 'j["processes"] == 300 and len(j["sites"]) == 40' 'all(s["processes"] == 300 for s in j["sites"])' \
	'all(s["frames"][0]["function"] is not None for s in j["sites"])'
[ "$ms" -lt 5000 ] || fail "300 reports took $ms ms (more than 5 s)"
start=$(date +%s%N)
run 0 --summary-line "$tmp/run"
end=$(date +%s%N)
echo "the summary line: $(((end - start) / 1000000)) ms"
grep -q '^heapguard: 300 processes, lost 1002000 bytes at 40 sites in 300 processes (' "$tmp/out" ||
	fail "summary: $(cat "$tmp/out")"

finish
