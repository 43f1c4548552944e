#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report(5) against real reports of every kind: format_prog builds
# heaps with lost, indirect and reachable blocks, blocks mmap'd on their own,
# threads in arenas of their own and pinned free pages, and runs under the
# library at both levels, forking, aborting at check=3, on report_signal=, with
# leaks=0.  parse_from_man.py, written from the page alone, checks every file
# against the page's grammar and the relations it states.  Last, one broken
# relation in a copy of a good file must make it fail.
set -u
here=${top_srcdir:-.}/tests/format
prog=${top_builddir:-.}/tests/format/format_prog
lib=${HEAPGUARD_LIB:?HEAPGUARD_LIB must name the library}
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-format.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
# Each format is spelled in format/ only: neither the writers nor the reader
# name a first line or a file suffix, and no writer starts a record itself.
src=${top_srcdir:-.}
if grep -nE '"heapguard-(leaks|frag)|\.(leaks|frag)\.gz"' "$src"/report/*.[ch] "$src"/reader/*.[ch] ||
	grep -nE 'hg_gz_(printf|puts)\([a-z]+, "[a-z-]' "$src"/report/*.c; then
	fail "a report format spelled outside format/ (above)"
fi

# run NAME WANT OPTIONS MODE [VAR=VALUE]: format_prog MODE in $tmp/NAME,
# which must exit with WANT (134: SIGABRT).
run() {
	name=$1 want=$2 opts=$3 mode=$4 var=${5:-HG_NOTHING=}
	mkdir -p "$tmp/$name"
	(cd "$tmp/$name" && timeout 120 env LD_PRELOAD="$lib" "$var" \
		HEAPGUARD_OPTIONS="report=$tmp/$name/r.%p:$opts" "$prog" "$mode" >stdout 2>stderr)
	rc=$?
	[ "$rc" = "$want" ] || fail "$name: format_prog $mode exited with $rc, not $want: $(head -c 500 "$tmp/$name/stderr")"
	ls "$tmp/$name"/r.*.gz >/dev/null 2>&1 || fail "$name: no report"
}

for level in full fast; do
	run leaks-$level 0 level=$level leaks
	run fork-$level 0 level=$level fork
	run abort-$level 134 level=$level:check=3 abort
	run signal-$level 0 level=$level:report_signal=SIGUSR2 signal
	run small-$level 0 level=$level small
done
# leaks=0 is no scan, hence no finding: the reports of a clean process are
# written with clean_reports=1 only (checked below).
run noleaks 0 leaks=0:frag=1:clean_reports=1 leaks
run quick 0 level=full quick
# The threads' blocks are all reachable: a clean process.
run arenas 0 level=full:clean_reports=1 arenas MALLOC_ARENA_MAX=200
run tunables 0 level=fast:depth=20 small GLIBC_TUNABLES=glibc.malloc.mxfast=64:glibc.malloc.top_pad=65536

# Every file, and between them every kind of record and report.
expect=
for fact in kind=leaks kind=frag level=fast level=full site=lost site=indirect site=reachable \
	site-stack site-thread'>'1 site'>='128KiB status=- status=0 trigger=exit trigger=call \
	trigger=signal trigger=error arenas=1 arenas'>'1 mmapped'>'0 peak_site pin_top pin_site \
	segment peak-no-sites option-source=default option-source=env option-source=malloc_env \
	option-source=tunable option-source=mallopt version=2.1 leaks-version=3 frag-status=- frag-status=0; do
	expect="$expect --expect $fact"
done
# shellcheck disable=SC2086 # one word a fact
python3 "$here/parse_from_man.py" $expect "$tmp"/*/r.*.gz >"$tmp/parsed" 2>&1 ||
	fail "reports that disagree with heapguard-report(5):
$(grep -v ': ok: ' "$tmp/parsed")"
echo "$(grep -c ': ok: ' "$tmp/parsed") report files agree with heapguard-report(5)"

# The page's own examples follow the page (folded lines joined again).
page=$src/man/heapguard-report.5
unfold() {
	awk '/^  / { sub(/^  /, " "); line = line $0; next } { if (line != "") print line; line = $0 } END { print line }'
}
sed -n '/^heapguard-leaks [0-9]*$/,/^end [0-9]* [0-9]*$/p' "$page" | unfold | gzip -c >"$tmp/example.leaks.gz"
sed -n '/^heapguard-frag [0-9.]*$/,/^end [0-9]* [0-9]* [0-9]*$/p' "$page" | unfold | gzip -c >"$tmp/example.frag.gz"
python3 "$here/parse_from_man.py" --expect kind=leaks --expect kind=frag "$tmp"/example.*.gz >"$tmp/examples" 2>&1 ||
	fail "the examples of heapguard-report(5) disagree with it: $(cat "$tmp/examples")"

# Leak format 3's records in full (heap errors listed, a site suppressed),
# from the reader's fixture: the page's checks pass it, and catch each
# relation broken.
gzip -c "$src/tests/report/data/v3.txt" >"$tmp/v3.leaks.gz"
python3 "$here/parse_from_man.py" --expect leaks-version=3 --expect errors --expect error=double-free \
	--expect site-suppressed "$tmp/v3.leaks.gz" >"$tmp/v3" 2>&1 ||
	fail "format 3 fixture disagrees with heapguard-report(5): $(cat "$tmp/v3")"

# Each of glibc's malloc parameters is in every report.
for param in check top_pad perturb mmap_threshold trim_threshold mmap_max arena_max arena_test \
	tcache_max tcache_count tcache_unsorted_limit mxfast hugetlb; do
	grep ': ok: ' "$tmp/parsed" | grep -v " option=glibc.malloc.$param " >"$tmp/noparam"
	[ ! -s "$tmp/noparam" ] || fail "glibc.malloc.$param missing in $(cut -d: -f1 "$tmp/noparam" | head -3)"
done

# A run is set up again from its report: the environment its option lines
# give, and nothing else, makes a second run's option lines the same.
mkdir -p "$tmp/again"
(cd "$tmp/again" && timeout 120 env LD_PRELOAD="$lib" MALLOC_ARENA_MAX=3 MALLOC_PERTURB_=165 \
	GLIBC_TUNABLES=glibc.malloc.tcache_count=3 HEAPGUARD_OPTIONS="report=$tmp/again/r:depth=20:quarantine=1048576" \
	"$prog" small >/dev/null 2>&1) || fail "again: the first run failed"
python3 "$here/parse_from_man.py" --environment "$tmp/again/r.leaks.gz" >"$tmp/again/env" ||
	fail "again: no environment from the report"
(cd "$tmp/again" && IFS='
' && set -- $(cat "$tmp/again/env") && timeout 120 env -i PATH="$PATH" LD_PRELOAD="$lib" "$@" \
	"$prog" small >/dev/null 2>&1) || fail "again: the second run failed"
gzip -dc "$tmp/again/r.leaks.gz" | grep '^option ' >"$tmp/again/first"
gzip -dc "$tmp/again/r.1.leaks.gz" | grep '^option ' >"$tmp/again/second"
grep -q '^option glibc.malloc.perturb malloc_env 165$' "$tmp/again/first" ||
	fail "again: MALLOC_PERTURB_ is not in the report"
cmp -s "$tmp/again/first" "$tmp/again/second" ||
	fail "again: the run set up from its report differs: $(diff "$tmp/again/first" "$tmp/again/second")"

# The runs' own facts: what a file alone cannot say.
for level in full fast; do
	set -- "$tmp"/fork-$level/r.*.leaks.gz
	[ $# = 2 ] || fail "fork-$level: $# leak reports, not 2 (parent and child)"
	pids=$(for f in "$@"; do gzip -dc "$f" | sed -n 's/^pid //p'; done)
	ppids=$(for f in "$@"; do gzip -dc "$f" | sed -n 's/^ppid //p'; done)
	echo "$ppids" | grep -qxF "$(echo "$pids" | head -1)" ||
		echo "$ppids" | grep -qxF "$(echo "$pids" | tail -1)" ||
		fail "fork-$level: no report is the child's (pids $pids, ppids $ppids)"
	gzip -dc "$tmp"/abort-$level/r.*.frag.gz | grep -qx 'trigger error' ||
		fail "abort-$level: the fragmentation report does not say trigger error"
	gzip -dc "$tmp"/signal-$level/r.*.frag.gz | grep -qx 'trigger signal' ||
		fail "signal-$level: no report with trigger signal"
done
# 150 arenas, each top held up by blocks of 8 stacks of their own: every
# one of their 1,200 pin_top lines names its stack (stack 0 is for blocks
# with no stack, never for a report short of room).
zero=$(gzip -dc "$tmp"/arenas/r.*.frag.gz | awk '$1 == "pin_top" && $2 > 0 && $6 == 0' | wc -l)
pins=$(gzip -dc "$tmp"/arenas/r.*.frag.gz | awk '$1 == "pin_top" && $2 > 0' | wc -l)
[ "$pins" -ge 1200 ] && [ "$zero" = 0 ] ||
	fail "arenas: $zero of the $pins pin_top lines of the threads' arenas name stack 0"

# A site counts a block by what malloc_usable_size() says of it: the
# request at level=full, the usable size at level=fast.
for level in full fast; do
	size=$(sed -n 's/^usable77 //p' "$tmp/small-$level/stdout")
	lost=$(gzip -dc "$tmp"/small-$level/r.*.leaks.gz | awk '$1 == "site" && $2 == "lost" { print $4, $5, $6, $7 }')
	[ "$lost" = "1 $size $size $size" ] ||
		fail "small-$level: the lost block of 77 bytes is '$lost' (blocks bytes min max), malloc_usable_size says $size"
done
[ "$(sed -n 's/^usable77 //p' "$tmp/small-full/stdout")" = 77 ] || fail "small-full: malloc_usable_size(malloc(77)) is not 77"

# One thread only: the depot's counts are exact.
for level in full fast; do
	python3 "$here/parse_from_man.py" --expect depot-exact "$tmp"/small-$level/r.*.leaks.gz \
		>"$tmp/depot" 2>&1 || fail "small-$level: stacks != captures - hits: $(cat "$tmp/depot")"
done
[ -z "$(ls "$tmp"/noleaks/r.*.leaks.gz 2>/dev/null)" ] || fail "leaks=0 wrote a leak report"
[ -n "$(ls "$tmp"/noleaks/r.*.frag.gz 2>/dev/null)" ] ||
	fail "frag=1 with leaks=0 and clean_reports=1 wrote no fragmentation report"
# Without clean_reports=1, the same clean process writes nothing at all.
mkdir -p "$tmp/noleaks-silent"
(cd "$tmp/noleaks-silent" && timeout 120 env LD_PRELOAD="$lib" \
	HEAPGUARD_OPTIONS="report=$tmp/noleaks-silent/r.%p:leaks=0:frag=1" "$prog" leaks >stdout 2>stderr) ||
	fail "noleaks-silent: format_prog leaks exited with $?"
left=$(ls "$tmp/noleaks-silent" | grep -vx 'stdout\|stderr')
[ -z "$left" ] || fail "frag=1 with leaks=0 (a clean process) wrote $(echo $left)"
[ ! -s "$tmp/noleaks-silent/stderr" ] || fail "frag=1 with leaks=0 (a clean process) printed: $(cat "$tmp/noleaks-silent/stderr")"

# heapguard-report --json names what it takes from a file as the file does:
# "report" is the format's name, and the keys of every key=value record,
# the figures of the totals and of each arena, are members of its object.
reader=${top_builddir:-.}/heapguard-report
for f in "$tmp"/leaks-full/r.*.gz "$tmp"/leaks-fast/r.*.gz; do
	"$reader" --no-symbols --json "$f" >"$tmp/json" 2>/dev/null
	[ $? -le 1 ] || { fail "heapguard-report --json $f failed"; continue; }
	python3 - "$f" "$tmp/json" <<'PY' || fail "$f: the JSON names a field otherwise than the file"
import gzip, json, sys
j = json.load(open(sys.argv[2]))
lines = [l.split(' ') for l in gzip.open(sys.argv[1], 'rt').read().splitlines()]
kind = lines[0][0].split('-', 1)[1]
ok = j['report'] == kind and j['format'] == int(lines[0][1].split('.')[0])
for w in lines:
    keys = [f.split('=', 1)[0] for f in w[1:] if '=' in f]
    if w[0] in ('totals', 'mmapped', 'peak') and kind == 'frag':
        ok = ok and all(k in j[w[0]] for k in keys)
    elif w[0] == 'arena':
        ok = ok and all(k in j['arenas'][int(w[1])] for k in keys)
for name in ('pin_top', 'pin_site', 'peak_site', 'segment'):
    n = sum(1 for w in lines if w[0] == name)
    ok = ok and (kind != 'frag' or len(j[name + 's']) == n)
sys.exit(0 if ok else 1)
PY
done

# A deliberate break of each kind must be caught, for the reason given:
# mutate NAME FILE REASON SED.
mutate() {
	gzip -dc "$2" | sed -e "$4" | gzip -c >"$tmp/mutant-$1.gz"
	cmp -s "$tmp/mutant-$1.gz" "$2" && fail "mutant $1: the file did not change"
	if python3 "$here/parse_from_man.py" "$tmp/mutant-$1.gz" >"$tmp/mutant-$1.out" 2>&1; then
		fail "mutant $1 ($4) passed the page's checks"
	elif ! grep -qF -- "$3" "$tmp/mutant-$1.out"; then
		fail "mutant $1 was refused for another reason than '$3': $(cat "$tmp/mutant-$1.out")"
	fi
}
leaks=$(ls "$tmp"/leaks-full/r.*.leaks.gz)
frag=$(ls "$tmp"/leaks-full/r.*.frag.gz)
mutate lost-total "$leaks" 'totals: lost' 's/^totals \([0-9]*\) /totals 1\1 /'
mutate site-order "$leaks" 'site: out of order' '/^site lost /{h;d};/^totals /{x;p;x}'
mutate end-count "$leaks" 'end: 9' 's/^end \([0-9]*\) /end 9\1 /'
mutate free-kinds "$frag" 'its kinds add up to' '/^arena 0 /s/ tcache=\([0-9]*\)/ tcache=1\1/'
mutate totals-sum "$frag" 'totals: live_blocks=' '/^totals /s/ live_blocks=\([0-9]*\)/ live_blocks=1\1/'
mutate map-cells "$frag" 'runs add up to' '/^map /s/$/ U/'
mutate histogram-all "$frag" 'not the sum of the arenas' '0,/^histogram 0 /{/^histogram 0 /d}'
mutate v3-suppressed "$tmp/v3.leaks.gz" 'suppressed: 100 bytes' 's/^suppressed 104 3$/suppressed 100 3/'
mutate v3-listed "$tmp/v3.leaks.gz" 'error expected' 's/^errors 3 2$/errors 3 3/'
mutate v3-error-stack "$tmp/v3.leaks.gz" 'error: stack 9 not defined' 's/^error double-free \(0x[0-9a-f]*\) 3 /error double-free \1 9 /'
mutate v3-field "$tmp/v3.leaks.gz" 'site: 9th field' 's/ suppressed=third_party_init$/ suppressed_by=x/'

[ "$failures" = 0 ] || exit 1
echo "test_format: every report agrees with heapguard-report(5)"
