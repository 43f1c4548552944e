#!/bin/sh
# SPDX-License-Identifier: MIT
# The leak report cannot be written: a file size limit (RLIMIT_FSIZE) the
# report would pass, with SIGXFSZ at its default (which would kill the
# process) or ignored, and, when we may mount one, a full tmpfs.  Each
# time: the program's exit status, one clear line on stderr (the exit
# summary of heapguard(7), which says what was lost and why each report
# could not be written), and no file left behind, neither under the final
# name nor a temporary one.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
prog=${top_builddir:-.}/tests/exit/exit_ways
[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
mnt=$HG_TMP/full
trap 'umount "$mnt" 2>/dev/null; rm -rf "$HG_TMP"' EXIT
fails=0

# run CASE DIR WHY [OPTIONS WHAT]: exit_ways CASE writing its report into
# DIR must exit 3 with one line of heapguard's, the summary "heapguard:
# WHAT; ..." (by default that of its lost block), which says that each
# report cannot be written because WHY, and leave DIR as it was.
run() {
	what=${5:-lost 999 bytes in 1 block at 1 site}
	before=$(ls -A "$2" 2>/dev/null)
	# stderr through a pipe: the size limit applies to a file there too.
	{
		timeout -k 10 120 env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="report=$2/hg.%p${4:+:$4}" \
			"$prog" "$1" 2>&1 >/dev/null
		echo "status $?"
	} | cat >"$HG_TMP/err"
	st=$(sed -n 's/^status //p' "$HG_TMP/err")
	ok=1
	[ $st -eq 3 ] || { echo "FAIL: $1: exit status $st, expected 3"; ok=0; }
	n=$(grep -c '^heapguard: ' "$HG_TMP/err")
	[ "$n" -eq 1 ] || { echo "FAIL: $1: $n lines of heapguard, expected the one summary line"; ok=0; }
	p=$(sed -n 's/^heapguard: .*cannot write the leak report [^ ]*\/hg\.\([0-9]*\)\.leaks\.gz: .*/\1/p' "$HG_TMP/err")
	want="heapguard: $what; cannot write the leak report $2/hg\.$p\.leaks\.gz: $3; cannot write the fragmentation report $2/hg\.$p\.frag\.gz: $3"
	[ -n "$p" ] && grep -qx "$want" "$HG_TMP/err" ||
		{ echo "FAIL: $1: no line '$want'"; ok=0; }
	[ "$(ls -A "$2" 2>/dev/null)" = "$before" ] || { echo "FAIL: $1: left $(ls -A "$2")"; ok=0; }
	if [ $ok -eq 1 ]; then
		echo "ok: $1: status 3, $(grep 'cannot write' "$HG_TMP/err")"
	else
		sed 's/^/    /' "$HG_TMP/err"
		fails=$((fails + 1))
	fi
}

run fsize "$HG_REPORTS" "File too large"
run fsize_ignored "$HG_REPORTS" "File too large"
# A clean process whose reports clean_reports=1 asks for: the line says it
# found nothing and wrote nothing (not "reports written").
run return0 "$HG_TMP/missing" "No such file or directory" clean_reports=1 'no finding (clean_reports=1)'
[ ! -e "$HG_TMP/missing" ] || { echo "FAIL: return0: created $HG_TMP/missing"; fails=$((fails + 1)); }

if [ "$(id -u)" -eq 0 ] && mkdir "$mnt" && mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	run return "$mnt" "No space left on device"
else
	echo "skip: the full tmpfs (needs root and a mount)"
fi
[ $fails -eq 0 ]
