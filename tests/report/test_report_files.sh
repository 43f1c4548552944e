#!/bin/sh
# SPDX-License-Identifier: MIT
# Where the leak report goes: never over an existing file (a number is
# added), never through a symlink planted at its name, never half-written
# under its final name; an unwritable place gets one stderr line, no file
# and the program's own exit status; a current directory that refuses
# files falls back to $TMPDIR.
set -u
lib=${HEAPGUARD_LIB:-}
[ -n "$lib" ] && [ -f "$lib" ] || { echo "SKIP: HEAPGUARD_LIB not set"; exit 77; }
command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }

d=$(mktemp -d "${TMPDIR:-/tmp}/hg-report-files.XXXXXX") || exit 99
trap 'rm -rf "$d"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# run PREFIX: the preloaded /bin/true with report=PREFIX, stderr to $d/err
run() {
	env HEAPGUARD_OPTIONS="report=$1" LD_PRELOAD="$lib" /bin/true 2>"$d/err"
}

valid() {
	gzip -dc "$1" >"$d/text" 2>/dev/null || return 1
	[ "$(head -n 1 "$d/text")" = "heapguard-leaks 3" ] || return 1
	tail -n 1 "$d/text" | grep -q '^end [0-9]* [0-9]*$'
}

# 1. A report at the plain name, private, complete.
run "$d/r" || bad "exit status changed"
[ -f "$d/r.leaks.gz" ] || bad "no $d/r.leaks.gz"
valid "$d/r.leaks.gz" || bad "r.leaks.gz is not a complete report"
mode=$(stat -c %a "$d/r.leaks.gz")
[ "$mode" = 600 ] || bad "mode $mode, expected 600"
grep -q "report: $d/r.leaks.gz" "$d/err" || bad "summary does not name the file: $(cat "$d/err")"

# 2. It exists: the next run takes .1, then .2; the first is untouched.
sum=$(cksum <"$d/r.leaks.gz")
run "$d/r"
run "$d/r"
[ -f "$d/r.1.leaks.gz" ] && valid "$d/r.1.leaks.gz" || bad "no r.1.leaks.gz"
[ -f "$d/r.2.leaks.gz" ] || bad "no r.2.leaks.gz"
[ "$(cksum <"$d/r.leaks.gz")" = "$sum" ] || bad "r.leaks.gz was overwritten"

# 3. A symlink planted at the name is neither followed nor replaced.
ln -s "$d/target" "$d/s.leaks.gz"
run "$d/s"
[ ! -e "$d/target" ] || bad "the symlink was followed"
[ -L "$d/s.leaks.gz" ] || bad "the symlink was replaced"
[ -f "$d/s.1.leaks.gz" ] || bad "no s.1.leaks.gz beside the symlink"

# 4. A directory that does not exist: one line, no file, status kept.
run "$d/missing/r" || bad "exit status changed on a write error"
grep -q "^heapguard: cannot write the leak report $d/missing/r.leaks.gz: " "$d/err" ||
	bad "no error line: $(cat "$d/err")"
[ ! -e "$d/missing" ] || bad "something was created"
if [ "$(id -u)" != 0 ]; then
	mkdir "$d/ro" && chmod 555 "$d/ro"
	run "$d/ro/r"
	grep -q "cannot write the leak report $d/ro/r.leaks.gz: Permission denied" "$d/err" ||
		bad "no error line for a read-only directory: $(cat "$d/err")"
	[ -z "$(ls -A "$d/ro")" ] || bad "files left in the read-only directory"
	chmod 755 "$d/ro"
fi

# 5. A current directory that takes no files: $TMPDIR, same name.
mkdir "$d/tmp"
(cd /proc && env TMPDIR="$d/tmp" HEAPGUARD_OPTIONS="report=rel" LD_PRELOAD="$lib" \
	/bin/true 2>"$d/err")
[ -f "$d/tmp/rel.leaks.gz" ] || bad "no fallback to \$TMPDIR: $(cat "$d/err")"
grep -q 'not writable' "$d/err" || bad "the summary does not say why: $(cat "$d/err")"

# 6. %p and %% expand; no temporary file is ever left behind.
run "$d/p.%p.%%"
ls "$d" | grep -q '^p\.[0-9][0-9]*\.%\.leaks\.gz$' || bad "%p/%% not expanded: $(ls "$d")"
left=$(find "$d" -name '*.tmp.*')
[ -z "$left" ] || bad "temporary files left: $left"

[ $fail = 0 ] && echo "PASS: report files"
exit $fail
