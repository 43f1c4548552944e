#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(1) symbolizes: a program compiled here with -g, a report
# whose module line names it with its real build id and whose frames are
# return addresses inside it, read with libdw and with addr2line: function,
# file:line and the inlined frame must come out, suppressions must match
# them, diff must match sites across a rebuild by name, and a wrong build id
# or a missing file must give module+offset and one warning.  Exit 77 without
# a C compiler, readelf or nm.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

cc=${CC:-cc}
for tool in "$cc" readelf nm; do
	command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool not found" >&2; exit 77; }
done

# The allocation goes through an always_inline helper, so the malloc call's
# return address lies in an inlined frame.  -O0: no tail call to malloc.
write_program() {
	{
		echo '#include <stdlib.h>'
		[ "$1" = v2 ] && printf '%s\n' '' '/* version 2 moves everything */' \
			'int unrelated(int x) { return x * 3; }'
		cat <<'EOF'
static inline __attribute__((always_inline)) void *inner_alloc(size_t n)
{
	return malloc(n); /* LINE_MALLOC */
}

__attribute__((noinline)) void *make_leak(size_t n)
{
	void *p = inner_alloc(n); /* LINE_CALL */
	return p;
}

int main(void)
{
	return make_leak(10) == NULL; /* LINE_MAIN */
}
EOF
	} >"$2"
}

build_id() {
	readelf -n "$1" | sed -n 's/.*Build ID: *//p'
}

# The address after "call malloc" in make_leak (a return address), from
# objdump; without objdump, make_leak's first byte + 1.
return_address() {
	ret=
	if command -v objdump >/dev/null 2>&1; then
		ret=$(objdump -d --no-show-raw-insn "$1" | awk '
			/^[0-9a-f]+ <make_leak>:/ { inside = 1; next }
			/^[0-9a-f]+ </ { inside = 0 }
			inside && after { sub(/^ */, ""); sub(/:.*/, ""); print; exit }
			inside && /call.*<malloc/ { after = 1 }')
	fi
	if [ -n "$ret" ]; then
		echo "0x$ret"
	else
		printf '0x%x\n' $((0x$(nm "$1" | awk '$3 == "make_leak" { print $1 }') + 1))
	fi
}

# report BINARY BUILD-ID BLOCKS OUT: a report with one lost site of BLOCKS
# blocks of 10 bytes, allocated in make_leak called from main
report() {
	main=$(nm "$1" | awk '$3 == "main" { print $1 }')
	printf '%s\n' 'heapguard-leaks 1' 'version 0.1.0' "program $1" 'pid 77' 'ppid 1' \
		'time 1795760000 2026-11-27T05:33:20Z' 'level full' 'status 0' 'arg 0 prog' \
		"module 0 0x55d0c0a00000 $2 $1" \
		"stack 1 0+$(return_address "$1") 0+$(printf '0x%x' $((0x$main + 1)))" \
		"site lost 1 $3 $(($3 * 10)) 10 10 1" "totals $(($3 * 10)) $3 0 0 0 0" 'end 1 1' |
		gzip -c >"$4"
}

src=$tmp/prog.c
write_program v1 "$src"
"$cc" -g -O0 -Wl,--build-id -o "$tmp/prog" "$src" || { echo "$0: cannot compile" >&2; exit 77; }
id=$(build_id "$tmp/prog")
[ -n "$id" ] || { echo "$0: $cc wrote no build id" >&2; exit 77; }
line_malloc=$(grep -n LINE_MALLOC "$src" | cut -d: -f1)
line_call=$(grep -n LINE_CALL "$src" | cut -d: -f1)
report "$tmp/prog" "$id" 1 "$tmp/good.leaks.gz"
inlined=no
command -v objdump >/dev/null 2>&1 && inlined=yes

check_backend() {
	run 1 --symbolizer="$1" "$tmp/good.leaks.gz"
	no_stderr
	if [ "$inlined" = yes ]; then
		contains "#0 in inner_alloc $src:$line_malloc ($tmp/prog+"
		grep -q "#0 in inner_alloc .*) (inlined)$" "$tmp/out" || fail "$1: inner_alloc not shown as inlined"
		contains "#1 in make_leak $src:$line_call ($tmp/prog+"
		contains "#2 in main $src:"
	else
		contains "#0 in make_leak $src:"
		contains "#1 in main $src:"
	fi
	run 1 --symbolizer="$1" --json "$tmp/good.leaks.gz"
	json "[f['function'] for f in j['sites'][0]['frames']][-2:] == ['make_leak', 'main']" \
		"all(f['file'] == '$src' and f['module'] == '$tmp/prog' for f in j['sites'][0]['frames'])" \
		"j['sites'][0]['frames'][-1]['inlined'] is False and j['sites'][0]['frames'][-1]['line'] > 0"
	[ "$inlined" = yes ] && json "j['sites'][0]['frames'][0]['function'] == 'inner_alloc'" \
		"j['sites'][0]['frames'][0]['inlined'] and j['sites'][0]['frames'][0]['line'] == $line_malloc" \
		"j['sites'][0]['frames'][1]['line'] == $line_call" \
		"j['sites'][0]['frames'][0]['offset'] == j['sites'][0]['frames'][1]['offset']"
	run 1 --symbolizer="$1" --folded "$tmp/good.leaks.gz"
	if [ "$inlined" = yes ]; then
		contains 'main;make_leak;inner_alloc 10'
	else
		contains 'main;make_leak 10'
	fi
	# suppressions match function names and source files
	for pattern in make_leak '^make_*leak$' prog.c "^$tmp/prog.c\$"; do
		echo "leak:$pattern" >"$tmp/supp"
		run 0 --symbolizer="$1" --suppress "$tmp/supp" "$tmp/good.leaks.gz"
		contains "matched 1 site, 10 bytes in 1 block"
	done
	echo 'leak:^make$' >"$tmp/supp"
	run 1 --symbolizer="$1" --suppress "$tmp/supp" "$tmp/good.leaks.gz"
}

if [ "$("$reader" --symbolizer=libdw "$tmp/good.leaks.gz" 2>&1 >/dev/null)" = "" ]; then
	check_backend libdw
else
	echo "$0: built without libdw: its checks skipped" >&2
fi
if command -v addr2line >/dev/null 2>&1; then
	check_backend addr2line
else
	echo "$0: addr2line not found: its checks skipped" >&2
fi

# A wrong build id or a missing file: module+offset and one warning, never
# names from the wrong binary.
wrong=$(echo "$id" | tr '0123456789abcdef' '123456789abcdef0')
report "$tmp/prog" "$wrong" 1 "$tmp/wrong.leaks.gz"
run 1 "$tmp/wrong.leaks.gz"
grep -q 'make_leak\|main' "$tmp/out" && fail "names printed for a module whose build id differs"
contains "    #0 $tmp/prog+0x"
contains "    #1 $tmp/prog+0x"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^heapguard-report: warning: $tmp/prog: build id $id differs from the report's $wrong" "$tmp/err" ||
	fail "wrong build id warning: $(cat "$tmp/err")"
cp "$tmp/prog" "$tmp/gone"
report "$tmp/gone" "$id" 1 "$tmp/gone.leaks.gz"
rm "$tmp/gone"
run 1 --json "$tmp/gone.leaks.gz"
json "j['sites'][0]['frames'][0]['function'] is None and j['sites'][0]['frames'][0]['module'] == '$tmp/gone'"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^heapguard-report: warning: $tmp/gone: No such file or directory" "$tmp/err" ||
	fail "missing module warning: $(cat "$tmp/err")"

# diff matches a site across a rebuild that moved its code and lines.
write_program v2 "$tmp/prog2.c"
mv "$tmp/prog2.c" "$src"
"$cc" -g -O0 -Wl,--build-id -o "$tmp/prog2" "$src" || fail "cannot compile version 2"
report "$tmp/prog2" "$(build_id "$tmp/prog2")" 3 "$tmp/new.leaks.gz"
# (prog.c now holds version 2: each binary's own DWARF gives its lines)
run 1 diff "$tmp/good.leaks.gz" "$tmp/new.leaks.gz"
contains 'lost: +20 bytes (10 bytes in 1 block -> 30 bytes in 3 blocks)'
contains '1 site grew by 20 bytes in all'
run 0 diff "$tmp/new.leaks.gz" "$tmp/good.leaks.gz"
contains 'no site grew'

# C++ names are demangled (libstdc++'s __cxa_demangle, when installed).
cxx=${CXX:-c++}
if command -v "$cxx" >/dev/null 2>&1 && printf '%s\n' '#include <cstdlib>' \
	'namespace ns { struct K { __attribute__((noinline)) static void *make(int n) { return std::malloc(n); } }; }' \
	'int main() { return ns::K::make(3) == nullptr; }' >"$tmp/k.cc" &&
	"$cxx" -g -O0 -Wl,--build-id -o "$tmp/k" "$tmp/k.cc" 2>/dev/null; then
	make=$(nm "$tmp/k" | awk '$3 ~ /K4make/ { print $1 }')
	printf '%s\n' 'heapguard-leaks 1' 'version 0.1.0' "program $tmp/k" 'pid 7' 'ppid 1' \
		'time 1 1970-01-01T00:00:01Z' 'level full' 'status -' \
		"module 0 0x0 $(build_id "$tmp/k") $tmp/k" "stack 1 0+$(printf '0x%x' $((0x$make + 1)))" \
		'site lost 1 1 3 3 3 1' 'totals 3 1 0 0 0 0' 'end 1 1' | gzip -c >"$tmp/k.leaks.gz"
	run 1 "$tmp/k.leaks.gz"
	contains '#0 in ns::K::make(int) '
	run 1 --no-demangle "$tmp/k.leaks.gz"
	contains '#0 in _ZN2ns1K4makeEi '
fi

finish
