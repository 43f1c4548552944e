#!/bin/sh
# SPDX-License-Identifier: MIT
# report_on_crash=1 (crash.c): on SIGSEGV, SIGBUS, SIGFPE and SIGILL, a
# stack overflow among them, heapguard writes the fragmentation and leak
# reports (complete, readable, trigger crash and status -) and the signal
# then ends the process exactly as without heapguard's handler: the same
# signal and the same core-dump flag.  Without the option, nothing.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
hg_need python3
prog=${top_builddir:-.}/tests/exit/crash
reader=${top_builddir:-.}/heapguard-report
fails=0
fail() {
	echo "FAIL: $case: $*"
	sed 's/^/    /' "$HG_TMP/err" | head -20
	fails=$((fails + 1))
}

# waitstatus OPTIONS HOW: how the program ended (hg_ends), its reports
# in $HG_REPORTS.
waitstatus() {
	hg_ends "$HG_PRELOAD" "report=$HG_REPORTS/hg.%p:$1" "$prog" "$2"
}

for how in segv bus fpe ill overflow kill; do
	case=$how
	rm -rf "$HG_REPORTS" && mkdir "$HG_REPORTS"
	plain=$(waitstatus report_on_crash=0 "$how")
	[ -z "$(ls -A "$HG_REPORTS")" ] || fail "report_on_crash=0 wrote $(ls "$HG_REPORTS")"
	case $plain in exit*) fail "did not die by a signal: $plain"; continue ;; esac
	rm -rf "$HG_REPORTS" && mkdir "$HG_REPORTS"
	with=$(waitstatus report_on_crash=1 "$how")
	[ "$with" = "$plain" ] || fail "ended with '$with' (signal, core), without the handler '$plain'"
	pid=$(sed -n 's/^pid //p' "$HG_TMP/out")
	grep -q "^heapguard: SIG[A-Z]* at address .*: writing the reports before the program dies" "$HG_TMP/err" ||
		fail "no line saying what happened"
	# Then the one summary line naming them; the process is clean (its
	# block is kept), so the line says report_on_crash=1 asked for them.
	names="heapguard-report $HG_REPORTS/hg.$pid.leaks.gz; fragmentation: $HG_REPORTS/hg.$pid.frag.gz"
	[ "$(grep -c ': heapguard-report ' "$HG_TMP/err")" = 1 ] &&
		grep -qxF "heapguard: reports written (report_on_crash=1): $names" "$HG_TMP/err" ||
		fail "not one line 'heapguard: reports written (report_on_crash=1): $names'"
	for kind in frag leaks; do
		f=$HG_REPORTS/hg.$pid.$kind.gz
		[ -f "$f" ] || { fail "no $kind report"; continue; }
		gzip -dc "$f" | tail -1 | grep -q '^end ' || fail "$kind report cut short"
	done
	gzip -dc "$HG_REPORTS/hg.$pid.frag.gz" 2>/dev/null | grep -qx 'trigger crash' ||
		fail "the fragmentation report's trigger is not crash"
	gzip -dc "$HG_REPORTS/hg.$pid.leaks.gz" 2>/dev/null | grep -qx 'status -' ||
		fail "the leak report's status is not -"
	"$reader" --no-symbols --show=all "$HG_REPORTS/hg.$pid.leaks.gz" >"$HG_TMP/read" 2>&1
	[ $? -le 1 ] || fail "heapguard-report cannot read the leak report: $(head -3 "$HG_TMP/read")"
	grep -q '4,321 bytes\|4321 bytes' "$HG_TMP/read" || fail "the block left behind is not in the leak report"
	echo "ok: $how: $with, reports written"
done
exit $((fails > 0))
