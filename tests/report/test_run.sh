#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report on a run (run_fixtures.sh): a fork tree whose parent
# leaks at one site and whose 8 children leak at another gives 2 sites in 1
# and 8 processes; text, JSON, the launcher's summary line word for word;
# --gen-suppressions read back with --suppressions; several files mixed;
# damaged records and reports cost one FILE:LINE warning each and the rest
# is read; nothing readable is exit 2; diff of two runs, with its warnings.
# Exit 77 without python3.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"
. "$top/tests/report/run_fixtures.sh"

make_fork_tree "$tmp/run"
r=$tmp/run

# --- text ---
run 1 --no-symbols "$r"
no_stderr
contains "heapguard run: $r"
contains '  processes 11: fork_tree ×9, double_free ×1, sh ×1'
contains '  clean     1'
contains '  findings  10'
contains '  errors    1 in 1 process'
contains '  lost      356 bytes in 9 blocks'
contains 'error: double-free at 0x560000001010 in double_free (pid 120): double-free: free(0x560000001010) of a block already freed'
contains 'lost: 256 bytes in 8 blocks at fork_tree+0x1290 in 8 processes (pids 101, 102, 103, 104, 105, 106, 107, 108)'
contains 'lost: 100 bytes in 1 block at fork_tree+0x1160 in 1 process (pid 100)'
contains 'indirect: 128 bytes in 8 blocks at fork_tree+0x1300 in 8 processes'
contains 'shown: lost 356 bytes in 9 blocks at 2 sites, indirect 128 bytes in 8 blocks at 1 site'

# --- JSON: two lost sites, in 8 processes and in 1 ---
run 1 --no-symbols --json "$r"
json 'j["report"] == "run" and j["processes"] == 11 and j["clean"] == 1' \
	'j["programs"] == [{"program": "fork_tree", "processes": 9}, {"program": "double_free", "processes": 1}, {"program": "sh", "processes": 1}]' \
	'[(s["kind"], s["processes"], s["bytes"], s["blocks"]) for s in j["sites"]] == [("lost", 8, 256, 8), ("lost", 1, 100, 1), ("indirect", 8, 128, 8)]' \
	'j["sites"][0]["pids"] == list(range(101, 109)) and j["sites"][1]["pids"] == [100]' \
	'j["sites"][0]["frames"][0] == {"function": None, "file": None, "line": None, "inlined": False, "module": "/nonexistent/fork_tree", "offset": "0x1290"}' \
	'all(s["suppressed"] is None for s in j["sites"])' \
	'len(j["errors"]) == 1 and j["errors"][0]["kind"] == "double-free" and j["errors"][0]["pid"] == 120' \
	'j["errors"][0]["program"] == "/nonexistent/double_free" and j["errors"][0]["address"] == "0x560000001010"' \
	'[f["offset"] for f in j["errors"][0]["frames"]] == ["0x1450", "0x2724a"]' \
	'j["errors_total"] == 1 and j["lost"] == {"bytes": 356, "blocks": 9}'

# --- the summary line, exactly ---
run 0 --no-symbols --summary-line "$r"
printf '%s\n' "heapguard: 11 processes (1 clean), 1 heap error in 1 process (double-free at double_free), lost 484 bytes at 2 sites in 9 processes (fork_tree); read it all: heapguard-report $r" >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || fail "summary line: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "the summary line is not one line"
mkdir "$tmp/clean"
proc_record "$tmp/clean" 7 1 0 /usr/bin/make 0 0 0 0 0
proc_record "$tmp/clean" 8 7 0 /bin/sh 0 0 0 0 0
run 0 --summary-line "$tmp/clean"
[ "$(cat "$tmp/out")" = "heapguard: 2 processes, all clean; read it all: heapguard-report $tmp/clean" ] ||
	fail "clean summary: $(cat "$tmp/out")"
run 0 --summary-line "$tmp/clean/make.7.$(printf %016x 7).proc"
[ "$(cat "$tmp/out")" = "heapguard: 1 process, all clean; read it all: heapguard-report $tmp/clean/make.7.$(printf %016x 7).proc" ] ||
	fail "one-process summary: $(cat "$tmp/out")"
# Errors only; a name to quote for the shell.
mkdir "$tmp/it's"
proc_record "$tmp/it's" 9 1 0 /bin/prog 2 0 0 0 0
run 0 --summary-line "$tmp/it's"
[ "$(cat "$tmp/out")" = "heapguard: 1 process, 2 heap errors in 1 process; read it all: heapguard-report '$tmp/it'\\''s'" ] ||
	fail "errors-only summary: $(cat "$tmp/out")"
run 2 --summary-line "$tmp/not-there"
[ "$(cat "$tmp/err")" = "heapguard-report: $tmp/not-there: No such file or directory" ] || fail "a missing run: $(cat "$tmp/err")"

# --- several files, mixed; a report without a record is a process ---
run 1 --no-symbols --json "$r"/fork_tree.100.*.proc "$r"/fork_tree.100.*.leaks.gz "$r"/fork_tree.101.*.leaks.gz \
	"$data/../data/basic.txt"
grep -q 'basic.txt:1: not gzip' "$tmp/err" || grep -q 'basic.txt:1:' "$tmp/err" || fail "a text file among the files: $(cat "$tmp/err")"
json 'j["processes"] == 2' 'sorted(s["processes"] for s in j["sites"] if s["kind"] == "lost") == [1, 1]'

# --- --gen-suppressions, read back ---
run 1 --no-symbols --gen-suppressions "$r"
grep -v '^#' "$tmp/out" >"$tmp/rules"
[ "$(sort -u "$tmp/rules")" = 'leak:fork_tree' ] || fail "generated rules: $(cat "$tmp/rules")"
[ "$(grep -c '^leak:' "$tmp/out")" = 3 ] || fail "not one rule per site: $(cat "$tmp/rules")"
cp "$tmp/out" "$tmp/run.supp"
run 1 --no-symbols --suppressions="$tmp/run.supp" --json "$r"
json 'j["sites"] == []' 'len(j["errors"]) == 1'
run 1 --no-symbols --suppressions="$tmp/run.supp" "$r"
contains 'suppressed: 484 bytes in 17 blocks (3 sites)'
contains '  leak:fork_tree matched 3 sites, 484 bytes in 17 blocks'
run 0 --no-symbols --suppressions="$tmp/run.supp" "$tmp/clean"

# --- sites the processes suppressed: shown marked, kept apart ---
mkdir "$tmp/supp"
{
	leaks_header 300 1 /nonexistent/fork_tree
	printf '%s\n' 'module 0 0x55d0c0a00000 0123456789abcdef0123456789abcdef01234567 /nonexistent/fork_tree' \
		'module 1 0x7f0000000000 - /nonexistent/libc.so.6' 'stack 1 0+0x1160 0+0x11a0 1+0x2724a' 'errors 0 0' \
		'site lost 1 1 100 100 100 1 suppressed=fork_*' 'totals 100 1 0 0 0 0' 'suppressed 100 1' 'end 1 1'
} | gzip -c >"$tmp/supp/x.leaks.gz"
run 1 --no-symbols --json "$r"/fork_tree.100.*.leaks.gz "$tmp/supp/x.leaks.gz"
json '[(s["processes"], s["suppressed"]) for s in j["sites"]] == [(1, None), (1, "fork_*")]' \
	'j["clean"] == 1 and j["processes"] == 2'

# --- damaged files: one warning each, the rest read ---
cp -r "$r" "$tmp/damaged"
d=$tmp/damaged
rec=$(ls "$d"/fork_tree.103.*.proc)
sed -i '/^end$/d' "$rec"
rec2=$(ls "$d"/fork_tree.104.*.proc)
sed -i 's/^pid 104$/pid 10x4/' "$rec2"
rep=$(ls "$d"/fork_tree.105.*.leaks.gz)
gzip -dc "$rep" | head -5 | gzip -c >"$rep.new" && mv "$rep.new" "$rep"
echo 'not a record' >"$d/junk.1.0.proc"
printf 'heapguard-process 1\n' >"$d/.hidden.2.0.proc"
run 1 --no-symbols --json "$d"
[ "$(wc -l <"$tmp/err")" = 4 ] || fail "damaged run: not 4 warnings: $(cat "$tmp/err")"
grep -q "^heapguard-report: warning: $rec:19: no 'end' line (file truncated?) (record skipped)$" "$tmp/err" ||
	fail "no FILE:LINE warning for the truncated record: $(cat "$tmp/err")"
grep -q "^heapguard-report: warning: $rec2:5: pid '10x4' is not an unsigned decimal number" "$tmp/err" ||
	fail "no warning for the bad pid: $(cat "$tmp/err")"
grep -q "^heapguard-report: warning: $rep:6: missing 'time' record" "$tmp/err" ||
	fail "no warning for the truncated report: $(cat "$tmp/err")"
grep -q "^heapguard-report: warning: $d/junk.1.0.proc:1: not a heapguard process record" "$tmp/err" ||
	fail "no warning for the junk record: $(cat "$tmp/err")"
# 103 and 104 lost their records: their reports count alone; 105 keeps its
# record, without its report.
json 'j["processes"] == 11 and j["damaged_files"] == 4' \
	'[s["processes"] for s in j["sites"] if s["kind"] == "lost"] == [7, 1]'
run 0 --no-symbols --summary-line "$d"
grep -q '^heapguard: 11 processes (1 clean), 1 heap error in 1 process (double-free at double_free), lost 484 bytes at 2 sites in 9 processes' "$tmp/out" ||
	fail "damaged run summary: $(cat "$tmp/out")"
# A run's journal (processes.proc): the records one after another, each
# after an empty line.  One cut short by its writer (no newline, and no
# end) and one with a bad line cost a warning each, at their line; the
# records around them are read, the one glued after the cut one too.
mkdir "$tmp/journal"
j=$tmp/journal/processes.proc
for pid in 7 8 9 10 11; do
	proc_record "$tmp/journal" $pid 1 0 /usr/bin/make 0 0 0 0 0
done
for pid in 7 8 9 10 11; do
	f=$(ls "$tmp/journal"/make.$pid.*.proc)
	case $pid in
	8) { echo; head -n 4 "$f" | head -c -3; } >>"$j" ;; # cut in its arg line
	10) { echo; sed 's/^ppid 1$/ppid x/' "$f"; } >>"$j" ;;
	*) { echo; cat "$f"; } >>"$j" ;;
	esac
	rm "$f"
done
run 0 --json "$tmp/journal"
[ "$(wc -l <"$tmp/err")" = 2 ] || fail "journal: not 2 warnings: $(cat "$tmp/err")"
grep -q "^heapguard-report: warning: $j:25: a record without its 'end' line before this one (record skipped)$" "$tmp/err" ||
	fail "journal: no warning for the record cut short: $(cat "$tmp/err")"
grep -q "^heapguard-report: warning: $j:49: ppid 'x' is not an unsigned decimal number (record skipped)$" "$tmp/err" ||
	fail "journal: no warning for the bad line: $(cat "$tmp/err")"
json 'j["processes"] == 3 and j["damaged_files"] == 2 and j["clean"] == 3'
run 0 --summary-line "$tmp/journal"
[ "$(cat "$tmp/out")" = "heapguard: 3 processes, all clean; read it all: heapguard-report $tmp/journal" ] ||
	fail "journal summary: $(cat "$tmp/out")"
# Nothing readable: exit 2, one line.
mkdir "$tmp/bad"
echo junk >"$tmp/bad/a.1.0.proc"
run 2 --summary-line "$tmp/bad"
[ "$(grep -vc warning "$tmp/err")" = 1 ] || fail "nothing readable: $(cat "$tmp/err")"

# Mutated records (bytes flipped, lines cut, cut short) never crash the
# reader: alone, each is read or refused (exit 0 or 2, a one-line error);
# among good files, each costs at most one warning.
mkdir "$tmp/mutants"
python3 - "$(ls "$r"/fork_tree.100.*.proc)" "$tmp/mutants" <<'PY'
import random, sys
good = open(sys.argv[1], 'rb').read()
rng = random.Random(20261205)
for n in range(120):
    b = bytearray(good)
    for _ in range(rng.randint(1, 4)):
        what = rng.randrange(4)
        if what == 0 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif what == 1:
            b = b[:rng.randrange(len(b) + 1)]
        elif what == 2:
            lines = b.split(b'\n')
            del lines[rng.randrange(len(lines))]
            b = bytearray(b'\n'.join(lines))
        else:
            b[rng.randrange(len(b) + 1):0] = rng.choice([b' ', b'\\', b'\x00', b'-', b'99999999999999999999', b'\n'])
    open('%s/m%03d.%d.0.proc' % (sys.argv[2], n, n), 'wb').write(bytes(b))
PY
for m in "$tmp/mutants"/*.proc; do
	timeout 10 "$reader" --summary-line "$m" >"$tmp/out" 2>"$tmp/err"
	st=$?
	case $st in
	0) [ "$(wc -l <"$tmp/out")" = 1 ] || fail "$m: read, but not one summary line" ;;
	2) [ "$(grep -vc '^heapguard-report: warning: ' "$tmp/err")" = 1 ] || fail "$m: refused without one error line: $(cat "$tmp/err")" ;;
	*) fail "$m: exit $st: $(head -c 300 "$tmp/err")" ;;
	esac
done
cp "$r"/* "$tmp/mutants/"
run 1 --no-symbols --json "$tmp/mutants"
json 'j["processes"] >= 11'
[ "$(grep -c 'warning' "$tmp/err")" -le 120 ] || fail "more than one warning per mutated record"

# --- diff of two runs ---
run 0 --no-symbols diff "$r" "$r"
contains 'nothing new'
no_stderr
mkdir "$tmp/old"
cp "$r"/fork_tree.100.* "$r"/sh.* "$tmp/old/"
run 1 --no-symbols diff "$tmp/old" "$r"
contains 'new lost: 256 bytes in 8 blocks at fork_tree+0x1290 in 8 processes'
contains 'new heap error: double-free at double_free'
contains '3 new findings'
grep -q "^heapguard-report: warning: the runs differ in programs (double_free is in one only)" "$tmp/err" ||
	fail "diff: no warning on programs: $(cat "$tmp/err")"
run 1 --no-symbols --json diff "$tmp/old" "$r"
json 'j["report"] == "run-diff" and j["new_errors"] == ["double-free at double_free"]' \
	'[(s["kind"], s["processes"]) for s in j["new_sites"]] == [("lost", 8), ("indirect", 8)]'
run 0 --no-symbols diff "$r" "$tmp/old"
contains 'nothing new'
mkdir "$tmp/fast"
cp "$tmp/old"/* "$tmp/fast/"
sed -i 's/^level full$/level fast/' "$tmp/fast"/*.proc
run 0 --no-symbols diff "$tmp/old" "$tmp/fast"
grep -q "^heapguard-report: warning: the runs differ in level (full -> fast)" "$tmp/err" ||
	fail "diff: no warning on levels: $(cat "$tmp/err")"

finish
