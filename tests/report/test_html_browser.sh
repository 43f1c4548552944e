#!/bin/sh
# SPDX-License-Identifier: MIT
# The --html page in a real browser: headless Chromium (Debian's chromium;
# exit 77 without it) loads the page of a fixture run directory, of one
# fragmentation report, and of a real run of examples/swiss_cheese, with
# no console error and no script error (the page writes any into its body,
# data-error), its script run to its end (data-ready="yes"); the rendered
# DOM holds the flame graphs' frames and the page map; a search and a zoom
# asked in the address (#search=..&zoom=..) mark and zoom frames.  With
# HG_SCREENSHOTS=DIR, also screenshots of the pages into DIR.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"
. "$top/tests/report/frag_fixtures.sh"
. "$top/tests/report/run_fixtures.sh"
. "$top/tests/report/html_fixtures.sh"

browser=
for name in chromium chromium-browser; do
	command -v "$name" >/dev/null 2>&1 && { browser=$name; break; }
done
[ -n "$browser" ] || { echo "$0: chromium not installed: skipped" >&2; exit 77; }

frag_fixtures
make_html_inputs "$tmp"

# browse URL OUT: the DOM after the page loaded, console lines in OUT.log
browse() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
		--virtual-time-budget=5000 --dump-dom "$1" >"$2" 2>"$2.log"
}

# loaded PAGE: it loaded with no error, its script ran to its end
loaded() {
	grep -q '<body data-ready="yes"' "$1" || fail "$1: the script did not run to its end: $(grep -o '<body[^>]*>' "$1")"
	grep -q 'data-error=' "$1" && fail "$1: a script error: $(grep -o 'data-error="[^"]*"' "$1")"
	grep -E 'CONSOLE|Uncaught' "$1.log" && fail "$1: console messages"
	grep -q '<svg class="heap-map"' "$1" && grep -q '<g class="pages"' "$1" || fail "$1: no page map"
}

# frames PAGE ID: the frame elements the script drew in flame graph ID
frames() {
	python3 - "$1" "$2" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<div class="flame" id="%s">(.*?)<script' % sys.argv[2], dom, re.S)
print(len(re.findall(r'<div class="frame[ "]', m.group(1))) if m else -1)
PY
}

run 1 --no-symbols --html="$tmp/run.html" "$tmp/run"
browse "file://$tmp/run.html" "$tmp/run.dom"
loaded "$tmp/run.dom"
# Lost bytes: all, then the libc frame, the caller, and a child site's frames.
[ "$(frames "$tmp/run.dom" flame-lost)" -ge 6 ] || fail "lost bytes: $(frames "$tmp/run.dom" flame-lost) frames drawn"
[ "$(frames "$tmp/run.dom" flame-peak)" -ge 4 ] || fail "peak: $(frames "$tmp/run.dom" flame-peak) frames drawn"
grep -q '<span class="info">356 bytes in all</span>' "$tmp/run.dom" || fail "lost bytes: no total"
grep -q 'title="fork_tree+0x11a0' "$tmp/run.dom" || fail "lost bytes: no frame of the fork tree's caller"

# A search and a zoom asked in the address.
browse "file://$tmp/run.html#search=0x1290&zoom=fork_tree%2B0x11a0" "$tmp/search.dom"
loaded "$tmp/search.dom"
grep -q 'class="frame match"' "$tmp/search.dom" || fail "search: no frame marked"
grep -q 'zoomed on fork_tree+0x11a0 (356 bytes); "0x1290" matches 256 bytes (71.9%)' "$tmp/search.dom" ||
	fail "search and zoom: $(grep -o '<span class="info">[^<]*' "$tmp/search.dom" | head -1)"
grep -q 'class="frame ancestor"' "$tmp/search.dom" || fail "zoom: the callers are not shown above"

run 0 --no-symbols --html="$tmp/frag.html" "$tmp/pages.frag.gz"
browse "file://$tmp/frag.html" "$tmp/frag.dom"
loaded "$tmp/frag.dom"
grep -q '<polyline class="series"' "$tmp/frag.dom" || fail "no timeline"

# A real run: examples/swiss_cheese under the launcher.
if [ -n "${HEAPGUARD_BIN:-}" ] && [ -x "${top_builddir:-.}/examples/swiss_cheese" ]; then
	timeout 120 "$HEAPGUARD_BIN" --run-dir="$tmp/swiss" -- "${top_builddir:-.}/examples/swiss_cheese" \
		>"$tmp/swiss.out" 2>&1 || fail "swiss_cheese under heapguard: $(tail -3 "$tmp/swiss.out")"
	timeout 60 "$reader" --html="$tmp/swiss.html" "$tmp/swiss" >"$tmp/out" 2>"$tmp/err" ||
		[ $? = 1 ] || fail "--html of the swiss_cheese run: $(cat "$tmp/err")"
	browse "file://$tmp/swiss.html" "$tmp/swiss.dom"
	loaded "$tmp/swiss.dom"
	grep -q 'class="page-P"' "$tmp/swiss.dom" && grep -q 'class="page-F"' "$tmp/swiss.dom" ||
		fail "swiss_cheese: no pinned or no free pages in the map"
	[ "$(frames "$tmp/swiss.dom" flame-peak)" -ge 3 ] || fail "swiss_cheese: no frames at the peak"
fi

if [ -n "${HG_SCREENSHOTS:-}" ]; then
	mkdir -p "$HG_SCREENSHOTS"
	for page in run frag swiss; do
		[ -f "$tmp/$page.html" ] || continue
		timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
			--user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1440,2600 \
			--screenshot="$HG_SCREENSHOTS/$page.png" "file://$tmp/$page.html" >/dev/null 2>&1 ||
			fail "no screenshot of $page"
	done
fi

finish
