#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(1) on a fragmentation report of two arenas whose free
# memory is each in one piece, its top: the totals' fragmentation is
# computed from the arenas' (free outside each arena's largest free region,
# over free), so it lies between theirs (0.3% and 0.0%), where 1 - largest /
# free over the summed figures made one arena's top a fragment of the other
# (49.8%, and a Swiss-cheese verdict).  Text, verdict, JSON and SVG agree.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

# arena 0: free = 3000 (tcache) + 1027000 (top) = 1030000, in_use = 1048576 -
#          1030000 = 18576, fragmentation 1 - 1027000 / 1030000 = 0.29%;
# arena 1: free = top = 1040000, in_use = 8576, fragmentation 0;
# totals:  free 2070000 of 2097152 (98.7%), fragmentation 3000 / 2070000.
# Each top ends its segment: 0x1100000 - 1027000 = 0x1005448 and
# 0x7ff000100000 - 1040000 = 0x7ff000002180; cells of 256 bytes.
cat >"$tmp/arenas.txt" <<'FIXTURE'
heapguard-frag 1
version 0.1.0
program /nonexistent/two arenas
pid 88
ppid 1
time 1795760000 2026-11-27T06:13:20Z
level fast
trigger call
uptime_us 2000
page_size 4096
arena 0 kind=main system=1048576 in_use=18576 free=1030000 tcache=3000 fastbins=0 unsorted=0 small=0 large=0 top=1027000 quarantine=0 free_chunks=4 largest_free=1027000 largest_chunk=1027000 live_blocks=10 live_bytes=15000 usable=14800 requested=14800 resident=1048576 trimmable=0 segments=1
arena 1 kind=thread system=1048576 in_use=8576 free=1040000 tcache=0 fastbins=0 unsorted=0 small=0 large=0 top=1040000 quarantine=0 free_chunks=1 largest_free=1040000 largest_chunk=1040000 live_blocks=5 live_bytes=5000 usable=4960 requested=4960 resident=1048576 trimmable=0 segments=1
mmapped chunks=0 system=0 live_bytes=0 requested=0 resident=0 quarantined=0
totals system=2097152 in_use=27152 free=2070000 tcache=3000 fastbins=0 unsorted=0 small=0 large=0 top=2067000 quarantine=0 free_chunks=5 largest_free=1040000 largest_chunk=1040000 live_blocks=15 live_bytes=20000 usable=19760 requested=19760 resident=2097152 trimmable=0
histogram 0 512 1024 3 3000
histogram all 512 1024 3 3000
peak system=2097152 system_us=1000
segment 0 0 0x1000000 0x1100000 0x1005448 256
map 0 0 . U*83 9 T*4011
segment 1 0 0x7ff000000000 0x7ff000100000 0x7ff000002180 256
map 1 0 . U*32 9 T*4062
end 2 2 0
FIXTURE
gzip -c -n <"$tmp/arenas.txt" >"$tmp/arenas.frag.gz"
verdict='99% of the heap is free, mostly in one piece per arena: 2.0 MiB of the 2.0 MiB free lies in the largest free region (the top) of each of the 2 arenas that hold it, fragmentation 0.1%. malloc_trim would return nothing now.'

run 0 --no-symbols "$tmp/arenas.frag.gz"
no_stderr
[ "$(sed -n 9p "$tmp/out")" = "$verdict" ] || fail "verdict (line 9): '$(sed -n 9p "$tmp/out")'"
contains "  fragmentation                 0.1%  free outside each arena's largest free region / free"
contains '      0 main       1.0 MiB    18.1 KiB  1005.9 KiB  1002.9 KiB  1002.9 KiB   0.3%         4'
contains '      1 thread     1.0 MiB     8.4 KiB  1015.6 KiB  1015.6 KiB  1015.6 KiB   0.0%         1'

run 0 --no-symbols --json "$tmp/arenas.frag.gz"
no_stderr
json 'abs(j["totals"]["fragmentation"] - 3000 / 2070000) < 1e-6' \
	'abs(j["arenas"][0]["fragmentation"] - (1 - 1027000 / 1030000)) < 1e-6' \
	'j["arenas"][1]["fragmentation"] == 0' \
	"j[\"verdict\"] == '$verdict'"

command -v xmllint >/dev/null 2>&1 || { echo "$0: xmllint not installed (libxml2-utils)" >&2; exit 77; }
run 0 --no-symbols --svg "$tmp/arenas.svg" "$tmp/arenas.frag.gz"
xmllint --noout "$tmp/arenas.svg" 2>"$tmp/xml" || fail "SVG not well-formed: $(head -c 300 "$tmp/xml")"
grep -q 'largest free region 1015.6 KiB .* fragmentation 0.1%</text>' "$tmp/arenas.svg" ||
	fail "SVG totals lack fragmentation 0.1%"

# One arena holding all the free memory: the wording and the figure are
# those of a single heap.  Arena 1 is full (no top: its segment has none).
arena1='arena 1 kind=thread system=1048576 in_use=1048576 free=0 tcache=0 fastbins=0 unsorted=0 small=0 large=0 top=0 quarantine=0 free_chunks=0 largest_free=0 largest_chunk=0 live_blocks=5 live_bytes=5000 usable=4960 requested=4960 resident=1048576 trimmable=0 segments=1'
totals='totals system=2097152 in_use=1067152 free=1030000 tcache=3000 fastbins=0 unsorted=0 small=0 large=0 top=1027000 quarantine=0 free_chunks=4 largest_free=1027000 largest_chunk=1027000 live_blocks=15 live_bytes=20000 usable=19760 requested=19760 resident=2097152 trimmable=0'
sed -e "s/^arena 1 .*/$arena1/" -e "s/^totals .*/$totals/" \
	-e 's/^\(segment 1 0 0x7ff000000000 0x7ff000100000\) 0x7ff000002180/\1 0x0/' \
	-e 's/^map 1 0 .*/map 1 0 . U*4095/' "$tmp/arenas.txt" | gzip -c -n >"$tmp/one.frag.gz"
run 0 --no-symbols "$tmp/one.frag.gz"
no_stderr
contains '49% of the heap is free, mostly in one piece: 1002.9 KiB (the top) of the 1005.9 KiB free, fragmentation 0.3%.'
contains '  fragmentation                 0.3%  1 - largest free / free'

finish
