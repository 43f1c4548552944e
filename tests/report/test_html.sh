#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report --html (heapguard-report(1)) on fixtures: one
# fragmentation report, a run directory holding one, several files.  The
# page is self-contained (no URL it would fetch, its style and script
# inline), well-formed, and has the verdict, the heap errors with their
# three stacks, the timeline chart with a hover per sample, the flame
# graphs' stacks as JSON (lost bytes, live bytes at the peak), the pinning
# table and the page map; report strings cannot close its script element;
# the exit status is the text's; options that make no sense with it are
# refused.  The page in a browser: test_html_browser.sh.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"
. "$top/tests/report/frag_fixtures.sh"
. "$top/tests/report/run_fixtures.sh"
. "$top/tests/report/html_fixtures.sh"

frag_fixtures
make_html_inputs "$tmp"

# well_formed FILE: the page parses as XML-ish HTML with every element closed.
well_formed() {
	python3 - "$1" <<'PY' || fail "$1 is not well-formed"
import sys
from html.parser import HTMLParser
VOID = {"meta", "input", "br", "img", "link", "hr"}
class Check(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            sys.exit("misnested </%s>" % tag)
c = Check()
c.feed(open(sys.argv[1], encoding="utf-8").read())
c.close()
sys.exit("unclosed: %s" % c.open if c.open else 0)
PY
}

# contains_in FILE TEXT
contains_in() {
	grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

# --- one fragmentation report ---
run 0 --no-symbols --html="$tmp/frag.html" "$tmp/pages.frag.gz"
no_stderr
[ -s "$tmp/out" ] && fail "--html=FILE wrote to standard output"
page=$tmp/frag.html
well_formed "$page"
head -1 "$page" | grep -qx '<!DOCTYPE html>' || fail "no doctype"
# Self-contained: nothing to fetch (the only URL is the SVG namespace).
grep -o 'https\?://[^"]*' "$page" | grep -vx 'http://www.w3.org/2000/svg' && fail "the page names a URL"
grep -Eq '<(link|img|iframe)|src=' "$page" && fail "the page loads something"
[ "$(grep -c '^<style>$' "$page")" = 1 ] && [ "$(grep -c '^<script>$' "$page")" = 1 ] ||
	fail "no inline style and script"
contains_in "$page" 'swiss cheese (pid 4242): 89% of the heap is free but held'
contains_in "$page" '<p class="none">No heap error was reported.</p>'
contains_in "$page" 'No leak report was read.'
# The timeline: five series, a hover per sample.
[ "$(grep -c '<polyline class="series"' "$page")" = 5 ] || fail "timeline: not five series"
contains_in "$page" '<title>0.400 s: system 101.1 MiB, in use 96.2 MiB, free 4.9 MiB, quarantine 0 bytes, resident 103.0 MiB</title>'
contains_in "$page" '<title>1.500 s: system 101.1 MiB, in use 11.4 MiB, free 85.8 MiB, quarantine 3.9 MiB, resident -</title>'
# The live bytes at the peak: the peak sites' stacks, outermost first.
python3 - "$page" <<'PY' || fail "the peak flame graph's data"
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<div class="flame" id="flame-peak">.*?<script type="application/json">(.*?)</script>', page, re.S)
data = json.loads(m.group(1))
assert data == [[["libc.so.6+0x2724a", "swiss cheese+0x11a0", "swiss cheese+0x1160"], 100800000],
                [["libc.so.6+0x2724a", "swiss cheese+0x11a0", "swiss cheese+0x1200"], 30000]], data
PY
contains_in "$page" '<tr><td>83.9 MiB</td><td>9000</td><td>9,000</td><td>10000</td><td>9.6 MiB</td><td class="site">swiss cheese+0x1160 ← swiss cheese+0x11a0 ← libc.so.6+0x2724a</td></tr>'
contains_in "$page" '<svg class="heap-map" id="heap-map-0"'
[ "$(grep -c '<g class="pages"' "$page")" = 2 ] || fail "heap map: not a group per segment"
contains_in "$page" '&#10;held by live chunks from swiss cheese+0x1160 '

# --- a run directory with a fragmentation report in it ---
run 1 --no-symbols --html="$tmp/run.html" "$tmp/run"
page=$tmp/run.html
well_formed "$page"
contains_in "$page" '<p class="verdict" id="run-verdict">11 processes: 1 heap error in 1 process; 356 bytes lost in 9 blocks in 9 processes; 128 bytes indirectly lost.</p>'
contains_in "$page" '<div class="error"><h3>double-free at 0x560000001010 in /nonexistent/double_free (pid 120)</h3>'
contains_in "$page" '<h4>allocated at</h4>'
contains_in "$page" '<h4>freed at</h4>'
[ "$(grep -c '<pre class="stack">' "$page")" = 3 ] || fail "the double free has not three stacks"
python3 - "$page" <<'PY' || fail "the lost bytes' flame graph data"
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<div class="flame" id="flame-lost">.*?<script type="application/json">(.*?)</script>', page, re.S)
data = json.loads(m.group(1))
assert sorted(b for _, b in data) == [100, 256], data
assert all(f[0] == "libc.so.6+0x2724a" for f, _ in data), data
PY
contains_in "$page" 'id="flame-peak"'
contains_in "$page" '<svg class="heap-map" id="heap-map-0"'
# A clean run.
mkdir "$tmp/clean"
proc_record "$tmp/clean" 99 1 0 /bin/sh 0 0 0 0 0
run 0 --no-symbols --html="$tmp/clean.html" "$tmp/clean"
contains_in "$tmp/clean.html" '<p class="verdict clean" id="run-verdict">1 process: no heap error; nothing lost.</p>'
contains_in "$tmp/clean.html" '<p class="none" id="flame-lost">No lost bytes.</p>'
# Several files: the same as their directory.
run 1 --no-symbols --html="$tmp/files.html" "$tmp"/run/*
cmp -s "$tmp/files.html" "$tmp/run.html" && fail "files and directory pages are the same, operands included" || true
contains_in "$tmp/files.html" '356 bytes lost in 9 blocks'
run 1 --no-symbols --html=- "$tmp/run"
contains 'id="run-verdict"'

# --- hostile strings stay text ---
frag_swiss | sed -e 's|^program .*|program /tmp/</script><script>alert(1)</script>|' \
	-e 's|^module 0 .*|module 0 0x555555554000 - /x/</script><b>\&|' | gzip -c -n >"$tmp/hostile.frag.gz"
run 0 --no-symbols --html="$tmp/hostile.html" "$tmp/hostile.frag.gz"
well_formed "$tmp/hostile.html"
grep -q 'alert(1)</script>' "$tmp/hostile.html" && fail "a report string closed the script"
grep -q '<b>' "$tmp/hostile.html" && fail "a report string made an element"
contains_in "$tmp/hostile.html" '"script\u003e\u003cb\u003e\u0026+0x1160"'

# --- errors and refusals ---
for args in "--html= $tmp/pages.frag.gz" "--html=$tmp/x.html --json $tmp/pages.frag.gz" \
	"--html=$tmp/x.html --svg=$tmp/x.svg $tmp/pages.frag.gz" "--html=$tmp/x.html diff $tmp/run $tmp/run" \
	"--html=/nonexistent/dir/x.html $tmp/pages.frag.gz" "--html=$tmp/x.html /nonexistent.frag.gz"; do
	# shellcheck disable=SC2086 # split on purpose
	run 2 --no-symbols $args
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^heapguard-report: ' "$tmp/err" ||
		fail "'$args' did not fail with one heapguard-report: line: $(cat "$tmp/err")"
done

finish
