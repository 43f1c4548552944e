#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report diff on reports of a program compiled here with -g: two
# sites of one function (two malloc lines) stay two, so one that grew is
# not hidden by one that shrank; a report of another program, level or
# heapguard version gets one warning line on stderr (and the diff as
# usual), one of the same none.  Exit 77 without a C compiler, objdump,
# readelf or nm.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

cc=${CC:-cc}
for tool in "$cc" objdump readelf nm; do
	command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool not found" >&2; exit 77; }
done

src=$tmp/two.c
cat >"$src" <<'EOF'
#include <stdlib.h>

__attribute__((noinline)) void *make_two(size_t n, int which)
{
	if (which)
		return malloc(n); /* LINE_A */
	return malloc(n + 1); /* LINE_B */
}

int main(void)
{
	return make_two(10, 1) == NULL || make_two(10, 0) == NULL;
}
EOF
"$cc" -g -O0 -Wl,--build-id -o "$tmp/two" "$src" || { echo "$0: cannot compile" >&2; exit 77; }
id=$(readelf -n "$tmp/two" | sed -n 's/.*Build ID: *//p')
[ -n "$id" ] || { echo "$0: $cc wrote no build id" >&2; exit 77; }
# The return addresses of make_two's two calls of malloc (in source order),
# and one in main.
set -- $(objdump -d --no-show-raw-insn "$tmp/two" | awk '
	/^[0-9a-f]+ <make_two>:/ { inside = 1; next }
	/^[0-9a-f]+ </ { inside = 0 }
	inside && after { sub(/^ */, ""); sub(/:.*/, ""); print "0x" $0; after = 0 }
	inside && /call.*<malloc/ { after = 1 }')
[ $# -eq 2 ] || { echo "$0: make_two has not two calls of malloc: $*" >&2; exit 77; }
ret_a=$1 ret_b=$2
main=$(printf '0x%x' $((0x$(nm "$tmp/two" | awk '$3 == "main" { print $1 }') + 1)))

# report OUT A-BYTES B-BYTES [PROGRAM [LEVEL [VERSION]]]: lost sites A and B
# of one block each (none for 0 bytes)
report() {
	sites= nsites=0 bytes=0 blocks=0
	for s in 1:$2 2:$3; do
		[ "${s#*:}" = 0 ] && continue
		sites="$sites
site lost ${s%:*} 1 ${s#*:} ${s#*:} ${s#*:} 1"
		nsites=$((nsites + 1)) bytes=$((bytes + ${s#*:})) blocks=$((blocks + 1))
	done
	{
		printf '%s\n' 'heapguard-leaks 1' "version ${6:-0.1.0}" "program ${4:-$tmp/two}" \
			'pid 77' 'ppid 1' 'time 1795760000 2026-11-27T05:33:20Z' "level ${5:-full}" \
			'status 0' 'arg 0 two' "module 0 0x55d0c0a00000 $id $tmp/two" \
			"stack 1 0+$ret_a 0+$main" "stack 2 0+$ret_b 0+$main"
		[ -n "$sites" ] && printf '%s\n' "${sites#?}"
		printf '%s\n' "totals $bytes $blocks 0 0 0 0" "end $nsites 2"
	} | gzip -c >"$1"
}

line_a=$(grep -n LINE_A "$src" | cut -d: -f1)
line_b=$(grep -n LINE_B "$src" | cut -d: -f1)
report "$tmp/old.leaks.gz" 100 10
report "$tmp/new.leaks.gz" 10 100
run 1 "$tmp/new.leaks.gz"
no_stderr

# Site B grew by 90 bytes while A shrank by as much: one function's two
# sites taken as one would say nothing grew.
run 1 diff "$tmp/old.leaks.gz" "$tmp/new.leaks.gz"
no_stderr
contains 'lost: +90 bytes (10 bytes in 1 block -> 100 bytes in 1 block)'
contains "#0 in make_two $src:$line_b ($tmp/two+"
grep -q ":$line_a (" "$tmp/out" && fail "diff shows site A, which shrank"
contains '1 site grew by 90 bytes in all'
run 1 --json diff "$tmp/old.leaks.gz" "$tmp/new.leaks.gz"
json 'len(j["grew"]) == 1 and j["grew"][0]["old"] == {"bytes": 10, "blocks": 1}' \
	"j['grew'][0]['new'] == {'bytes': 100, 'blocks': 1} and j['grew'][0]['frames'][0]['line'] == $line_b"
run 1 diff "$tmp/new.leaks.gz" "$tmp/old.leaks.gz"
contains 'lost: +90 bytes (10 bytes in 1 block -> 100 bytes in 1 block)'
contains "#0 in make_two $src:$line_a ($tmp/two+"
# A site only in NEW grew from nothing; a site gone from NEW did not grow.
report "$tmp/only_b.leaks.gz" 0 100
run 1 diff "$tmp/only_b.leaks.gz" "$tmp/new.leaks.gz"
contains 'lost: +10 bytes (0 bytes in 0 blocks -> 10 bytes in 1 block)'
contains "#0 in make_two $src:$line_a ($tmp/two+"
contains '1 site grew by 10 bytes in all'
run 0 diff "$tmp/new.leaks.gz" "$tmp/only_b.leaks.gz"
contains 'no site grew'
if command -v addr2line >/dev/null 2>&1; then
	run 1 --symbolizer=addr2line diff "$tmp/old.leaks.gz" "$tmp/new.leaks.gz"
	contains 'lost: +90 bytes (10 bytes in 1 block -> 100 bytes in 1 block)'
fi
# Without symbols, module and offset tell the sites apart.
run 1 --no-symbols diff "$tmp/old.leaks.gz" "$tmp/new.leaks.gz"
contains "    #0 $tmp/two+$ret_b"

# Another program, level or heapguard version: one line on stderr, the
# diff all the same.  The same program elsewhere (another build tree) is
# the same program.
warning() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$(cat "$tmp/err")" = "$1" ] ||
		fail "expected the warning '$1', got: $(cat "$tmp/err")"
}
report "$tmp/other.leaks.gz" 10 100 /elsewhere/other
run 1 diff "$tmp/old.leaks.gz" "$tmp/other.leaks.gz"
warning "heapguard-report: warning: the reports differ in program ($tmp/two -> /elsewhere/other): sites may differ for that alone"
contains '1 site grew by 90 bytes in all'
report "$tmp/moved.leaks.gz" 10 100 /elsewhere/two
run 1 diff "$tmp/old.leaks.gz" "$tmp/moved.leaks.gz"
no_stderr
report "$tmp/fast.leaks.gz" 10 100 "$tmp/two" fast 0.2.0
run 1 diff "$tmp/old.leaks.gz" "$tmp/fast.leaks.gz"
warning "heapguard-report: warning: the reports differ in level (full -> fast) and heapguard version (0.1.0 -> 0.2.0): sites may differ for that alone"
report "$tmp/all.leaks.gz" 10 100 /x/y\ z fast 0.2.0
run 1 --json diff "$tmp/old.leaks.gz" "$tmp/all.leaks.gz"
warning "heapguard-report: warning: the reports differ in program ($tmp/two -> /x/y z), level (full -> fast) and heapguard version (0.1.0 -> 0.2.0): sites may differ for that alone"
json 'len(j["grew"]) == 1'

finish
