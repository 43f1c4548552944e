#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(1) on reports built here from the plain-text fixtures of
# tests/report/data: the command line, text (golden files), --json,
# --folded, --show, --suppress, diff and the exit statuses, all with
# --no-symbols (symbolization: test_reader_symbols.sh).  Exit 77 without
# python3.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

gz basic
gz grown
basic=$tmp/basic.leaks.gz

# --- command line ---
run 0 --version
grep -qx 'heapguard-report [0-9][0-9.]*' "$tmp/out" || fail "--version printed '$(cat "$tmp/out")'"
run 0 --help
grep -q '^usage: heapguard-report' "$tmp/out" || fail "--help has no usage line"
for args in "" "--bogus $basic" "--json --folded $basic" "--show=lots $basic" "--show= $basic" \
	"diff $basic" "--folded diff $basic $basic" "--symbolizer=gdb $basic" "--suppress"; do
	# shellcheck disable=SC2086 # split on purpose
	run 2 $args
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^heapguard-report: ' "$tmp/err" ||
		fail "usage error '$args' did not print one heapguard-report: line: $(cat "$tmp/err")"
done

# --- text: golden output, exit 1 because lost bytes are shown ---
run 1 --no-symbols "$basic"
no_stderr
cmp -s "$tmp/out" "$data/basic.text.out" || fail "text output differs from basic.text.out: $(diff "$data/basic.text.out" "$tmp/out")"
contains './demo\x1b[31m --flag=a\x09b'

# Version 2 (glibc's parameters among the options, with six sources) is
# read as version 1 is.
sed -e '1s/.*/heapguard-leaks 2/' -e 's/^option check env 3$/option check malloc_env 3/' \
	-e '/^option report /a\
option glibc.malloc.arena_max malloc_env 4\
option glibc.malloc.top_pad tunable 65536\
option glibc.malloc.trim_threshold mallopt 262144\
option glibc.malloc.perturb config 0' "$data/basic.txt" | gzip -c -n >"$tmp/basic2.leaks.gz"
run 1 --no-symbols "$tmp/basic2.leaks.gz"
cmp -s "$tmp/out" "$data/basic.text.out" || fail "format 2 read otherwise: $(diff "$data/basic.text.out" "$tmp/out")"
run 1 --no-symbols --json "$tmp/basic2.leaks.gz"
json 'j["format"] == 2'

# --show
run 1 --no-symbols --show=all "$basic"
contains 'reachable: 4096 bytes in 1 block (size 4096), threads 1,2,3,4,5,6,7,8 and more'
contains '(no stack recorded)'
contains '    #0 ?+0x7fff12345678'
run 0 --no-symbols --show=reachable,indirect "$basic"
grep -q '^lost:' "$tmp/out" && fail "--show=reachable,indirect printed a lost site"
contains 'shown: indirect 64 bytes in 2 blocks, reachable 4106 bytes in 3 blocks'

# --- JSON ---
run 1 --no-symbols --json --show=all "$basic"
json 'j["format"] == 1 and j["report"] == "leaks" and j["program"] == "/nonexistent/demo app" and j["pid"] == 4242' \
	'j["ppid"] == 4200 and j["time"] == 1795760000 and j["level"] == "full" and j["status"] == 0' \
	'j["args"] == ["./demo\x1b[31m", "--flag=a\tb", ""]' \
	'j["totals"]["lost"] == {"bytes": 1040, "blocks": 4}' \
	'j["totals"]["reachable"] == {"bytes": 4106, "blocks": 3}' \
	'j["shown"] == j["totals"] and len(j["sites"]) == 5' \
	'[s["kind"] for s in j["sites"]] == ["lost", "lost", "indirect", "reachable", "reachable"]' \
	'j["sites"][0]["bytes"] == 1000 and j["sites"][0]["blocks"] == 3 and j["sites"][0]["min"] == 100' \
	'j["sites"][0]["max"] == 500 and j["sites"][0]["threads"] == [1, 2]' \
	'j["sites"][0]["frames"][0] == {"function": None, "file": None, "line": None, "inlined": False, "module": "/nonexistent/demo app", "offset": "0x1160"}' \
	'j["sites"][3]["more_threads"] and j["sites"][3]["frames"][0]["module"] is None' \
	'j["sites"][4]["frames"] == []'
run 1 --no-symbols --json "$basic"
json 'j["depot"] == {"stacks": 3, "bytes": 4096, "captures": 100, "hits": 97}' \
	'j["scan"]["microseconds"] == 1500'
json 'j["shown"]["reachable"] == {"bytes": 0, "blocks": 0}' 'j["totals"]["reachable"]["bytes"] == 4106' \
	'len(j["sites"]) == 3'

# Strings that are not UTF-8, or hold control bytes, still make valid JSON.
sed -e 's|^program .*|program /tmp/\\xff\\xfe caf\xc3\xa9 \\x01 "q" \\\\ \xed\xa0\x80|' "$data/basic.txt" |
	gzip -c >"$tmp/odd.leaks.gz"
run 1 --no-symbols --json "$tmp/odd.leaks.gz"
json 'j["program"] == "/tmp/\ufffd\ufffd caf\u00e9 \x01 \"q\" \\ \ufffd\ufffd\ufffd"'

# --- folded ---
run 1 --no-symbols --folded --show=all "$basic"
cmp -s "$tmp/out" "$data/basic.folded.out" || fail "folded output differs from basic.folded.out: $(diff "$data/basic.folded.out" "$tmp/out")"

# --- suppressions ---
cat >"$tmp/supp" <<'EOF'
# a comment, then a blank line

leak:^/nonexistent/*app$
  leak:never-matches  
leak:libc.so
EOF
run 0 --no-symbols --suppress "$tmp/supp" "$basic"
contains 'suppressed: 1104 bytes in 6 blocks (3 sites)'
contains '  leak:^/nonexistent/*app$ matched 3 sites, 1104 bytes in 6 blocks'
contains '  leak:never-matches matched 0 sites, 0 bytes in 0 blocks'
contains '  leak:libc.so matched 0 sites'
contains 'shown: lost 0 bytes in 0 blocks, indirect 0 bytes in 0 blocks'
printf 'leak:^demo\nleak:^/nonexistent/demo$\n' >"$tmp/supp2"
run 1 --no-symbols --suppress "$tmp/supp2" --json "$basic"
json 'j["suppressed"]["sites"] == 0 and len(j["sites"]) == 3'
printf 'leak:app$\n' >"$tmp/supp3"
run 0 --no-symbols -s "$tmp/supp2" -s "$tmp/supp3" --json --show=all "$basic"
json 'j["suppressed"] == {"sites": 4, "bytes": 5200, "blocks": 7, "rules": [{"pattern": "^demo", "sites": 0, "bytes": 0, "blocks": 0}, {"pattern": "^/nonexistent/demo$", "sites": 0, "bytes": 0, "blocks": 0}, {"pattern": "app$", "sites": 4, "bytes": 5200, "blocks": 7}]}' \
	'j["shown"]["reachable"] == {"bytes": 10, "blocks": 2}'
printf 'leak:ok\nleak ok\n' >"$tmp/badsupp"
run 2 --suppress "$tmp/badsupp" "$basic"
grep -q "^heapguard-report: $tmp/badsupp:2: " "$tmp/err" || fail "bad suppression file: $(cat "$tmp/err")"
# LeakSanitizer's other types are skipped: the file may be shared with it.
printf 'called_from_lib:libfoo.so\ninterceptor_via_fun:x\nleak:nothing-matches-this\n' >"$tmp/lsan.supp"
run 1 --no-symbols --suppress "$tmp/lsan.supp" "$basic"
contains 'leak:nothing-matches-this matched 0 sites'
run 2 --suppress "$tmp/nonexistent" "$basic"

# --- diff ---
run 1 --no-symbols diff "$basic" "$tmp/grown.leaks.gz"
contains 'lost: +80 bytes (40 bytes in 1 block -> 120 bytes in 3 blocks)'
contains 'lost: +50 bytes (0 bytes in 0 blocks -> 50 bytes in 1 block)'
contains '2 sites grew by 130 bytes in all'
grep -q '+1000\|+900' "$tmp/out" && fail "diff reported the site that shrank"
run 1 --no-symbols --json diff "$basic" "$tmp/grown.leaks.gz"
json 'len(j["grew"]) == 2 and j["grew"][0]["old"] == {"bytes": 40, "blocks": 1}' \
	'j["grew"][0]["new"] == {"bytes": 120, "blocks": 3} and j["grew"][1]["frames"][0]["offset"] == "0x1180"'
run 0 --no-symbols diff "$basic" "$basic"
contains 'no site grew'
run 1 --no-symbols diff "$tmp/grown.leaks.gz" "$basic"
contains 'lost: +100 bytes (900 bytes in 3 blocks -> 1000 bytes in 3 blocks)'
run 2 --no-symbols diff "$basic" "$tmp/nonexistent.leaks.gz"

finish
