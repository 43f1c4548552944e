#!/bin/sh
# SPDX-License-Identifier: MIT
# Pid reuse: 3,000 short processes (/bin/true) in one run leave exactly
# 3,000 records, none overwritten (the UNIQ part and link()'s refusal to
# replace), and no temporary file.
. "$(dirname "$0")/common.sh"
[ -x /bin/true ] || { echo "SKIP: no /bin/true"; exit 77; }
case="3000 processes"
mkdir -p "$T/run"
i=0
LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="run_dir=$T/run" \
	sh -c 'i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i + 1)); done' 2>"$T/err"
n=$(ls -A "$T/run" | grep -c '^true\.[0-9]*\.[0-9a-f]*\.proc$')
all=$(ls -A "$T/run" | grep -vc '^sh\.')
[ "$n" -eq 3000 ] || fail "$n records of true, 3000 expected"
[ "$all" -eq 3000 ] || fail "$all files other than the shell's"
[ -s "$T/err" ] && fail "stderr not empty"
finish
