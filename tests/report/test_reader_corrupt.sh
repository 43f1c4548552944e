#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(1) on broken files: not gzip, bad CRC, truncated gzip,
# a gzip bomb, foreign or truncated text, and each rule of heapguard-report(5)
# broken in turn.  Each must exit 2 within 10 seconds with exactly one line
# "heapguard-report: FILE:LINE: what is wrong" naming the problem.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

gz basic
good=$tmp/basic.leaks.gz

# broken NAME LINE PHRASE SED-SCRIPT: basic.txt edited by SED-SCRIPT, gzipped
broken() {
	sed -e "$4" "$data/basic.txt" | gzip -c -n >"$tmp/$1.leaks.gz"
	expect_error "$tmp/$1.leaks.gz" "$2" "$3"
}

# bytes NAME PYTHON: $tmp/NAME.leaks.gz is the good file's bytes b after PYTHON
bytes() {
	python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); $2; open(sys.argv[2], 'wb').write(b)" \
		"$good" "$tmp/$1.leaks.gz"
}

# --- not gzip, broken gzip ---
cp "$data/basic.txt" "$tmp/plain.leaks.gz"
expect_error "$tmp/plain.leaks.gz" 1 'not a gzip file'
: >"$tmp/empty.leaks.gz"
expect_error "$tmp/empty.leaks.gz" 1 'not a gzip file'
bytes crc 'b[-8] ^= 0x55'
expect_error "$tmp/crc.leaks.gz" '*' 'incorrect data check'
bytes length 'b[-1] ^= 0x01'
expect_error "$tmp/length.leaks.gz" '*' 'incorrect length check'
bytes truncated 'del b[len(b) // 2:]'
expect_error "$tmp/truncated.leaks.gz" '*' 'truncated gzip stream'
bytes trailer 'del b[-4:]'
expect_error "$tmp/trailer.leaks.gz" '*' 'truncated gzip stream'
bytes header 'del b[5:]'
expect_error "$tmp/header.leaks.gz" 1 'truncated gzip stream'
bytes deflate 'b[20:30] = bytes(10)'
expect_error "$tmp/deflate.leaks.gz" '*' ''
head -c 100000 "$reader" | gzip -c >"$tmp/binary.leaks.gz"
expect_error "$tmp/binary.leaks.gz" 1 ''
# A directory is a run: one with nothing readable in it is an input error.
mkdir "$tmp/empty"
run 2 "$tmp/empty"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^heapguard-report: $tmp/empty: " "$tmp/err" || fail "directory: $(cat "$tmp/err")"
run 2 "$tmp/does-not-exist.leaks.gz"
grep -qx "heapguard-report: $tmp/does-not-exist.leaks.gz: No such file or directory" "$tmp/err" ||
	fail "missing file: $(cat "$tmp/err")"

# A gzip bomb (common.sh).
gzip_bomb "$tmp/bomb.leaks.gz" 'heapguard-leaks 1' 'version 0.1.0' 'program /bin/true' 'pid 1' 'ppid 0' \
	'time 0 1970-01-01T00:00:00Z' 'level full' 'status 0' 'module 0 0x0 - /bin/true'
expect_error "$tmp/bomb.leaks.gz" '*' 'more than 1073741824 bytes uncompressed'

# --- the text, rule by rule (basic.txt has 29 lines) ---
broken magic4 1 "unsupported format version '4' (this reader reads versions 1 to 3)" '1s/.*/heapguard-leaks 4/'
broken foreign 1 'not a heapguard leak report' '1s/.*/hello, world/'
# A fragmentation report's first line sends the file to the other parser;
# diff reads leak reports only and says what the file is instead.
sed -e '1s/.*/heapguard-frag 1/' "$data/basic.txt" | gzip -c -n >"$tmp/frag.leaks.gz"
run 2 --no-symbols diff "$good" "$tmp/frag.leaks.gz"
grep -qx "heapguard-report: $tmp/frag.leaks.gz:1: a fragmentation report, not a leak report" "$tmp/err" ||
	fail "diff with a fragmentation report: $(cat "$tmp/err")"
broken crlf 1 "unsupported format version '1\\x0d'" 's/$/\r/'
broken noend 29 "missing 'end' record" '/^end /d'
broken notail 21 "missing 'totals' record" '21,$d'
broken afterend 30 "data after the 'end' line" '$a\
site lost 5 1 1 1 1 1'
broken longline 3 'line longer than 65536 bytes' "3s|\$|/$(head -c 70000 /dev/zero | tr '\0' a)|"
broken nul 4 'NUL byte' '4s/2/\x00/'
broken pid64 4 "pid '18446744073709551616' does not fit in 64 bits" 's/^pid .*/pid 18446744073709551616/'
broken bytes64 22 'does not fit in 64 bits' 's/^site lost 2 1 40 /site lost 2 1 99999999999999999999 /'
broken base64 15 'does not fit in 64 bits' 's/^module 0 0x55d0c0a00000 /module 0 0x10000000000000000 /'
broken offset64 17 'does not fit in 64 bits' 's/^stack 1 0+0x1160 /stack 1 0+0x123456789abcdef01 /'
broken pidzero 4 'pid 0 is out of range' 's/^pid .*/pid 0/'
broken pidword 4 'is not an unsigned decimal number' 's/^pid .*/pid 42a/'
broken pidnegative 4 'is not an unsigned decimal number' 's/^pid .*/pid -1/'
broken doublespace 4 'empty pid' 's/^pid /pid  /'
broken trailing 4 'trailing space' 's/^pid .*/& /'
broken extra 7 "unexpected field 'fast'" 's/^level full/level full fast/'
broken level 7 "neither 'fast' nor 'full'" 's/^level full/level slow/'
broken status 8 'is not an unsigned decimal number' 's/^status 0/status x/'
broken time 6 'not an ISO 8601 date' 's/^time .*/time 1 yesterday/'
broken minmax 22 'smallest size 50 is above its largest 40' 's/^site lost 2 1 40 40 40 1/site lost 2 1 40 50 40 1/'
broken toofew 21 "site's 100 bytes are fewer than 3 blocks of at least 100" 's/^site lost 1 3 1000 /site lost 1 3 100 /'
broken toomany 21 "site's 2000 bytes are more than 3 blocks of at most 500" 's/^site lost 1 3 1000 /site lost 1 3 2000 /'
broken zeroblocks 22 'site with 0 blocks' 's/^site lost 2 1 40 40 40 1/site lost 2 0 0 0 0 1/'
broken blocks64 21 'fewer than' 's/^site lost 1 3 1000 100 /site lost 1 18446744073709551615 1000 100 /'
broken nostack 22 "site names stack 9, which no 'stack' line defines" 's/^site lost 2 /site lost 9 /'
broken nomodule 17 "frame names module 5, which no 'module' line defines" 's/^stack 1 0+0x1160 /stack 1 5+0x1160 /'
broken frame 17 "frame '0-0x1160' is not MODULE+0xOFFSET" 's/^stack 1 0+0x1160 /stack 1 0-0x1160 /'
broken frames65 17 'stack 1 has more than 64 frames' "s/^stack 1 .*/stack 1$(printf ' 0+0x%x' $(seq 1 65))/"
broken frames64 22 'site names stack 2' "s/^stack 2 .*/stack 7$(printf ' 0+0x%x' $(seq 1 64))/"
broken stackdup 18 'stack 1 is defined twice' 's/^stack 2 /stack 1 /'
broken stackzero 17 'stack id 0' 's/^stack 1 /stack 0 /'
broken moduledup 16 'module 0 where module 1 was expected' 's/^module 1 /module 0 /'
broken buildid 15 'build id is not lowercase hex' 's/^module 0 0x55d0c0a00000 0123/module 0 0x55d0c0a00000 XY23/'
broken sitedup 22 "a second 'lost' site for stack 1" 's/^site lost 2 /site lost 1 /'
broken kind 22 'site kind is not lost, indirect or reachable' 's/^site lost 2 /site forgotten 2 /'
broken threads9 22 'more than 8 threads listed' 's/^site lost 2 1 40 40 40 1$/site lost 2 1 40 40 40 1,2,3,4,5,6,7,8,9/'
broken totals 26 'totals say 1041 lost bytes in 4 blocks, the sites add up to 1040 in 4' 's/^totals 1040 /totals 1041 /'
broken endcount 29 "'end' counts 6 sites and 3 stacks, the file has 5 and 3" 's/^end 5 3/end 6 3/'
broken unknown 5 "unknown record 'color' in the header" '4a\
color red'
broken order 3 "missing 'program' record before 'pid'" '3{h;d};4G'
broken twice 5 "a second 'pid' record" '4p'
broken late 22 "'module' record after 'site' (out of order)" '21a\
module 2 0x0 - /lib/late.so'
broken argindex 10 'argument 5 where argument 1 was expected' 's/^arg 1 /arg 5 /'
broken source 12 'option source is not one of default, env, tunable' 's/^option level default /option level guessed /'
# Version 1 knew three sources; version 2 knows six.
broken sourcev1 13 'option source is not one of default, env, tunable' 's/^option check env /option check malloc_env /'
broken sourcev2 12 'option source is not one of default, env, tunable, malloc_env, mallopt, config' \
	'1s/.*/heapguard-leaks 2/;s/^option level default /option level guessed /'
broken escape 3 "unknown escape '\\q' in the program path" 's|^program .*|program /x\\q|'
broken escnul 3 'escaped NUL byte in the program path' 's|^program .*|program /x\\x00|'
broken eschex 3 'bad \x escape in the program path' 's|^program .*|program /x\\x4|'
broken rawctl 3 'raw control byte 0x09 in the program path' 's|^program .*|program /x\ty|'
broken hits 27 'depot hits exceed its captures' 's/^depot 3 4096 100 97/depot 3 4096 100 101/'
broken scan 28 'more threads not stopped than scanned' 's/^scan 65536 1 0 /scan 65536 1 2 /'

finish
