# SPDX-License-Identifier: MIT
# Shared by the tests/report/test_*.sh scripts (sourced, not run): where the
# reader and the fixtures are, a temporary directory, and small assertions.
# Each test ends with `finish'.

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
reader=${top_builddir:-.}/heapguard-report
data=$top/tests/report/data
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0

if ! command -v python3 >/dev/null 2>&1; then
	echo "$0: python3 is needed to check the JSON output" >&2
	exit 77
fi
[ -x "$reader" ] || { echo "$0: $reader is not built" >&2; exit 99; }

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run WANT ARGS...: the reader's stdout in $tmp/out, stderr in $tmp/err
run() {
	want=$1
	shift
	timeout 10 "$reader" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "heapguard-report $* exited $got, expected $want ($(head -c 300 "$tmp/err"))"
}

# json PYTHON-EXPR...: each expression, with the output parsed as j, is true
json() {
	python3 -m json.tool "$tmp/out" >/dev/null 2>&1 || { fail "not valid JSON: $(head -c 200 "$tmp/out")"; return; }
	for expr in "$@"; do
		python3 -c "import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" \
			"$tmp/out" || fail "JSON check failed: $expr"
	done
}

contains() {
	grep -qF -- "$1" "$tmp/out" || fail "output lacks '$1'"
}

no_stderr() {
	[ ! -s "$tmp/err" ] || fail "unexpected stderr: $(head -c 300 "$tmp/err")"
}

# gz NAME: $tmp/NAME.leaks.gz from data/NAME.txt
gz() {
	gzip -c -n <"$data/$1.txt" >"$tmp/$1.leaks.gz"
}

# expect_error FILE LINE PHRASE: exit 2 and one line FILE:LINE: ...PHRASE...
# (LINE '*': any line; where zlib notices a broken stream depends on buffering)
expect_error() {
	run 2 --no-symbols "$1"
	prefix="heapguard-report: $1:$2: "
	[ "$2" = '*' ] && prefix=$(sed -n "s|^\(heapguard-report: $1:[0-9][0-9]*: \).*|\1|p" "$tmp/err")
	if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		fail "$(basename "$1"): expected one line on stderr, got: $(head -c 500 "$tmp/err")"
	elif [ -z "$prefix" ] || ! grep -qF -- "$prefix" "$tmp/err" || ! grep -qF -- "$3" "$tmp/err"; then
		fail "$(basename "$1"): stderr '$(cat "$tmp/err")' is not '$1:$2: ...$3...'"
	fi
}

# gzip_bomb FILE LINE...: the lines, then concatenated gzip members that
# inflate to more than 1 GiB of well-formed lines of an unknown record type
# (which a reader skips): the reader must stop at its input limit.
gzip_bomb() {
	out=$1
	shift
	printf '%s\n' "$@" | python3 -c '
import gzip, sys
chunk = (b"zz " + b"a" * 65000 + b"\n") * 1024  # 64 MiB
member = gzip.compress(chunk, 9)
with open(sys.argv[1], "wb") as out:
    out.write(gzip.compress(sys.stdin.buffer.read()))
    for _ in range(17):
        out.write(member)
' "$out"
}

finish() {
	[ "$failures" -eq 0 ] || { echo "$0: $failures failure(s)" >&2; exit 1; }
	exit 0
}
