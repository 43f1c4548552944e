#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(1) on broken fragmentation reports: damaged gzip, a gzip
# bomb, binary junk, and each rule of heapguard-frag 1 (heapguard-report(5))
# broken in turn in the Swiss-cheese fixture: truncation, bad and
# overflowing numbers, figures that do not add up, histograms and maps that
# do not match, undefined references, counts that lie.  Each must exit 2
# within 10 seconds with exactly one line "heapguard-report: FILE:LINE: what
# is wrong" naming the problem.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"
. "$top/tests/report/frag_fixtures.sh"

frag_fixtures
good=$tmp/swiss.frag.gz
run 0 --no-symbols "$good" # the fixture itself is good

# broken NAME LINE PHRASE SED-SCRIPT: swiss.txt edited by SED-SCRIPT, gzipped
broken() {
	sed -e "$4" "$tmp/swiss.txt" | gzip -c -n >"$tmp/$1.frag.gz"
	expect_error "$tmp/$1.frag.gz" "$2" "$3"
}

# --- broken gzip, junk, a bomb ---
bytes() {
	python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); $2; open(sys.argv[2], 'wb').write(b)" \
		"$good" "$tmp/$1.frag.gz"
}
bytes truncated 'del b[len(b) // 2:]'
expect_error "$tmp/truncated.frag.gz" '*' 'truncated gzip stream'
bytes crc 'b[-8] ^= 0x55'
expect_error "$tmp/crc.frag.gz" '*' 'incorrect data check'
{ echo 'heapguard-frag 1'; head -c 20000 "$reader"; } | gzip -c >"$tmp/junk.frag.gz"
expect_error "$tmp/junk.frag.gz" '*' ''
{ echo 'heapguard-frag 1'; head -c 70000 /dev/zero | tr '\0' 'a'; echo; } | gzip -c >"$tmp/long.frag.gz"
expect_error "$tmp/long.frag.gz" 2 'line longer than 65536 bytes'
gzip_bomb "$tmp/bomb.frag.gz" 'heapguard-frag 1' 'version 0.1.0' 'program /bin/true' 'pid 1' 'ppid 0' \
	'time 0 1970-01-01T00:00:00Z' 'level full' 'trigger exit' 'uptime_us 1' 'page_size 4096'
expect_error "$tmp/bomb.frag.gz" '*' 'more than 1073741824 bytes uncompressed'

# --- the text, rule by rule (swiss.txt has 44 lines) ---
broken major 1 "unsupported format version '3' (this reader reads versions 1 to 2)" '1s/.*/heapguard-frag 3/'
broken badminor 1 "unsupported format version '1.x'" '1s/.*/heapguard-frag 1.x/'
broken noend 44 "missing 'end' record (file truncated?)" '$d'
broken half 30 "missing 'peak' record (file truncated?)" '30,$d'
broken nototals 24 "missing 'totals' record before 'histogram'" '/^totals/d'
broken noarena 21 "no 'arena' record before 'mmapped'" '/^arena/d'
broken twice 24 "a second 'mmapped' record" '23p'
broken order 34 "'histogram' record after 'peak' (out of order)" '28{h;d};34{p;x}'
broken after 45 "data after the 'end' line" '$p'
broken pid 4 "pid '42x' is not an unsigned decimal number" 's/^pid 4242/pid 42x/'
broken trigger 8 "trigger is not a word" 's/^trigger exit/trigger EXIT!/'
broken page 11 "page size 1000 is not a power of two" 's/^page_size 4096/page_size 1000/'
broken nul 3 "escaped NUL byte in the program path" 's|^program .*|program /a\\x00b|'
broken overflow 21 "system '99999999999999999999' does not fit in 64 bits" '21s/system=104857600/system=99999999999999999999/'
broken kinds 21 "arena 0: free=94000000 is not the sum of its kinds (94000001)" '21s/tcache=7056/tcache=7057/'
broken inuse 21 "arena 0: in_use=10857601 and free=94000000 do not add up to system=104857600" '21s/in_use=10857600/in_use=10857601/'
broken lacks 21 "the 'arena' record lacks trimmable=" '21s/ trimmable=52000000//'
broken dupkey 21 "a second top= in the 'arena' record" '21s/$/ top=1/'
broken notkey 21 "field 'garbage' of the 'arena' record is not KEY=VALUE" '21s/$/ garbage/'
broken arenaid 22 "arena 2 where arena 1 was expected" 's/^arena 1 /arena 2 /'
broken kind 22 "arena 1 has kind=main" '22s/kind=thread/kind=main/'
broken mmapped 23 "mmapped: 1 chunks of 1048592 bytes" '23s/requested=1048576/requested=2000000/'
# Format 1.1 has usable= in the mmapped record, and the totals add it.
broken nousable 23 "the 'mmapped' record lacks usable=" '1s/.*/heapguard-frag 1.1/'
broken mmusable 24 "totals say usable=11078336, the arenas and mmapped chunks add up to 11078340" \
	'1s/.*/heapguard-frag 1.1/;23s/ requested=/ usable=1048580 requested=/'
broken totals 24 "totals say live_blocks=10030, the arenas and mmapped chunks add up to 10031" '24s/live_blocks=10031/live_blocks=10030/'
broken class 25 "size class [500, 1000) is not [2^k, 2^(k+1))" '25s/512 1024/500 1000/'
broken classbytes 28 "200 bytes cannot be 2 chunks of [32, 64) bytes" '28s/ 64$/ 200/'
broken histarena 28 "histogram of arena 5, which no 'arena' line defines" 's/^histogram 1 /histogram 5 /'
broken histall 44 "the 'all' histogram has 3 chunks of 96 bytes in class 32, the arenas add up to 2 of 64" \
	'29s/.*/histogram all 32 64 3 96/'
broken peaklate 34 "peak live_us=2000000 comes after the report (uptime_us=1500000)" '34s/live_us=400000/live_us=2000000/'
broken sitesorder 36 "peak sites out of order" '36s/30 30000/30 200000000/'
# The timeline (2.1): lines after the peak sites, in time order, adding up.
sed -e '36a\
timeline 1000 1052672 500000 552672 0 2000000\
timeline 400000 106045440 100900000 5145440 0 108000000' "$tmp/swiss.txt" >"$tmp/tl.txt"
broken_tl() {
	sed -e "$4" "$tmp/tl.txt" | gzip -c -n >"$tmp/$1.frag.gz"
	expect_error "$tmp/$1.frag.gz" "$2" "$3"
}
broken_tl tlsum 38 "timeline in_use 100900000, free 5145441 and quarantine 0 do not add up to system 106045440" \
	'38s/ 5145440 / 5145441 /'
broken_tl tlorder 38 "timeline lines out of order (by time)" '38s/ 400000 / 900 /'
broken_tl tllate 38 "timeline time 2000000 comes after the report (uptime_us=1500000)" '38s/ 400000 / 2000000 /'
broken_tl tlhalf 37 "timeline line with in_use and free not both known or both '-'" '37s/ 500000 / - /'
broken_tl tlfields 37 "the 'timeline' record" '37s/$/ 7/'
broken_tl tlnumber 37 "timeline resident bytes '2x' is not an unsigned decimal number" '37s/ 2000000$/ 2x/'
broken_tl tlquar 37 "timeline quarantine 2000000 over system 1052672" '37s/ 500000 552672 0 / - - 2000000 /'
# The page map (2.1): after the maps, a segment's lines in unit order, runs
# that cover its units, one unit, stacks only on used and pinned runs.
sed -e '43a\
pages 0 0 4096 0 . U*9:1 P*8000:1 F*15000\
pages 0 0 4096 23010 P*2000:2 U*589 T\
pages 1 0 4096 0 U*7:3 P*2 T*24' "$tmp/swiss.txt" >"$tmp/pg.txt"
gzip -c -n <"$tmp/pg.txt" >"$tmp/pg.frag.gz"
run 0 --no-symbols "$tmp/pg.frag.gz"
broken_pg() {
	sed -e "$4" "$tmp/pg.txt" | gzip -c -n >"$tmp/$1.frag.gz"
	expect_error "$tmp/$1.frag.gz" "$2" "$3"
}
broken_pg pgfirst 45 "pages line from unit 23011 where unit 23010 was due" '45s/ 23010 / 23011 /'
broken_pg pgover 45 "page runs cover more than the segment's 25600 units" '45s/ T$/ T*2/'
broken_pg pgshort 47 "the pages of segment 0 of arena 1 cover 32 of its 33 units" '46s/ T\*24$/ T*23/'
broken_pg pgunit 46 "page unit 8192 is not one power of two from the page size up for all pages lines" '46s/ 4096 / 8192 /'
broken_pg pgsmall 44 "page unit 1024 is not one power of two" '44s/ 4096 / 1024 /'
broken_pg pgstack 46 "page run of class T names a stack" '46s/ T\*24$/ T*24:1/'
broken_pg pgundef 44 "names stack 9, which no 'stack' line defines" '44s/U\*9:1/U*9:9/'
broken_pg pgrun 44 "page run 'Q*9' is not CLASS[*COUNT][:STACK]" '44s/U\*9:1/Q*9/'
broken_pg pgzero 44 "page run of 0 units" '44s/U\*9:1/U*0:1/'
broken_pg pgseg 46 "pages of segment 0 of arena 7, which no 'segment' line defines" '46s/^pages 1 /pages 7 /'
broken_pg pgorder 45 "pages of segment 0 of arena 0, which no 'segment' line defines (or out of the segments' order)" '44i\
pages 1 0 4096 0 U*7:3 P*2 T*24
46d'
broken_pg pgmissing 46 "segment 0 of arena 1 has no pages" '46d'
broken_pg pgempty 44 "a pages line without runs" '44s/ 0 \. .*/ 0/'
broken_pg pgafter 47 "'segment' record after 'pages' (out of order)" '46a\
segment 1 1 0x7ffff0021000 0x7ffff0022000 0x0 16'
broken nostack 38 "pin_site names stack 9, which no 'stack' line defines" 's/^pin_site 1 /pin_site 9 /'
broken pinorder 39 "pin_site lines out of order" '39s/ 20480 / 90000000 /'
broken pinpage 39 "5 spans of at least a page cannot be 4096 bytes" '39s/ 20480 / 4096 /'
broken pinblocks 38 "pin_site with 10000 blocks of 10080000 bytes, 10001 of them pinning 9000 spans" '38s/ 9000 9000$/ 10001 9000/'
broken dupstack 39 "a second pin_site for stack 1" '39s/^pin_site 3 /pin_site 1 /'
broken pintop 37 "pin_top names segment 1 of arena 0, which has none such" '37s/^pin_top 0 0 /pin_top 0 1 /'
broken pinaddr 44 "pin_top chunk at 0x1000 is not inside its segment" '37s/0x55555b97fc10/0x1000/'
broken cells 42 "segment of 8448 cells (at most 4096)" '42s/ 64$/ 16/'
broken cell 42 "cell size 48 is not a power of two" '42s/ 64$/ 48/'
broken cellsize 42 "cell size 128 is not the smallest power of two from 16 that makes at most 4096 cells (64)" '42s/ 64$/ 128/'
broken segtop 42 "is not a range holding its top" '42s/0x7ffff0008000/0x1/'
broken segindex 40 "segment 1 of arena 0 where segment 0 was expected" '40s/^segment 0 0 /segment 0 1 /'
broken segcount 44 "arena 1 has segments=2 but 1 'segment' lines" '22s/segments=1/segments=2/'
broken mapshort 43 "map runs cover 2111 cells, the segment has 2112" '43s/T\*1600/T*1599/'
broken maplong 43 "map runs cover more than the segment's 2112 cells" '43s/T\*1600/T*1601/'
broken mapclass 43 "map run 'X*5' is not CLASS or CLASS*COUNT" '43s/5\*30/X*5/'
broken mapcount 43 "map run count '99999999999999999999' does not fit in 64 bits" '43s/T\*1600/T*99999999999999999999/'
broken mapzero 43 "map run of 0 cells" '43s/5\*30/5*0/'
broken mapof 43 "map of segment 0 of arena 0 after segment 0 of arena 1" '43s/^map 1 0 /map 0 0 /'
broken nomap 43 "the last segment has no 'map' line" '43d'
broken emptymap 44 "segment 0 of arena 1 has an empty map, and no 'truncated 1' line says why" '43s/.*/map 1 0/'
broken strayseg 41 "a 'segment' line where the previous one's 'map' line was due" '41d'
broken endstacks 44 "'end' counts 2 arenas, 2 segments and 18446744073709551615 stacks, the file has 2, 2 and 3" \
	's/^end 2 2 3/end 2 2 18446744073709551615/'
broken endarenas 44 "'end' counts 3 arenas" 's/^end 2 2 3/end 3 2 3/'

finish
