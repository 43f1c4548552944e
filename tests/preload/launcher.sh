#!/bin/sh
# SPDX-License-Identifier: MIT
# Real programs through the launcher, `heapguard [options] -- program`:
# the program (and its children) run with the library mapped, produce the
# same output as without it, and their exit status (including death by a
# signal) is forwarded. Skips when HEAPGUARD_BIN is not set.
. "${top_srcdir:-.}/tests/preload/common.sh"
bin=${HEAPGUARD_BIN:-}
[ -n "$bin" ] || hg_skip "HEAPGUARD_BIN not set (run by make check)"
[ -x "$bin" ] || { echo "FAIL: launcher $bin not built"; exit 1; }
hg_need sort awk
cd "$HG_TMP" || exit 99
status=0

fail() {
	echo "FAIL: $*"
	status=1
}

# 1. the library is really loaded, also in a grandchild
n=$(timeout 30 "$bin" -- sh -c 'cat /proc/self/maps' | grep -c 'libheapguard')
[ "$n" -gt 0 ] || fail "libheapguard is not mapped in a program started by the launcher"

# 2. same output as a plain run
awk 'BEGIN { srand(3); for (i = 0; i < 300000; i++) printf "%d %s\n", int(rand() * 1000000), substr("abcdefghij", 1 + i % 10) }' >input
LC_ALL=C sort -k1,1n -k2 input >sorted.plain
LC_ALL=C timeout 60 "$bin" -- sort -k1,1n -k2 input >sorted.hg || fail "sort under the launcher exited $?"
cmp -s sorted.plain sorted.hg || fail "sort output differs under the launcher"

# 3. exit statuses are forwarded
for code in 0 1 3 42 255; do
	timeout 30 "$bin" -- sh -c "exit $code"
	st=$?
	[ $st -eq $code ] || fail "exit $code came back as $st"
done
# (in command substitutions, so that the shell's "Terminated" stays quiet)
want=$({ sh -c 'kill -TERM $$'; echo $?; } 2>/dev/null)
st=$({ timeout 30 "$bin" -- sh -c 'kill -TERM $$'; echo $?; } 2>/dev/null)
[ $st -eq $want ] || fail "death by SIGTERM came back as $st, plain run gives $want"
timeout 30 "$bin" -- "$HG_TMP/does-not-exist" 2>/dev/null
st=$?
[ $st -ne 0 ] || fail "a missing program gave exit status 0"

# 4. an option given on the command line reaches the program
if "$bin" --help-options 2>/dev/null | grep -q '^stats_at_exit[[:space:]]'; then
	timeout 30 "$bin" --stats_at_exit=1 -- true 2>stats.err
	grep -q 'Arena 0:' stats.err || fail "--stats_at_exit=1 printed no malloc_stats report"
fi

[ $status -eq 0 ] && echo "ok: launcher"
exit $status
