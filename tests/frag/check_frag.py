#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_frag.py MODE REPORT.frag.gz PROBE_STDOUT [READER_JSON]: compare a fragmentation
report with what tests/frag/frag_probe knew when it asked for it (its
"known KEY VALUE" lines).  Reads the file format of heapguard-report(5)
directly, so the writer is checked independently of the reader; with
READER_JSON (heapguard-report --json of the same file), the reader's totals
are checked against mallinfo2 and the file too.  Prints
one line per failed check and exits 1 if any failed."""
import gzip
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def fields(words):
    out = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            out[k] = int(v) if v.isdigit() else v
    return out


def parse(path):
    r = {"arenas": {}, "hist": {}, "stacks": {}, "modules": {}, "pin_sites": [], "pin_top": [],
         "segments": [], "maps": [], "peak_sites": [], "timeline": [], "pages": []}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    check(lines[0] == "heapguard-frag 2.1", "first line is %r" % lines[0])
    for line in lines[1:]:
        if not line:
            continue
        w = line.split(" ")
        k = w[0]
        if k == "arena":
            r["arenas"][int(w[1])] = fields(w[2:])
            r["arenas"][int(w[1])]["kind"] = w[2].split("=")[1]
        elif k in ("totals", "mmapped", "peak"):
            r[k] = fields(w[1:])
        elif k == "histogram":
            r["hist"].setdefault(w[1], []).append(tuple(int(x) for x in w[2:6]))
        elif k == "stack":
            r["stacks"][int(w[1])] = w[2:]
        elif k == "module":
            r["modules"][w[1]] = (int(w[2], 16), " ".join(w[4:]))
        elif k == "pin_site":
            r["pin_sites"].append(tuple(int(x) for x in w[1:7]))
        elif k == "pin_top":
            r["pin_top"].append(w[1:])
        elif k == "pages":
            r["pages"].append((int(w[1]), int(w[2]), int(w[3]), int(w[4]), w[5:]))
        elif k == "timeline":
            r["timeline"].append(tuple(None if x == "-" else int(x) for x in w[1:7]))
        elif k == "peak_site":
            r["peak_sites"].append(tuple(int(x) for x in w[1:4]))
        elif k == "segment":
            r["segments"].append((int(w[1]), int(w[2]), int(w[3], 16), int(w[4], 16),
                                  int(w[5], 16), int(w[6])))
        elif k == "map":
            r["maps"].append(w[3:])
        elif k in ("trigger", "level", "end", "page_size", "uptime_us"):
            r[k] = w[1:]
    check("end" in r, "no end line")
    return r


def known_values(path):
    k = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 3 and w[0] == "known":
                k[w[1]] = int(w[2])
    return k


def function_of(r, frame):
    """The function a MODULE+0xOFF frame is in, by addr2line."""
    mod, off = frame.split("+")
    path = r["modules"][mod][1]
    out = subprocess.run(["addr2line", "-f", "-e", path, off], capture_output=True, text=True)
    return out.stdout.split("\n")[0]


def common(r, k):
    t = r["totals"]
    # Figures add up, per arena and in total.
    for i, a in sorted(r["arenas"].items()):
        parts = sum(a[x] for x in ("tcache", "fastbins", "unsorted", "small", "large", "top",
                                   "quarantine"))
        check(a["free"] == parts, "arena %d: free %d != sum of its parts %d" % (i, a["free"], parts))
        check(a["in_use"] == a["system"] - a["free"], "arena %d: in_use != system - free" % i)
        check(a["live_bytes"] <= a["in_use"], "arena %d: live bytes above in use" % i)
        check(a["largest_chunk"] <= a["largest_free"] <= a["free"],
              "arena %d: largest chunk %d <= largest region %d <= free %d" %
              (i, a["largest_chunk"], a["largest_free"], a["free"]))
        check(a["trimmable"] <= a["resident"] <= a["system"] + 4096,
              "arena %d: trimmable %d <= resident %d <= system %d" %
              (i, a["trimmable"], a["resident"], a["system"]))
        hist = r["hist"].get(str(i), [])
        check(sum(h[2] for h in hist) == a["free_chunks"] - (1 if a["top"] > 0 else 0),
              "arena %d: histogram counts %d chunks, free_chunks %d" %
              (i, sum(h[2] for h in hist), a["free_chunks"]))
        check(sum(h[3] for h in hist) == a["free"] - a["top"],
              "arena %d: histogram bytes %d != free - top %d" %
              (i, sum(h[3] for h in hist), a["free"] - a["top"]))
    for key in ("tcache", "fastbins", "unsorted", "small", "large", "top", "quarantine",
                "free", "trimmable", "free_chunks"):
        check(t[key] == sum(a[key] for a in r["arenas"].values()),
              "totals %s is not the sum of the arenas'" % key)
    for key in ("system", "live_bytes", "resident"):
        check(t[key] == sum(a[key] for a in r["arenas"].values()) + r["mmapped"][key],
              "totals %s is not the arenas' plus the mmapped chunks'" % key)
    # mallinfo2 taken at the same moment.  It does not see the chunks other
    # threads hold in their quarantine batches (up to 16 each, level=full):
    # the report's walk does; "slack" allows for them.
    slack = k.get("batch_slack", 0)
    check(t["system"] == k["arena"] + k["hblkhd"],
          "system %d != mallinfo2 arena + hblkhd %d" % (t["system"], k["arena"] + k["hblkhd"]))
    diff = t["free"] - t["tcache"] - k["fordblks"]
    check(diff == 0 or 0 < diff <= slack,
          "free - tcache %d != mallinfo2 fordblks %d" % (t["free"] - t["tcache"], k["fordblks"]))
    check(k["uordblks"] + k["hblkhd"] - (t["in_use"] + t["tcache"]) == diff,
          "in_use + tcache %d != uordblks + hblkhd %d" %
          (t["in_use"] + t["tcache"], k["uordblks"] + k["hblkhd"]))
    check(r["mmapped"]["chunks"] == k["hblks"], "mmapped chunks != mallinfo2 hblks")
    # Each map covers its segment.
    check(len(r["maps"]) == len(r["segments"]), "a map line per segment")
    for seg, runs in zip(r["segments"], r["maps"]):
        n = sum(int(x.split("*")[1]) if "*" in x else 1 for x in runs)
        cells = (seg[3] - seg[2] + seg[5] - 1) // seg[5]
        check(n == cells, "segment %x: map has %d cells, expected %d" % (seg[2], n, cells))
        check(cells <= 4096, "segment %x: %d cells" % (seg[2], cells))


def timeline(r):
    """The timeline: in time order, at most 1000 samples, the last at the
    report's moment, in use + free + quarantine = system; at level=fast in
    use and free unknown."""
    tl = r["timeline"]
    full = r["level"] == ["full"]
    check(0 < len(tl) <= 1000, "%d timeline lines" % len(tl))
    check(all(a[0] <= b[0] for a, b in zip(tl, tl[1:])), "timeline out of time order")
    check(tl and tl[-1][0] == int(r["uptime_us"][0]), "the last sample is not the report's moment")
    for t, system, in_use, free, quarantine, resident in tl:
        if full:
            check(in_use is not None and in_use + free + quarantine == system,
                  "timeline at %d: %s + %s + %s != %d" % (t, in_use, free, quarantine, system))
        else:
            check(in_use is None and free is None and quarantine == 0,
                  "timeline at %d: in use or free known at level=fast" % t)
        check(resident is not None and resident > 0, "timeline at %d: no resident set" % t)


def page_units(r):
    """Each segment's page units from its pages lines, [(class, stack)], in
    segment order; checks the lines against heapguard-report(5)."""
    out = []
    page = int(r["page_size"][0])
    system = sum(a["system"] for a in r["arenas"].values())
    unit = page
    while system // unit > 131072:
        unit *= 2
    lines = list(r["pages"])
    for seg in r["segments"]:
        arena, index, lo, hi = seg[0], seg[1], seg[2], seg[3]
        n = (hi + unit - 1) // unit - lo // unit
        units = []
        while lines and (lines[0][0], lines[0][1]) == (arena, index):
            a, i, u, first, runs = lines.pop(0)
            check(u == unit, "pages unit %d, expected %d" % (u, unit))
            check(first == len(units), "pages line from %d, expected %d" % (first, len(units)))
            check(len(runs) <= 512, "a pages line of %d runs" % len(runs))
            for run in runs:
                head, _, stack = run.partition(":")
                c, _, count = head.partition("*")
                check(c in "UPFT.", "page class %r" % c)
                check(not stack or c in "UP", "a %s run names a stack" % c)
                units += [(c, int(stack) if stack else 0)] * (int(count) if count else 1)
        check(len(units) == n, "segment %x: %d page units, expected %d" % (lo, len(units), n))
        out.append(units)
    check(not lines, "pages lines of no segment, or out of order: %s" % lines[:1])
    check(sum(len(u) for u in out) <= 262144, "more than 262144 page units")
    return out, unit


def reader_json(path, r, k):
    import json
    with open(path) as f:
        whole = json.load(f)
    j = whole["totals"]
    want = [{"t": x[0], "system_bytes": x[1], "in_use_bytes": x[2], "free_bytes": x[3],
             "quarantine_bytes": x[4], "resident_bytes": x[5]} for x in r["timeline"]]
    check(whole["timeline"] == want, "JSON timeline is not the file's")
    t = r["totals"]
    slack = k.get("batch_slack", 0)
    check(j["system"] == k["arena"] + k["hblkhd"], "JSON system != mallinfo2 arena + hblkhd")
    diff = j["free"] - j["tcache"] - k["fordblks"]
    check(diff == 0 or 0 < diff <= slack, "JSON free - tcache != mallinfo2 fordblks")
    check(k["uordblks"] + k["hblkhd"] - (j["in_use"] + j["tcache"]) == diff,
          "JSON in_use + tcache != mallinfo2 uordblks + hblkhd")
    for key in ("top", "resident", "trimmable"):
        check(j[key] == t[key], "JSON %s != the file's" % key)
    check(j["largest_free"] == t["largest_free"], "JSON largest_free")
    # The totals' fragmentation comes from the arenas': the free bytes outside
    # each one's largest free region, over all free bytes; so it lies between
    # the arenas' own (an arena's top is no fragment of another's).
    arenas = [a for a in r["arenas"].values() if a["free"]]
    outside = sum(a["free"] - a["largest_free"] for a in arenas)
    want = outside / t["free"] if t["free"] else 0
    check(abs(j["fragmentation"] - want) < 1e-5, "JSON fragmentation %s, expected %.6f" % (j["fragmentation"], want))
    each = [1 - a["largest_free"] / a["free"] for a in arenas]
    check(not each or min(each) - 1e-6 <= j["fragmentation"] <= max(each) + 1e-6,
          "JSON fragmentation %s outside the arenas' %s" % (j["fragmentation"], each))


def main():
    mode, path, probe = sys.argv[1], sys.argv[2], sys.argv[3]
    r = parse(path)
    k = known_values(probe)
    common(r, k)
    timeline(r)
    units, unit = page_units(r)
    if len(sys.argv) > 4:
        reader_json(sys.argv[4], r, k)
    t = r["totals"]
    frag = 1 - t["largest_free"] / t["free"] if t["free"] else 0
    full = r["level"] == ["full"]
    if mode == "swiss":
        check(frag > 0.9, "fragmentation %.3f, expected above 0.9" % frag)
        check(t["free"] / t["system"] > 0.8, "free share %.3f" % (t["free"] / t["system"]))
        if full:
            site = r["pin_sites"][0] if r["pin_sites"] else None
            check(site is not None, "no pin_site")
            if site:
                check(function_of(r, r["stacks"][site[0]][0]) == "make_message",
                      "top pinning site is %s, not make_message" %
                      function_of(r, r["stacks"][site[0]][0]))
                check(site[1] == k["kept"], "pinning site has %d blocks, %d kept" % (site[1], k["kept"]))
                check(1008 <= site[2] // site[1] <= 1100, "bytes per block %d" % (site[2] // site[1]))
                check(site[3] > 0.7 * t["free"], "site pins %d of %d free" % (site[3], t["free"]))
            peak = r["peak_sites"][0] if r["peak_sites"] else None
            check(peak is not None and function_of(r, r["stacks"][peak[0]][0]) == "make_message",
                  "peak site is not make_message")
            check(r["peak"]["live"] >= 1000 * k["kept"] * 10, "live peak %d" % r["peak"]["live"])
            # The timeline saw the heap fill up and the messages go.
            most = max(x[2] for x in r["timeline"])
            check(most >= r["peak"]["live"] // 2,
                  "timeline's most in use %d, the live peak %d" % (most, r["peak"]["live"]))
            check(r["timeline"][-1][2] < most // 4, "timeline: in use did not fall")
            # The page map: the holes are wholly free pages, about what
            # malloc_trim gives back; the pinned ones name make_message.
            flat = [x for seg in units for x in seg]
            free = sum(1 for c, _ in flat if c == "F") * unit
            check(0.9 * t["trimmable"] <= free <= t["free"],
                  "%d bytes of free pages, trimmable %d, free %d" % (free, t["trimmable"], t["free"]))
            pinned = [s for c, s in flat if c == "P"]
            check(len(pinned) * unit > 0.2 * t["free"], "%d pinned pages" % len(pinned))
            named = [s for s in pinned if s]
            # make_message pins them, but for the odd page where another
            # block holds more (stdout's 4 KiB buffer, say, when it lands
            # among the holes).
            other = [s for s in named if function_of(r, r["stacks"][s][0]) != "make_message"]
            check(len(named) > 0.9 * len(pinned) and len(other) <= max(2, len(named) // 100),
                  "pinned pages' sites %s, %d of %d pages not make_message's" %
                  (sorted(set(named)), len(other), len(named)))
        else:
            check(r["pin_sites"] and r["pin_sites"][0][0] == 0, "level=fast: site 0 pins")
        # What malloc_trim(0) then took off the resident set.
        released = k["trim_released"]
        check(abs(t["trimmable"] - released) <= 0.05 * released,
              "trimmable %d, malloc_trim released %d (more than 5%% apart)" %
              (t["trimmable"], released))
        print("swiss: fragmentation %.3f, trimmable %d, released %d" % (frag, t["trimmable"], released))
    elif mode == "compact":
        check(frag < 0.05, "fragmentation %.3f, expected about 0" % frag)
        check(t["live_blocks"] >= k["blocks"], "live blocks %d < %d" % (t["live_blocks"], k["blocks"]))
        check(not r["pin_sites"] or r["pin_sites"][0][3] < 16384, "something pins: %s" % (r["pin_sites"][:1],))
    elif mode == "threads":
        busy = [i for i, a in r["arenas"].items() if i != 0 and a["live_blocks"] >= k["per_thread"]]
        check(len(r["arenas"]) >= 2 and len(busy) >= 2,
              "arenas %d, with a thread's blocks %d" % (len(r["arenas"]), len(busy)))
        check(all(r["arenas"][i]["kind"] == "thread" for i in busy), "arena kinds")
        live = sum(r["arenas"][i]["live_blocks"] for i in busy)
        check(live >= k["threads"] * k["per_thread"], "thread arenas hold %d blocks" % live)
    elif mode == "timeline":
        # Slow paths in more than 2000 milliseconds: more samples were due
        # than the 1000 kept, so the samples were thinned and the step
        # doubled; they still span the whole run.
        tl = r["timeline"]
        span = tl[-1][0] - tl[0][0]
        check(tl[0][0] < 200000 and span > 2500000, "samples from %d us over %d us" % (tl[0][0], span))
        gaps = [b[0] - a[0] for a, b in zip(tl, tl[1:-1])]
        if k["busy_ms"] > 2000:
            check(len(tl) >= 500, "%d samples over %d us" % (len(tl), span))
            check(gaps and min(gaps) >= 2000, "a gap of %d us after thinning" % min(gaps or [0]))
        else:
            print("timeline: the machine ran the probe in %d ms only: thinning not checked" % k["busy_ms"])
    elif mode == "mmapped":
        check(r["mmapped"]["chunks"] == 2, "mmapped chunks %d" % r["mmapped"]["chunks"])
        check(r["mmapped"]["live_bytes"] >= 4 << 20, "mmapped live bytes")
    for f in failures:
        print("FAIL: %s: %s" % (mode, f))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
