#!/bin/sh
# SPDX-License-Identifier: MIT
# xz -T2 under heapguard: compress ~50 MB of generated data with two
# threads and decompress it; the compressed bytes, the round trip and the
# exit statuses must match a run on plain glibc.
. "${top_srcdir:-.}/tests/preload/common.sh"
hg_need xz sha256sum seq

cd "$HG_TMP" || exit 99
# half text (numbers), half incompressible bytes from a fixed-seed PRNG
{ seq 1 4500000; head -c 16000000 /dev/zero | tr '\0' 'a'; } >input.txt
awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "%08x%08x\n", int(rand() * 4294967295), int(rand() * 4294967295) }' >>input.txt
ls -l input.txt | awk '{ printf "input: %d bytes\n", $5 }'

status=0
for mode in plain hg; do
	hg_exec $mode xz -T2 -1 -c input.txt >"input.$mode.xz" 2>"xz.$mode.err"
	echo $? >"xz.$mode.status"
	hg_exec $mode xz -T2 -d -c "input.$mode.xz" >"roundtrip.$mode" 2>>"xz.$mode.err"
	echo $? >>"xz.$mode.status"
	{ sha256sum <"input.$mode.xz"; sha256sum <"roundtrip.$mode"; cat "xz.$mode.status"; } >"xz.$mode.out"
done
sha256sum <input.txt >input.sum
if [ "$(sha256sum <roundtrip.hg)" != "$(cat input.sum)" ]; then
	echo "FAIL: xz round trip under heapguard does not give the input back"
	status=1
fi
hg_check_same xz 0 0 || status=1
exit $status
