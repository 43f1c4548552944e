#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report --gen-suppressions writes lines the library's own
# suppressions= honours: examples/leaks loses memory in functions the
# compiler inlined into main, which the library (ELF symbols only) cannot
# see, so the generated lines must name the function that was not inlined.
# Fed back, they leave the process clean: no line, status 0 under
# leak_exitcode.
set -u
[ -n "${HEAPGUARD_LIB:-}" ] || { echo "SKIP: needs HEAPGUARD_LIB"; exit 77; }
b=$(cd "${top_builddir:-.}" && pwd)
prog=$b/examples/leaks reader=$b/heapguard-report
T=$(mktemp -d "${TMPDIR:-/tmp}/hg-gensupp.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99

env LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="report=$T/r:leak_exitcode=7" "$prog" >/dev/null 2>"$T/err1"
st=$?
[ "$st" -eq 7 ] || { echo "FAIL: the leaking run exited $st, 7 expected"; cat "$T/err1"; exit 1; }
# The reader's status is 1: the report has lost bytes.
"$reader" --gen-suppressions "$T"/r.leaks.gz >"$T/supp" 2>"$T/rerr"
st=$?
[ "$st" -le 1 ] || { echo "FAIL: --gen-suppressions exited $st"; cat "$T/rerr"; exit 1; }
grep -c '^leak:' "$T/supp" >/dev/null || { echo "FAIL: no leak: line"; cat "$T/supp"; exit 1; }
rm -f "$T"/r.*
env LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="report=$T/r:leak_exitcode=7:suppressions=$T/supp" \
	"$prog" >/dev/null 2>"$T/err2"
st=$?
if [ "$st" -ne 0 ] || [ -s "$T/err2" ]; then
	echo "FAIL: with the generated suppressions: status $st (0 expected), stderr:"
	cat "$T/err2"
	echo "--- the suppressions:"
	grep '^leak:' "$T/supp"
	exit 1
fi
echo "ok: $(grep -c '^leak:' "$T/supp") generated lines suppress every leak in-process"
