#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(1) on fragmentation reports written here by hand
# (frag_fixtures.sh): the format is told from the first line; the text puts
# the verdict first, worded from the numbers (Swiss cheese, compact, free in
# one piece), then exact totals, arenas, histogram, peak, pins and map;
# --json has every figure and the derived shares computed right; --svg
# writes well-formed XML (xmllint) even from hostile strings; the pinning
# site is named by its function when symbolized; options meant for leak
# reports are refused.  Exit 77 without python3 (common.sh).

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"
. "$top/tests/report/frag_fixtures.sh"

frag_fixtures
swiss=$tmp/swiss.frag.gz

# --- text: the verdict first, then the figures ---
run 0 --no-symbols "$swiss"
no_stderr
[ "$(sed -n 1p "$tmp/out")" = 'heapguard fragmentation report: /nonexistent/swiss cheese' ] ||
	fail "first line: $(sed -n 1p "$tmp/out")"
verdict=$(sed -n 9p "$tmp/out")
case $verdict in
'89% of the heap is free but held: 89.7 MiB free in 9,012 chunks, the largest free region only 195.3 KiB (fragmentation 99.7%). The code at swiss cheese+0x1160 keeps 10,000 live chunks spread across it, pinning 83.9 MiB (2 sites pin free memory). malloc_trim would return 49.7 MiB.') ;;
*) fail "Swiss-cheese verdict is not line 9: '$verdict'" ;;
esac
contains '  written   at exit (status 0)'
contains '  system                 106,045,440 bytes  (101.1 MiB)'
contains '  in use                  11,945,376 bytes  (11.4 MiB)  10,031 live blocks'
contains '  free                    94,100,064 bytes  (89.7 MiB)  88.7% of system: free but held'
contains '    large                 93,841,712 bytes  (89.5 MiB)  99.7% of free'
contains '  largest free               200,000 bytes  (195.3 KiB)'
contains "  fragmentation                99.7%  free outside each arena's largest free region / free"
contains '  trimmable               52,094,208 bytes  (49.7 MiB)'
contains '  mmapped                          1 chunk in 1.0 MiB mapped'
contains '      0 main     100.0 MiB    10.4 MiB    89.6 MiB   128.0 KiB   195.3 KiB  99.8%     9,009'
contains '      1 thread   132.0 KiB    34.3 KiB    97.7 KiB    97.7 KiB    97.7 KiB   0.1%         3'
contains '  8.0 KiB .. 16.0 KiB            9,000    89.5 MiB  ##############################'
contains 'peak: 101.1 MiB from the system (106,045,440 bytes) at 0.380 s; 96.2 MiB live (100,900,000 bytes) at 0.400 s'
contains '  96.1 MiB in 100,000 blocks (100.0%)'
contains '  arena 0 segment 0: chunk at 0x55555b97fc10, 1008 bytes, 1.9 MiB free below'
contains '  83.9 MiB pinned (88,000,000 bytes) in 9,000 spans, by 9,000 of its 10,000 live blocks (9.6 MiB)'
contains '    #0 /nonexistent/swiss cheese+0x1160'
contains '    #2 /lib/x86_64-linux-gnu/libc.so.6+0x2724a'
contains '  arena 0 segment 0 [0x5555555a0000, 0x55555b9a0000) 100.0 MiB, cells of 32.0 KiB'
contains '   |911111111111111111111111111111111111111123333333333FFFFFFFFFFF12|'
contains '   |UUUUUUUUUUUUUU93TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT|'

# The unknown record and key= field in the fixture are skipped: without
# them the output is the same.
grep -v '^future_record' "$tmp/swiss.txt" | sed 's/ future_field=7//' | gzip -c -n >"$tmp/plain.frag.gz"
cp "$tmp/out" "$tmp/swiss.out"
run 0 --no-symbols "$tmp/plain.frag.gz"
cmp -s "$tmp/out" "$tmp/swiss.out" || fail "unknown records or fields changed the output"
# A newer minor version is read; a newer major one is not (test_frag_corrupt.sh).
# 1.1 added usable= to the mmapped record; a 1.7 has it too, and what
# else a 1.7 adds is skipped.
sed -e '1s/.*/heapguard-frag 1.7/' -e '/^mmapped /s/ requested=/ usable=1048576 requested=/' \
	-e '/^mmapped /s/$/ added_in_1_7=1/' "$tmp/swiss.txt" | gzip -c -n >"$tmp/minor.frag.gz"
run 0 --no-symbols "$tmp/minor.frag.gz"
cmp -s "$tmp/out" "$tmp/swiss.out" || fail "format 1.7 was not read as 1.0 is"
run 0 --no-symbols --json "$tmp/minor.frag.gz"
json 'j["mmapped"]["usable"] == 1048576'

# The verdict's other wordings.
run 0 --no-symbols "$tmp/compact.frag.gz"
[ "$(sed -n 9p "$tmp/out")" = 'The heap is compact: 2% free (20.5 KiB of 1.0 MiB).' ] ||
	fail "compact verdict: $(sed -n 9p "$tmp/out")"
contains '  written   on a heapguard_report() call'
contains 'peak: 1.0 MiB from the system (1,048,576 bytes) at 0.001 s'
contains 'no live chunk pins a free span of a page or more'
grep -q 'status' "$tmp/out" && fail "a status printed for a report without one"
run 0 --no-symbols "$tmp/onepiece.frag.gz"
contains '76% of the heap is free, mostly in one piece: 7.6 MiB (the top) of the 7.6 MiB free, fragmentation 0.0%. malloc_trim would return 7.6 MiB.'
sed 's/ sites_us=399000//' "$tmp/swiss.txt" | gzip -c -n >"$tmp/nolive.frag.gz"
run 2 --no-symbols "$tmp/nolive.frag.gz"
grep -q ":34: the 'peak' record lacks sites_us= (level=full has it)" "$tmp/err" || fail "peak without sites_us at level=full: $(cat "$tmp/err")"
# Unrecorded sites (stack 0) are named as such.
sed -e 's/^pin_site 1 /pin_site 0 /' "$tmp/swiss.txt" | gzip -c -n >"$tmp/nostack.frag.gz"
run 0 --no-symbols "$tmp/nostack.frag.gz"
contains '10,000 live chunks from unrecorded sites sit across it, pinning 83.9 MiB'
# A truncated report: an empty map is then allowed, and said.
sed -e 's/^map 1 0 .*/map 1 0/' -e 's/^end /truncated 1\nend /' "$tmp/swiss.txt" | gzip -c -n >"$tmp/trunc.frag.gz"
run 0 --no-symbols --json "$tmp/trunc.frag.gz"
json 'j["truncated"] is True' 'j["segments"][1]["map"] == "." * 2112'
run 0 --no-symbols "$tmp/trunc.frag.gz"
contains 'The report is incomplete: heapguard ran short of memory writing it'
sed 's/^trigger exit/trigger crash/' "$tmp/swiss.txt" | gzip -c -n >"$tmp/crash.frag.gz"
run 0 --no-symbols "$tmp/crash.frag.gz"
contains '  written   on a crash signal (report_on_crash) (status 0)'

# The example in heapguard-report(5) is a valid report (its folded lines,
# indented there, joined again).
sed -n '/^heapguard-frag [0-9.]*$/,/^end 1 1 0$/p' "$top/man/heapguard-report.5" |
	awk '/^  / { sub(/^  /, " "); line = line $0; next } { if (line != "") print line; line = $0 } END { print line }' |
	gzip -c -n >"$tmp/man.frag.gz"
run 0 --no-symbols "$tmp/man.frag.gz"
contains 'The heap is compact: 5% free (6.6 KiB of 132.0 KiB).'

# Figures from the bin lists against figures from the walk of the chunks:
# on a damaged heap they disagree, and the report is read with one warning.
doubt() {
	sed -e "$4" "$tmp/swiss.txt" | gzip -c -n >"$tmp/$1.frag.gz"
	run 0 --no-symbols "$tmp/$1.frag.gz"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF "heapguard-report: warning: $tmp/$1.frag.gz:$2: $3" "$tmp/err" ||
		fail "$1: stderr '$(cat "$tmp/err")' is not the warning '$2: $3'"
	contains "The figures disagree: $tmp/$1.frag.gz:$2: $3"
}
doubt largest 22 "arena 1: top=100000 <= largest_chunk=99999" '22s/largest_chunk=100000/largest_chunk=99999/'
doubt chunks 21 "arena 0: 9 free chunks of at most 131072 bytes cannot hold free=94000000" '21s/free_chunks=9009/free_chunks=9/;24s/free_chunks=9012/free_chunks=12/'
doubt pinsum 38 "the pin_site lines pin more than the 93868992 free bytes outside the top" '38s/ 88000000 / 93870000 /'
doubt histsum 44 "the histogram of arena 1 counts 1 chunks of 40 bytes, the arena has 2 of 64" \
	'28s/.*/histogram 1 32 64 1 40/;29s/.*/histogram all 32 64 1 40/'
run 0 --no-symbols --json "$tmp/histsum.frag.gz"
json 'j["doubt"].endswith("the histogram of arena 1 counts 1 chunks of 40 bytes, the arena has 2 of 64 besides the top")'

# --- JSON ---
run 0 --no-symbols --json "$swiss"
no_stderr
json 'j["format"] == 1 and j["report"] == "frag" and j["program"] == "/nonexistent/swiss cheese"' \
	'j["pid"] == 4242 and j["trigger"] == "exit" and j["status"] == 0 and j["level"] == "full"' \
	'j["args"] == ["./swiss", "--messages=100000"] and j["page_size"] == 4096 and j["uptime_us"] == 1500000' \
	'j["verdict"].startswith("89% of the heap is free but held: 89.7 MiB free in 9,012 chunks")' \
	'j["truncated"] is False and j["doubt"] is None' \
	'j["totals"]["system"] == 106045440 and j["totals"]["in_use"] == 11945376' \
	'j["totals"]["free"] == 94100064 and j["totals"]["top"] == 231072' \
	'j["totals"]["largest_free"] == 200000 and j["totals"]["largest_chunk"] == 131072' \
	'j["totals"]["resident"] == 61187840 and j["totals"]["trimmable"] == 52094208' \
	'j["totals"]["tcache"] == 7056 and j["totals"]["fastbins"] == 64 and j["totals"]["unsorted"] == 20160' \
	'j["totals"]["small"] == 0 and j["totals"]["large"] == 93841712 and j["totals"]["quarantine"] == 0' \
	'j["totals"]["free_chunks"] == 9012 and j["totals"]["live_blocks"] == 10031 and j["totals"]["live_bytes"] == 11158592' \
	'j["totals"]["usable"] == 11078336 and j["totals"]["requested"] == 11077576 and j["totals"]["segments"] == 2' \
	'abs(j["totals"]["fragmentation"] - (94000000 - 200000 + 100064 - 100000) / 94100064) < 1e-6' \
	'abs(j["totals"]["free_held_share"] - 94100064 / 106045440) < 1e-6' \
	'j["mmapped"] == {"chunks": 1, "system": 1052672, "live_bytes": 1048592, "usable": None, "requested": 1048576, "resident": 1052672, "quarantined": 0}' \
	'[a["id"] for a in j["arenas"]] == [0, 1] and [a["kind"] for a in j["arenas"]] == ["main", "thread"]' \
	'j["arenas"][1]["free"] == 100064 and j["arenas"][1]["segments"] == 1' \
	'abs(j["arenas"][1]["fragmentation"] - (1 - 100000 / 100064)) < 1e-6' \
	'j["arenas"][1]["histogram"] == [{"lo": 32, "hi": 64, "chunks": 2, "bytes": 64}]' \
	'len(j["arenas"][0]["histogram"]) == 3 and len(j["histogram"]) == 4' \
	'j["histogram"][2] == {"lo": 8192, "hi": 16384, "chunks": 9000, "bytes": 93841712}' \
	'j["peak"]["system"] == 106045440 and j["peak"]["live"] == 100900000' \
	'j["peak"]["live_us"] == 400000 and j["peak"]["sites_live"] == 100850000' \
	'[(s["stack"], s["blocks"], s["bytes"]) for s in j["peak_sites"]] == [(1, 100000, 100800000), (2, 30, 30000)]' \
	'j["pin_tops"] == [{"arena": 0, "segment": 0, "address": "0x55555b97fc10", "size": 1008, "stack": 1, "free_below": 2000000, "frames": j["pin_tops"][0]["frames"]}]' \
	'[p["pinned"] for p in j["pin_sites"]] == [88000000, 20480]' \
	'j["pin_sites"][0]["blocks"] == 10000 and j["pin_sites"][0]["pinning_blocks"] == 9000 and j["pin_sites"][0]["spans"] == 9000' \
	'j["pin_sites"][0]["frames"][0] == {"function": None, "file": None, "line": None, "inlined": False, "module": "/nonexistent/swiss cheese", "offset": "0x1160"}' \
	'len(j["pin_sites"][1]["frames"]) == 2' \
	'[(m["arena"], m["index"], m["lo"], m["top"], m["cell"]) for m in j["segments"]] == [(0, 0, "0x5555555a0000", "0x55555b980000", 32768), (1, 0, "0x7ffff0000000", "0x7ffff0008000", 64)]' \
	'len(j["segments"][0]["map"]) == 3200 and j["segments"][0]["map"][3196:] == "TTTT" and j["segments"][0]["map"][:2] == ".U"'
json 'j["timeline"] == []'

# --- the timeline (format 2.1): its lines after the peak sites ---
sed -e '36a\
timeline 1000 1052672 500000 552672 0 2000000\
timeline 400000 106045440 100900000 5145440 0 108000000\
timeline 1500000 106045440 11945376 90000000 4100064 -' "$tmp/swiss.txt" | gzip -c -n >"$tmp/timeline.frag.gz"
run 0 --no-symbols --json "$tmp/timeline.frag.gz"
no_stderr
json 'len(j["timeline"]) == 3 and [s["t"] for s in j["timeline"]] == [1000, 400000, 1500000]' \
	'j["timeline"][1] == {"t": 400000, "system_bytes": 106045440, "in_use_bytes": 100900000, "free_bytes": 5145440, "quarantine_bytes": 0, "resident_bytes": 108000000}' \
	'j["timeline"][2]["quarantine_bytes"] == 4100064 and j["timeline"][2]["resident_bytes"] is None'
run 0 --no-symbols "$tmp/timeline.frag.gz"
contains 'timeline: 3 samples over 1.500 s'
contains '       0.400    101.1 MiB     96.2 MiB      4.9 MiB      0 bytes    103.0 MiB'
contains '       1.500    101.1 MiB     11.4 MiB     85.8 MiB      3.9 MiB            -'
# At level=fast in use and free are unknown.
sed -e '36a\
timeline 1000 1052672 - - 0 2000000' "$tmp/swiss.txt" | gzip -c -n >"$tmp/tlfast.frag.gz"
run 0 --no-symbols --json "$tmp/tlfast.frag.gz"
json 'j["timeline"] == [{"t": 1000, "system_bytes": 1052672, "in_use_bytes": None, "free_bytes": None, "quarantine_bytes": 0, "resident_bytes": 2000000}]'
run 0 --no-symbols --json "$tmp/compact.frag.gz"
json 'j["status"] is None and j["level"] == "fast" and j["trigger"] == "call"' \
	'j["pin_sites"] == [] and j["pin_tops"] == [] and j["peak_sites"] == [] and j["peak"]["live"] is None' \
	'abs(j["totals"]["free_held_share"] - 20960 / 1048576) < 1e-6 and j["verdict"].startswith("The heap is compact")'

# --- SVG ---
command -v xmllint >/dev/null 2>&1 || { echo "$0: xmllint not installed (libxml2-utils)" >&2; exit 77; }
run 0 --no-symbols --svg "$tmp/swiss.svg" "$swiss"
contains '89% of the heap is free but held'
xmllint --noout "$tmp/swiss.svg" 2>"$tmp/xml" || fail "SVG not well-formed: $(head -c 300 "$tmp/xml")"
grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$tmp/swiss.svg" || fail "no svg element"
grep -q 'class="verdict">89% of the heap is free but held' "$tmp/swiss.svg" || fail "SVG lacks the verdict"
grep -q 'fragmentation 99.8%' "$tmp/swiss.svg" || fail "SVG lacks the totals"
grep -q '>arena 1 (thread): 132.0 KiB from the system' "$tmp/swiss.svg" || fail "SVG lacks arena 1's band"
grep -q '>0x5555555a0000</text>' "$tmp/swiss.svg" || fail "SVG lacks the address labels"
for colour in '#2f5d9e' '#f2b134' '#5aa55a'; do
	grep -q "fill=\"$colour\"/>" "$tmp/swiss.svg" || fail "SVG has no cell of colour $colour"
done
# With a page map (2.1): the heap page by page, each class a path whose
# hover names the pinning site.
sed -e '43a\
pages 0 0 4096 0 . U*9:1 P*8000:1 F*15000 P*2000:2 U*589 T\
pages 1 0 4096 0 U*7:3 P*2 T*24' "$tmp/swiss.txt" | gzip -c -n >"$tmp/pages.frag.gz"
run 0 --no-symbols --svg "$tmp/pages.svg" "$tmp/pages.frag.gz"
no_stderr
xmllint --noout "$tmp/pages.svg" 2>"$tmp/xml" || fail "page map SVG not well-formed: $(head -c 300 "$tmp/xml")"
[ "$(grep -c '<g class="pages"' "$tmp/pages.svg")" = 2 ] || fail "page map: not a group per segment"
grep -q 'data-units="25600"' "$tmp/pages.svg" || fail "page map: segment 0 is not 25600 units"
grep -q '<title>wholly free (malloc_trim could return it): 15,000 pages (58.6 MiB)</title>' "$tmp/pages.svg" ||
	fail "page map: no title for the free pages"
grep -q '<title>pinned (mostly free, held by live bytes): 8,000 pages (31.2 MiB)&#10;held by live chunks from swiss cheese+0x1160 ' "$tmp/pages.svg" ||
	fail "page map: the pinned pages do not name their site"
grep -q '<title>pinned (mostly free, held by live bytes): 2,000 pages (7.8 MiB)&#10;held by live chunks from swiss cheese+0x1200 ' "$tmp/pages.svg" ||
	fail "page map: the second site's pinned pages"
grep -q '<title>in use (live bytes fill at least half): 589 pages (2.3 MiB)&#10;held by live chunks of a site the report does not name' "$tmp/pages.svg" ||
	fail "page map: used pages of no site"
grep -q 'arena 0 segment 0 \[0x5555555a0000, 0x55555b9a0000): 25,600 units of 4.0 KiB · 15,000 wholly free (58.6 MiB) · 10,000 pinned · 598 in use</text>' "$tmp/pages.svg" ||
	fail "page map: no segment label"
grep -q 'class="page-P" fill="#d6336c" d="M73.12 [0-9.]*h1306.88v5.31h-1306.88zM20.00 ' "$tmp/pages.svg" ||
	fail "page map: the pinned squares do not start after the 10 units before them and wrap"
grep -q 'class="arena">arena 1 (thread)' "$tmp/pages.svg" && fail "page map: the bands are drawn too"
run 0 --no-symbols --svg - "$tmp/compact.frag.gz"
head -c 5 "$tmp/out" | grep -q '<?xml' || fail "--svg - did not write the SVG to standard output"
xmllint --noout "$tmp/out" || fail "--svg - output not well-formed"
# Hostile strings: escapes, XML specials, a byte that is not UTF-8.
sed -e 's|^program .*|program /tmp/<a href="x">\& b\\x01\\x1b[31m|' -e "s|^arg 0 .*|arg 0 $(printf '\377\376')|" \
	"$tmp/swiss.txt" | gzip -c -n >"$tmp/hostile.frag.gz"
run 0 --no-symbols --svg "$tmp/hostile.svg" "$tmp/hostile.frag.gz"
xmllint --noout "$tmp/hostile.svg" 2>"$tmp/xml" || fail "SVG from hostile strings not well-formed: $(head -c 300 "$tmp/xml")"
contains 'heapguard fragmentation report: /tmp/<a href="x">& b\x01\x1b[31m'
run 0 --no-symbols --json "$tmp/hostile.frag.gz"
json 'j["program"] == "/tmp/<a href=\"x\">& b\x01\x1b[31m" and j["args"][0] == "\ufffd\ufffd"'

# --- symbolized: the module is the reader itself, the pinning frame in hg_frag_load ---
if command -v readelf >/dev/null 2>&1 && command -v nm >/dev/null 2>&1; then
	id=$(readelf -n "$reader" | sed -n 's/.*Build ID: *//p')
	load=$(nm "$reader" | awk '$3 == "hg_frag_load" { print $1 }')
	main=$(nm "$reader" | awk '$3 == "main" { print $1 }')
	if [ -n "$id" ] && [ -n "$load" ] && [ -n "$main" ]; then
		# Return addresses a few bytes into each function.
		ret_load=$(printf '%x' $((0x$load + 8)))
		ret_main=$(printf '%x' $((0x$main + 8)))
		sed -e "s|^module 0 .*|module 0 0x0 $id $reader|" \
			-e "s|^stack 1 .*|stack 1 0+0x$ret_load 0+0x$ret_main|" \
			"$tmp/swiss.txt" | gzip -c -n >"$tmp/self.frag.gz"
		run 0 "$tmp/self.frag.gz"
		contains 'hg_frag_load() keeps 10,000 live chunks spread across it, pinning 83.9 MiB'
		contains '    #0 in hg_frag_load '
		run 0 --json "$tmp/self.frag.gz"
		json 'j["pin_sites"][0]["frames"][0]["function"] == "hg_frag_load"' \
			'j["peak_sites"][0]["frames"][1]["function"] == "main"'
	fi
fi

# --- the command line ---
for args in "--folded $swiss" "--show=all $swiss" "--svg= $swiss" "--svg $tmp/x.svg diff $swiss $swiss" \
	"--no-symbols --svg /nonexistent/dir/x.svg $swiss" "diff $swiss $swiss"; do
	# shellcheck disable=SC2086 # split on purpose
	run 2 $args
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^heapguard-report: ' "$tmp/err" ||
		fail "'$args' did not fail with one heapguard-report: line: $(cat "$tmp/err")"
done
gzip -c -n <"$data/basic.txt" >"$tmp/basic.leaks.gz"
run 2 --svg "$tmp/x.svg" "$tmp/basic.leaks.gz"
grep -q "is a leak report" "$tmp/err" || fail "--svg on a leak report: $(cat "$tmp/err")"
[ -e "$tmp/x.svg" ] && fail "--svg on a leak report wrote a file"

finish
