#!/bin/sh
# SPDX-License-Identifier: MIT
# Leak format 3 (heapguard-report(5)): the heap errors a process reported
# (errors, error) and the sites its suppressions matched (suppressed=PATTERN,
# suppressed), read from the fixture data/v3.txt and shown in text and JSON;
# each broken relation refused with its line; a version 3 file from a writer
# that has not yet written the new records still read; and
# --gen-suppressions on a single report gives a file that --suppressions
# reads back.  Exit 77 without python3.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

gz v3
v3=$tmp/v3.leaks.gz

run 1 --no-symbols "$v3"
no_stderr
contains 'error: double-free at 0x55d0c0e012a0: double-free: free(0x55d0c0e012a0) of a block already freed (check=1: continuing)'
contains 'error: write-after-free at 0x55d0c0e01400: write-after-free: 0x55d0c0e01400 written after free\x09at offset 8'
contains '(1 more heap errors were reported, not listed)'
contains 'lost: 40 bytes in 1 block (size 40), thread 1, suppressed by leak:third_party_init'
contains 'indirect: 64 bytes in 2 blocks (size 32), thread 1, suppressed by leak:^libfoo\\.so$'
contains '  suppressed 104 bytes in 3 blocks'
contains '  errors    3'
contains 'shown: lost 1000 bytes in 3 blocks, indirect 0 bytes in 0 blocks'
# The error's three stacks, in order: found, allocated, freed.
awk '/^error: double-free/ { on = 1 } on && /^$/ { exit } on' "$tmp/out" >"$tmp/error"
[ "$(grep -c '#0 ' "$tmp/error")" = 3 ] && grep -q '  allocated at:' "$tmp/error" && grep -q '  freed at:' "$tmp/error" ||
	fail "the double free does not show its three stacks: $(cat "$tmp/error")"

run 1 --no-symbols --json "$v3"
json 'j["format"] == 3 and j["errors_total"] == 3 and len(j["errors"]) == 2' \
	'j["errors"][0]["kind"] == "double-free" and j["errors"][0]["address"] == "0x55d0c0e012a0"' \
	'j["errors"][0]["frames"][0]["offset"] == "0x1190" and j["errors"][0]["alloc_frames"][0]["offset"] == "0x1160"' \
	'j["errors"][0]["free_frames"][0]["offset"] == "0x1176"' \
	'j["errors"][1]["frames"] == [] and j["errors"][1]["free_frames"] == []' \
	'j["errors"][1]["message"].endswith("written after free\tat offset 8")' \
	'j["suppressed_in_process"] == {"bytes": 104, "blocks": 3}' \
	'[s["suppressed"] for s in j["sites"]] == [None, "third_party_init", "^libfoo\\.so$"]' \
	'j["shown"]["lost"] == {"bytes": 1000, "blocks": 3}'

# A report whose only lost site the process suppressed, without errors, is clean.
sed -e '/^error /d' -e 's/^errors 3 2$/errors 0 0/' -e '/^site lost 1 /d' -e 's/^totals 1040 4 /totals 40 1 /' \
	-e 's/^end 4 4$/end 3 4/' "$data/v3.txt" | gzip -c >"$tmp/quiet.leaks.gz"
run 0 --no-symbols "$tmp/quiet.leaks.gz"
no_stderr

# The version's records are optional to this reader (a writer of the
# version 3 line that does not yet write them): errors 0, the suppressed
# amount from the marked sites.
sed -e '/^errors /d' -e '/^error /d' -e '/^suppressed /d' "$data/v3.txt" | gzip -c >"$tmp/older.leaks.gz"
run 1 --no-symbols --json "$tmp/older.leaks.gz"
json 'j["errors_total"] == 0 and j["errors"] == []' 'j["suppressed_in_process"] == {"bytes": 104, "blocks": 3}'

# broken NAME LINE PHRASE SED: the fixture edited by SED is refused.
broken() {
	sed -e "$4" "$data/v3.txt" | gzip -c >"$tmp/$1.leaks.gz"
	expect_error "$tmp/$1.leaks.gz" "$2" "$3"
}
broken listed-more 18 "3 errors listed of 2 reported" 's/^errors 3 2$/errors 2 3/'
broken listed-many 18 "at most 64 are listed" 's/^errors 3 2$/errors 100 65/'
broken fewer-lines 20 "'errors' lists 2 errors, 1 'error' lines follow" '/^error write-after-free/d'
broken more-lines 20 "more 'error' records than the 1" 's/^errors 3 2$/errors 3 1/'
broken error-first 18 "'error' record without an 'errors' record" '/^errors /d'
broken error-order 21 "'error' record after 'site'" 's/^errors 3 2$/errors 3 1/;/^error write/{h;d};/^site lost 1 /G'
broken error-kind 19 "error kind has a byte 0x5f" 's/^error double-free/error double_free/'
broken error-stack 19 "error names stack 9" 's/^error double-free \(0x[0-9a-f]*\) 3 /error double-free \1 9 /'
broken error-address 19 "error address '12a0' is not a 0x hex number" 's/^error double-free 0x55d0c0e012a0/error double-free 12a0/'
broken error-message 20 "missing error message" 's/^error write-after-free \([^ ]* [0-9]* [0-9]* [0-9]*\) .*/error write-after-free \1/'
broken suppressed-sum 26 "suppressed says 105 bytes in 3 blocks" 's/^suppressed 104 3$/suppressed 105 3/'
broken suppressed-empty 22 "empty suppression pattern" 's/ suppressed=third_party_init$/ suppressed=/'
broken suppressed-field 22 "unexpected field 'suppressed_by=x'" 's/ suppressed=third_party_init$/ suppressed_by=x/'
broken suppressed-order 25 "missing 'totals' record before 'suppressed'" '/^suppressed /d;s/^totals /suppressed 104 3\ntotals /'
# suppressed= is a version 3 field.
sed -e '1s/.*/heapguard-leaks 2/' -e '/^errors /d' -e '/^error /d' -e '/^suppressed /d' "$data/v3.txt" |
	gzip -c >"$tmp/v2mark.leaks.gz"
expect_error "$tmp/v2mark.leaks.gz" 19 "unexpected field 'suppressed=third_party_init'"

# --gen-suppressions: the text made a suppressions file, a leak: line after
# each site not already suppressed; read back, the sites are suppressed.
run 1 --no-symbols --gen-suppressions "$v3"
grep -v '^#' "$tmp/out" >"$tmp/rules"
[ "$(cat "$tmp/rules")" = 'leak:errors app' ] || fail "--gen-suppressions rules: $(cat "$tmp/rules")"
grep -q '^# lost: 1000 bytes in 3 blocks' "$tmp/out" || fail "--gen-suppressions lacks the commented site: $(head -c 400 "$tmp/out")"
cp "$tmp/out" "$tmp/generated.supp"
run 1 --no-symbols --suppressions="$tmp/generated.supp" "$v3"
contains 'shown: lost 0 bytes in 0 blocks, indirect 0 bytes in 0 blocks'
# The reader's rules match the sites the process suppressed too.
contains '  leak:errors app matched 3 sites, 1104 bytes in 6 blocks'
run 1 --no-symbols --gen-suppressions --json "$v3"
json 'j["sites"][0]["suppression"] == "leak:errors app"' '"suppression" not in j["sites"][1]'

finish
