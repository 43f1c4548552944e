#!/bin/sh
# SPDX-License-Identifier: MIT
# What README.md quotes of the demo is what the demo prints.  A code block
# right after a line
#   <!-- checked by tests/docs/test_readme_demo.sh: examples/NAME, STREAM -->
# must be STREAM (stdout or stderr) of examples/NAME run as `./quickstart demo`
# runs it (the heapguard-demo lines of its header comment) with its standard
# output on a terminal (script(1)), once both are normalised with
# normalise.sed: what stdio buffers, and so what is left at exit, depends on
# it.  A quoted line "..." stands for one or more lines left out.
# HG_DOCS_KEEP=1 keeps the outputs for a look afterwards.
set -u

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$top}
launcher=${HEAPGUARD_BIN:-$build/heapguard}
readme=$top/README.md
normalise=$top/tests/docs/normalise.sed
marker='^<!-- checked by tests/docs/test_readme_demo.sh: examples/([a-z_]+), (stdout|stderr) -->$'

[ -x "$launcher" ] || { echo "FAIL: $launcher does not exist (build it first)"; exit 1; }
command -v script >/dev/null || { echo "SKIP: script(1) (util-linux) is needed for a terminal"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-docs.XXXXXX")
if [ -n "${HG_DOCS_KEEP:-}" ]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# header SOURCE KEY: the value of " * heapguard-KEY: ..." in SOURCE, as
# quickstart reads it.
header() {
	sed -n "s/^ \\* heapguard-$2: *//p" "$1" | sed 's/ *\*\/$//'
}

# The quoted blocks, one file each (QUOTE.N), and their list (NAME STREAM N).
awk -v dir="$tmp" -v pat="$marker" '
	state == 0 && $0 ~ pat {
		n++
		split(substr($0, index($0, "examples/") + 9), f, /[, ]+/)
		print f[1], f[2], n > (dir "/list")
		state = 1
		next
	}
	state == 1 && /^```/ { state = 2; printf "" > (dir "/quote." n); next }
	state == 1 && /[^ ]/ { print "no code block after the marker of quote " n > "/dev/stderr"; state = 0 }
	state == 2 && /^```/ { state = 0; next }
	state == 2 { print > (dir "/quote." n) }
' "$readme"
[ -s "$tmp/list" ] || { echo "FAIL: $readme has no block marked for this test"; exit 1; }

# match QUOTE OUTPUT: both normalised; "..." in QUOTE takes one or more lines.
match() {
	awk '
		FNR == NR { q[++nq] = $0; next }
		{ o[++no] = $0 }
		END {
			i = 1; j = 1
			while (i <= nq) {
				t = q[i]
				gsub(/^[ \t]+|[ \t]+$/, "", t)
				if (t == "...") {
					if (j > no) {
						printf "nothing left out at quoted line %d\n", i
						exit 1
					}
					j++
					if (i == nq)
						j = no + 1
					while (j <= no && o[j] != q[i + 1])
						j++
					i++
					continue
				}
				if (j > no || o[j] != q[i]) {
					printf "quoted line %d differs from output line %d\n", i, j
					exit 1
				}
				i++
				j++
			}
			if (j <= no) {
				printf "the output goes on after the quote, from line %d\n", j
				exit 1
			}
		}
	' "$1" "$2"
}

while read -r name stream n; do
	src=$top/examples/$name.c
	prog=$build/examples/$name
	[ -f "$src" ] && [ -x "$prog" ] || { fail "quote $n: no examples/$name to run"; continue; }
	args=$(header "$src" demo)
	envs=$(header "$src" demo-env)
	expect=$(header "$src" demo-expect)
	expect=${expect%% *}
	dir=$tmp/run.$n
	mkdir "$dir"
	# In its own directory, as the demo runs in build/: reports land in ".".
	# exec: no shell is left to print "Aborted" for a misuse example.
	printf 'exec env %s "%s" %s -- "%s" 2>stderr\n' "$envs" "$launcher" "$args" "$prog" \
		>"$dir/run.sh"
	(cd "$dir" && script -qec 'sh ./run.sh' /dev/null </dev/null >tty)
	rc=$?
	tr -d '\r' <"$dir/tty" >"$dir/stdout"
	[ "$rc" = "${expect:-0}" ] ||
		fail "examples/$name exited with $rc, its header says ${expect:-0}"
	sed -E -f "$normalise" "$tmp/quote.$n" >"$dir/quote"
	sed -E -f "$normalise" "$dir/$stream" >"$dir/output"
	if ! why=$(match "$dir/quote" "$dir/output"); then
		fail "README.md quotes examples/$name's $stream as it no longer is${why:+ ($why)}:"
		diff -u "$dir/quote" "$dir/output" | sed 's/^/    /'
	fi
done <"$tmp/list"

if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "PASS: $(grep -c . "$tmp/list") demo outputs quoted in README.md match the demo"
exit 0
