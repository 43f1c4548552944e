#!/bin/sh
# SPDX-License-Identifier: MIT
# libunwind is loaded at its first need, not at start: a program whose
# stacks the CFI walk handles never has it mapped, at either level; one
# that allocates in a signal handler (a signal frame, which only libunwind
# walks) has it loaded then, gets that block's whole stack (through the
# handler to main), and keeps the descriptors it has on glibc (libunwind's
# pipe is closed).
. "${top_srcdir:-.}/tests/preload/common.sh"

[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
reader=${top_builddir:-.}/heapguard-report
[ -x "$reader" ] || hg_skip "heapguard-report is not built"
${CC:-cc} -O1 -g -o "$HG_TMP/lazy_unwind" "$hg_srcdir/tests/stacks/lazy_unwind.c" || exit 99
status=0
fds=$("$HG_TMP/lazy_unwind" plain | sed -n 's/.*, \([0-9]*\) descriptors$/\1/p')
for level in fast full; do
	got=$(HEAPGUARD_OPTIONS=level=$level:leaks=0:frag=0 LD_PRELOAD=$HG_PRELOAD \
		"$HG_TMP/lazy_unwind" plain) || { echo "FAIL: plain program failed at level=$level"; exit 1; }
	echo "level=$level, plain: $got"
	[ "$got" = "libunwind not loaded, $fds descriptors" ] ||
		{ echo "FAIL: want libunwind not loaded, $fds descriptors"; status=1; }
done
got=$(HEAPGUARD_OPTIONS=level=full:report=$HG_TMP/sig:frag=0 LD_PRELOAD=$HG_PRELOAD \
	"$HG_TMP/lazy_unwind" signal 2>"$HG_TMP/err") ||
	{ echo "FAIL: signal program failed:"; cat "$HG_TMP/err"; exit 1; }
echo "level=full, allocation in a signal handler: $got"
[ "$got" = "libunwind loaded, $fds descriptors" ] ||
	{ echo "FAIL: want libunwind loaded, $fds descriptors"; status=1; }
"$reader" --json "$HG_TMP/sig.leaks.gz" >"$HG_TMP/sig.json"
[ $? -le 1 ] || { echo "FAIL: heapguard-report could not read the report"; exit 1; }
python3 - "$HG_TMP/sig.json" <<'PY' || status=1
import json, sys
r = json.load(open(sys.argv[1]))
lost = [s for s in r["sites"] if s["kind"] == "lost" and s["bytes"] == 48]
names = [f.get("function") for f in lost[0]["frames"]] if len(lost) == 1 else []
print("the handler's block: %s" % names)
ok = "on_signal" in names and "main" in names and names.index("on_signal") < names.index("main")
sys.exit(0 if ok else 1)
PY
exit $status
