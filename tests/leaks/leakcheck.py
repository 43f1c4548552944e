# SPDX-License-Identifier: MIT
# Helper of the leak corpus: turns a Valgrind memcheck log into expectation
# lines, turns `heapguard-report --json --show=all` output into the same
# lines, and compares the two (exact totals for lost/indirect, exact blocks and
# bytes per site).  Used by valgrind-expected.sh and run-leaks.sh.
"""usage:
  leakcheck.py valgrind PROG SOURCE LOG        expectation lines from a memcheck log
  leakcheck.py describe SOURCE JSON            heapguard's report as lines, with
                                               min, max and threads per site
  leakcheck.py compare [--kinds K,K] EXPECTED PROG SOURCE JSON
                                               exit 0 when the report matches

Expectation lines (expected.txt):
  PROG KIND FUNCTION BLOCKS BYTES    one per (kind, function), KIND is
                                     lost | indirect | reachable
  PROG total lost BYTES BLOCKS       exact totals over the whole process
  PROG total indirect BYTES BLOCKS
A site's FUNCTION is the direct caller of the allocation function (after
operator new and friends), and the site counts only when that caller is in the
test program: blocks that glibc or libstdc++ allocate for themselves
(stdio buffers, thread vectors, the exception pool) differ between Valgrind's
and heapguard's process and are compared through the totals only.
"""

import json
import os
import re
import sys

KINDS = ("lost", "indirect", "reachable")

# Valgrind's words -> heapguard's kinds.  "possibly lost" means reached only
# through interior pointers: heapguard counts an interior pointer as a
# reference (as LeakSanitizer does), so those blocks are reachable for it.
VG_KINDS = {
    "definitely lost": "lost",
    "indirectly lost": "indirect",
    "possibly lost": "reachable",
    "still reachable": "reachable",
}

VG_PREFIX = re.compile(r"^==(\d+)== ?")
VG_RECORD = re.compile(
    r"^([\d,]+)(?: \(([\d,]+) direct, ([\d,]+) indirect\))? bytes in ([\d,]+) "
    r"blocks are (definitely lost|indirectly lost|possibly lost|still reachable)"
    r" in loss record")
VG_FRAME = re.compile(r"^\s+(?:at|by) 0x[0-9A-Fa-f]+: (.*) \(([^()]*)\)$")
VG_TOTAL = re.compile(
    r"^\s+(definitely lost|indirectly lost): ([\d,]+) bytes in ([\d,]+) blocks")

# Frames between malloc and the program's code that belong to the
# allocation API itself (C++ operator new, in libstdc++ under heapguard).
ALLOC_WRAPPER = re.compile(r"^(operator new|operator delete|_Zn[wa]|_Zd[la])")


def num(text):
    return int(text.replace(",", ""))


def parse_valgrind(source, path):
    """(sites, totals, notes): sites[(kind, function)] = [blocks, bytes]."""
    base = os.path.basename(source)
    sites, notes = {}, []
    totals = {"lost": [0, 0], "indirect": [0, 0]}
    record = None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [VG_PREFIX.sub("", line.rstrip("\n"), count=1) for line in f]
    for line in lines + [""]:
        m = VG_RECORD.match(line)
        if m:
            bytes_ = num(m.group(2)) if m.group(2) else num(m.group(1))
            record = {"word": m.group(5), "kind": VG_KINDS[m.group(5)],
                      "blocks": num(m.group(4)), "bytes": bytes_,
                      "frames": []}
            continue
        fm = VG_FRAME.match(line) if record else None
        if fm:
            record["frames"].append((fm.group(1), fm.group(2)))
            continue
        if record:
            function = vg_site_function(record["frames"], base)
            if function is not None:
                key = (record["kind"], function)
                got = sites.setdefault(key, [0, 0])
                got[0] += record["blocks"]
                got[1] += record["bytes"]
                if record["word"] == "possibly lost":
                    notes.append("%s: %d bytes in %d blocks are \"possibly "
                                 "lost\" under Valgrind (interior pointers "
                                 "only): reachable for heapguard" %
                                 (function, record["bytes"], record["blocks"]))
            record = None
        m = VG_TOTAL.match(line)
        if m:
            kind = VG_KINDS[m.group(1)]
            totals[kind] = [num(m.group(2)), num(m.group(3))]
    return sites, totals, notes


def vg_site_function(frames, base):
    """The caller of the allocation function when it is in the program."""
    for function, where in frames:
        if where.startswith("in ") and "vgpreload_" in where:
            continue
        if ALLOC_WRAPPER.match(function):
            continue
        if where.split(":")[0] == base:
            return function
        return None
    return None


def hg_site_function(frames, program, base):
    prog = os.path.basename(program or "")
    for frame in frames:
        module = os.path.basename(frame.get("module") or "")
        function = frame.get("function") or "?"
        if module.startswith("libheapguard"):
            continue
        if ALLOC_WRAPPER.match(function):
            continue
        if (prog and module == prog) or \
                os.path.basename(frame.get("file") or "") == base:
            return function
        return None
    return None


def load_report(source, path):
    """(sites, totals, report): heapguard's JSON in the same shape, with
    min, max and threads accumulated per (kind, function)."""
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    base = os.path.basename(source)
    sites = {}
    for site in report.get("sites", []):
        function = hg_site_function(site.get("frames", []),
                                    report.get("program"), base)
        if function is None:
            continue
        key = (site["kind"], function)
        got = sites.setdefault(key, {"blocks": 0, "bytes": 0, "min": None,
                                     "max": None, "threads": set()})
        got["blocks"] += site["blocks"]
        got["bytes"] += site["bytes"]
        for field, pick in (("min", min), ("max", max)):
            if field in site:
                got[field] = site[field] if got[field] is None else \
                    pick(got[field], site[field])
        for thread in site.get("threads", []):
            got["threads"].add(str(thread))
    totals = {kind: [report["totals"][kind]["bytes"],
                     report["totals"][kind]["blocks"]] for kind in KINDS}
    return sites, totals, report


def expectation_lines(prog, sites, totals):
    lines = []
    for kind in KINDS:
        for (k, function), (blocks, bytes_) in sorted(sites.items()):
            if k == kind:
                lines.append("%s %s %s %d %d" % (prog, kind, function,
                                                  blocks, bytes_))
    for kind in ("lost", "indirect"):
        lines.append("%s total %s %d %d" % (prog, kind, totals[kind][0],
                                            totals[kind][1]))
    return lines


def read_expected(path, prog, kinds):
    sites, totals = {}, {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields or fields[0].startswith("#") or fields[0] != prog:
                continue
            if len(fields) != 5:
                sys.exit("%s:%d: malformed line" % (path, number))
            if fields[1] == "total":
                if fields[2] in kinds:
                    totals[fields[2]] = [int(fields[3]), int(fields[4])]
            elif fields[1] in kinds:
                sites[(fields[1], fields[2])] = [int(fields[3]),
                                                 int(fields[4])]
    if not totals:
        sys.exit("no expectations for %s in %s" % (prog, path))
    return sites, totals


def cmd_valgrind(prog, source, log):
    sites, totals, notes = parse_valgrind(source, log)
    for note in notes:
        print("# %s: %s" % (prog, note))
    print("\n".join(expectation_lines(prog, sites, totals)))


def cmd_describe(source, path):
    sites, totals, report = load_report(source, path)
    for (kind, function), s in sorted(sites.items()):
        print("%s %s %d %d min=%s max=%s threads=%s" % (
            kind, function, s["blocks"], s["bytes"], s["min"], s["max"],
            ",".join(sorted(s["threads"])) or "-"))
    for kind in KINDS:
        print("total %s %d %d" % (kind, totals[kind][0], totals[kind][1]))
    print("pid %s" % report.get("pid"))
    print("status %s" % report.get("status"))


def cmd_compare(kinds, expected, prog, source, path):
    want_sites, want_totals = read_expected(expected, prog, kinds)
    sites, totals, _ = load_report(source, path)
    got_sites = {key: [s["blocks"], s["bytes"]] for key, s in sites.items()
                 if key[0] in kinds}
    want = expectation_lines(prog, want_sites, want_totals)
    got = expectation_lines(prog, got_sites, totals)
    got = [line for line in got
           if line.split()[1] != "total" or line.split()[2] in want_totals]
    if want == got:
        return 0
    print("%s: heapguard's report differs from the expectation "
          "(PROG KIND FUNCTION BLOCKS BYTES / PROG total KIND BYTES BLOCKS):"
          % prog)
    for line in want:
        if line not in got:
            print("  - expected: %s" % line)
    for line in got:
        if line not in want:
            print("  + got:      %s" % line)
    return 1


def main(argv):
    if len(argv) == 5 and argv[1] == "valgrind":
        cmd_valgrind(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "describe":
        cmd_describe(argv[2], argv[3])
        return 0
    if len(argv) >= 6 and argv[1] == "compare":
        args = argv[2:]
        kinds = KINDS
        if args[0] == "--kinds":
            kinds = tuple(args[1].split(","))
            args = args[2:]
        if len(args) == 4:
            return cmd_compare(kinds, *args)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
