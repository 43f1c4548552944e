#!/bin/sh
# SPDX-License-Identifier: MIT
# A leak checkpoint's report (heapguard-report(5), checkpoint record): the
# fixture data/checkpoint.txt (data/v3.txt with "checkpoint 2 1500000" and
# status -) is titled a checkpoint,
# says "new since checkpoint 2-1" with its interval in text and carries
# checkpoint and checkpoint_interval_us in JSON; checkpoint 1 is "new since
# start"; a report without the record has neither; each broken rule of the
# record (number 0, twice, out of order, not a number, a field short or too
# many, in a version 2 file) is refused with its line; and a run directory
# leaves a process's checkpoints out.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

# checkpoint NAME SED: v3.txt with SED applied, gzipped to $tmp/NAME.leaks.gz
checkpoint() {
	sed -e "$2" "$data/v3.txt" | gzip -c -n >"$tmp/$1.leaks.gz"
}
after_stacks='/^stack 4 /a\'

gz checkpoint
cp "$tmp/checkpoint.leaks.gz" "$tmp/two.leaks.gz"
run 1 --no-symbols "$tmp/two.leaks.gz"
no_stderr
contains 'heapguard leak checkpoint: /nonexistent/errors app'
contains '  checkpoint 2: new since checkpoint 1, 1.500 s before'
contains 'lost: 1000 bytes in 3 blocks'
contains '  status    unknown'
run 1 --no-symbols --json "$tmp/two.leaks.gz"
json 'j["checkpoint"] == 2 and j["checkpoint_interval_us"] == 1500000' \
	'j["totals"]["lost"] == {"bytes": 1040, "blocks": 4}'

checkpoint one "${after_stacks}
checkpoint 1 0"
run 1 --no-symbols "$tmp/one.leaks.gz"
contains '  checkpoint 1: new since start, 0.000 s before'

# Not a checkpoint: no such line, no such member.
gz v3
run 1 --no-symbols "$tmp/v3.leaks.gz"
grep -q 'checkpoint' "$tmp/out" && fail "a report at exit speaks of a checkpoint"
run 1 --no-symbols --json "$tmp/v3.leaks.gz"
json '"checkpoint" not in j and "checkpoint_interval_us" not in j'

# broken NAME LINE PHRASE SED: refused, with the line that breaks the rule.
broken() {
	checkpoint "$1" "$4"
	expect_error "$tmp/$1.leaks.gz" "$2" "$3"
}
broken zero 18 "checkpoint number 0 is not 1 to 4294967295" "${after_stacks}
checkpoint 0 5"
broken huge 18 "checkpoint number 4294967296 is not 1 to 4294967295" "${after_stacks}
checkpoint 4294967296 5"
broken twice 19 "a second 'checkpoint' record" "${after_stacks}
checkpoint 2 5\\
checkpoint 3 5"
broken late 19 "'checkpoint' record after 'errors' (out of order)" '/^errors /a\
checkpoint 2 5'
broken word 18 "checkpoint interval" "${after_stacks}
checkpoint 2 soon"
broken short 18 "checkpoint interval" "${after_stacks}
checkpoint 2"
broken long 18 "checkpoint" "${after_stacks}
checkpoint 2 5 6"
sed -e 's/^heapguard-leaks 3$/heapguard-leaks 2/' -e '/^errors /d' -e '/^error /d' -e '/^suppressed /d' \
	-e 's/ suppressed=.*$//' -e '/^stack 4 /a\
checkpoint 2 5' "$data/v3.txt" | gzip -c -n >"$tmp/v2.leaks.gz"
expect_error "$tmp/v2.leaks.gz" 18 "a 'checkpoint' record in a version 2 report"

# A run directory: the process's record and report, and its checkpoints,
# which the run leaves out (read as the process ended: one process).
mkdir "$tmp/run"
cp "$tmp/v3.leaks.gz" "$tmp/run/app.5151.0000000000001413.leaks.gz"
cp "$tmp/two.leaks.gz" "$tmp/run/app.5151.0000000000001413.checkpoint2.leaks.gz"
cp "$tmp/one.leaks.gz" "$tmp/run/app.5151.0000000000001413.checkpoint1.leaks.gz"
run 1 --no-symbols --json "$tmp/run"
json 'j["processes"] == 1'

finish
