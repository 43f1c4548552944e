# SPDX-License-Identifier: MIT
# Fragmentation reports written by hand (sourced after common.sh):
# frag_fixtures writes $tmp/swiss.txt, $tmp/compact.txt and $tmp/onepiece.txt
# and their gzipped $tmp/NAME.frag.gz.  Every figure is consistent with the
# rules of heapguard-report(5); the arithmetic is in the comments.
#
# swiss: a Swiss-cheese heap.  Arena 0 (main) has 100 MiB in one segment,
# 94,000,000 bytes free in 9,008 chunks outside a 128 KiB top; stack 1
# (make_message) keeps 10,000 chunks that pin 88,000,000 of them.  Arena 1
# (thread) is small.  One 1 MiB mmapped chunk.
#   arena 0: free = 7056 + 0 + 20160 + 0 + 93841712 + 131072 + 0 = 94000000,
#            in_use = 104857600 - 94000000 = 10857600
#   arena 1: free = 64 + 100000 = 100064, in_use = 135168 - 100064 = 35104
#   totals:  system = 104857600 + 135168 + 1052672 = 106045440
#            in_use = 10857600 + 35104 + 1052672 = 11945376 = system - free
#            fragmentation = (94000000 - 200000 + 100064 - 100000) / 94100064
#            = 0.996812..., the free bytes outside each arena's largest free
#            region (arena 0's: free chunks next to the top; arena 1's: the top)
#            free but held = 94100064 / 106045440 = 0.887356...
#   histograms: arena 0 has 9008 chunks of 93868928 bytes = 94000000 - 131072,
#            arena 1 has 2 of 64 = 100064 - 100000
#   map: segment 0 of arena 0 is 104857600 / 32768 = 3200 cells, its top at
#            cell 3196; segment 0 of arena 1 is 135168 / 64 = 2112 cells.
frag_swiss() {
	cat <<'EOF'
heapguard-frag 1
version 0.1.0
program /nonexistent/swiss cheese
pid 4242
ppid 4200
time 1795760000 2026-11-27T06:13:20Z
level full
trigger exit
status 0
uptime_us 1500000
page_size 4096
arg 0 ./swiss
arg 1 --messages=100000
option level default full
option report_signal env 12
module 0 0x555555554000 - /nonexistent/swiss cheese
module 1 0x7ffff7dd0000 - /lib/x86_64-linux-gnu/libc.so.6
stack 1 0+0x1160 0+0x11a0 1+0x2724a
stack 2 0+0x1200 0+0x11a0 1+0x2724a
stack 3 0+0x1300 0+0x11a0
arena 0 kind=main system=104857600 in_use=10857600 free=94000000 tcache=7056 fastbins=0 unsorted=20160 small=0 large=93841712 top=131072 quarantine=0 free_chunks=9009 largest_free=200000 largest_chunk=131072 live_blocks=10000 live_bytes=10080000 usable=10000000 requested=10000000 resident=60000000 trimmable=52000000 segments=1
arena 1 kind=thread system=135168 in_use=35104 free=100064 tcache=0 fastbins=64 unsorted=0 small=0 large=0 top=100000 quarantine=0 free_chunks=3 largest_free=100000 largest_chunk=100000 live_blocks=30 live_bytes=30000 usable=29760 requested=29000 resident=135168 trimmable=94208 segments=1 future_field=7
mmapped chunks=1 system=1052672 live_bytes=1048592 requested=1048576 resident=1052672 quarantined=0
totals system=106045440 in_use=11945376 free=94100064 tcache=7056 fastbins=64 unsorted=20160 small=0 large=93841712 top=231072 quarantine=0 free_chunks=9012 largest_free=200000 largest_chunk=131072 live_blocks=10031 live_bytes=11158592 usable=11078336 requested=11077576 resident=61187840 trimmable=52094208
histogram 0 512 1024 7 7056
histogram 0 8192 16384 9000 93841712
histogram 0 16384 32768 1 20160
histogram 1 32 64 2 64
histogram all 32 64 2 64
histogram all 512 1024 7 7056
histogram all 8192 16384 9000 93841712
histogram all 16384 32768 1 20160
future_record with fields a reader skips
peak system=106045440 system_us=380000 live=100900000 live_us=400000 sites_live=100850000 sites_us=399000
peak_site 1 100000 100800000
peak_site 2 30 30000
pin_top 0 0 0x55555b97fc10 1008 1 2000000
pin_site 1 10000 10080000 88000000 9000 9000
pin_site 3 1 2048 20480 1 5
segment 0 0 0x5555555a0000 0x55555b9a0000 0x55555b980000 32768
map 0 0 . U*40 1*2000 3*500 F*600 2*55 T*4
segment 1 0 0x7ffff0000000 0x7ffff0021000 0x7ffff0008000 64
map 1 0 .*2 U*480 5*30 T*1600
end 2 2 3
EOF
}

# compact: level=fast (no stacks), written by a heapguard_report() call,
# 1 MiB heap with 20,960 bytes free (2.0%): 30 fastbin chunks and the top.
frag_compact() {
	cat <<'EOF'
heapguard-frag 1
version 0.1.0
program /nonexistent/compact
pid 77
ppid 1
time 1795760000 2026-11-27T06:13:20Z
level fast
trigger call
uptime_us 2000
page_size 4096
arena 0 kind=main system=1048576 in_use=1027616 free=20960 tcache=0 fastbins=960 unsorted=0 small=0 large=0 top=20000 quarantine=0 free_chunks=31 largest_free=20000 largest_chunk=20000 live_blocks=1000 live_bytes=1000000 usable=992000 requested=992000 resident=1048576 trimmable=0 segments=1
mmapped chunks=0 system=0 live_bytes=0 requested=0 resident=0 quarantined=0
totals system=1048576 in_use=1027616 free=20960 tcache=0 fastbins=960 unsorted=0 small=0 large=0 top=20000 quarantine=0 free_chunks=31 largest_free=20000 largest_chunk=20000 live_blocks=1000 live_bytes=1000000 usable=992000 requested=992000 resident=1048576 trimmable=0
histogram 0 32 64 30 960
histogram all 32 64 30 960
peak system=1048576 system_us=1000
segment 0 0 0x1000000 0x1100000 0x10fb1e0 256
map 0 0 . U*4016 9 T*78
end 1 1 0
EOF
}

# onepiece: 10 MiB, 8,000,960 bytes free (76%), nearly all of it the top.
frag_onepiece() {
	frag_compact | sed -e 's/system=1048576 in_use=1027616 free=20960/system=10485760 in_use=2484800 free=8000960/' \
		-e 's/top=20000/top=8000000/' -e 's/largest_free=20000 largest_chunk=20000/largest_free=8000000 largest_chunk=8000000/' \
		-e 's/resident=1048576 trimmable=0/resident=10485760 trimmable=7995392/' \
		-e 's/^peak system=1048576/peak system=10485760/' \
		-e 's/^segment 0 0 0x1000000 0x1100000 0x10fb1e0 256/segment 0 0 0x1000000 0x1a00000 0x125a000 4096/' \
		-e 's/^map 0 0 .*/map 0 0 . U*600 9 T*1958/'
}

frag_fixtures() {
	for name in swiss compact onepiece; do
		"frag_$name" >"$tmp/$name.txt"
		gzip -c -n <"$tmp/$name.txt" >"$tmp/$name.frag.gz"
	done
}
