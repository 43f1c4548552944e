#!/bin/sh
# SPDX-License-Identifier: MIT
# Many short processes in one run lose no record: 3,000 of /bin/true one
# after another leave exactly 3,000 complete records in the run's journal
# (processes.proc) and nothing else; 400 at once, 8 at a time, with
# records of about 12 KiB each (long arguments: several pages a write),
# leave 400 records, none torn or interleaved with another.  Under a file
# size limit each record takes a file of its own instead (the journal's
# size is not one process's to bound), and still none is lost.
. "$(dirname "$0")/common.sh"
[ -x /bin/true ] || { echo "SKIP: no /bin/true"; exit 77; }

# records FILE PATTERN: complete records whose program line matches
records() {
	awk -v pat="$2" '/^heapguard-process 1$/ { n = 0; p = 0 } /^program / && $2 ~ pat { p = 1 }
		{ n++ } /^end$/ { if (p) c++ } END { print c + 0 }' "$1"
}

case="3000 processes"
mkdir -p "$T/run"
LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="run_dir=$T/run" \
	sh -c 'i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i + 1)); done' 2>"$T/err"
[ "$(ls -A "$T/run")" = processes.proc ] || fail "files other than the journal: $(ls -A "$T/run" | head -5)"
n=$(records "$T/run/processes.proc" '/true$')
[ "$n" -eq 3000 ] || fail "$n records of true, 3000 expected"
all=$(grep -cx end "$T/run/processes.proc")
[ "$all" -le 3001 ] || fail "$all complete records, at most 3001 expected (the shell's too)"
[ -s "$T/err" ] && fail "stderr not empty"

case="400 processes at once, 12 KiB records"
arg=$(head -c 4000 /dev/zero | tr '\0' a)
rm -rf "$T/par" && mkdir -p "$T/par"
seq 400 | LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="run_dir=$T/par" \
	xargs -P 8 -I{} /bin/true {} "$arg" "$arg" "$arg" 2>"$T/err"
n=$(records "$T/par/processes.proc" '/true$')
[ "$n" -eq 400 ] || fail "$n complete records of true, 400 expected"
"$reader" --json "$T/par" >"$T/par.json" 2>"$T/err.reader"
[ $? -le 1 ] || fail "heapguard-report refused the journal: $(head -3 "$T/err.reader")"
[ -s "$T/err.reader" ] && fail "the reader warned: $(head -3 "$T/err.reader")"
grep -q '^{[^{]*"processes":401,' "$T/par.json" ||
	fail "the reader did not count 401 processes (400 and xargs): $(head -c 200 "$T/par.json")"
[ -s "$T/err" ] && fail "stderr not empty"

case="under a file size limit"
rm -rf "$T/lim" && mkdir -p "$T/lim"
(ulimit -f 100000 && LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="run_dir=$T/lim" \
	sh -c 'i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i + 1)); done') 2>"$T/err"
n=$(ls -A "$T/lim" | grep -c '^true\.[0-9]*\.[0-9a-f]*\.proc$')
[ "$n" -eq 50 ] || fail "$n records of true in files of their own, 50 expected"
[ ! -e "$T/lim/processes.proc" ] || fail "a journal under a file size limit"
[ "$(ls -A "$T/lim" | grep -c '^\.')" -eq 0 ] || fail "temporary files left"
[ -s "$T/err" ] && fail "stderr not empty"
finish
