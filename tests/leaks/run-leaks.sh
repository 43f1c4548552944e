#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every program of the leak corpus under heapguard and checks its leak
# report (read back with heapguard-report --json) against expected.txt, the
# numbers Valgrind memcheck gives; then leak_exitcode=, leaks=0, fork, thread
# lists, and a live Valgrind run on four programs when valgrind is installed.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
here=$top_srcdir/tests/leaks
bindir=$top_builddir/tests/leaks
reader=$top_builddir/heapguard-report
expected=$here/expected.txt
lib=${HEAPGUARD_LIB:-}

if [ -z "$lib" ]; then
	echo "SKIP: HEAPGUARD_LIB is not set (these tests need heapguard's reports)"
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to compare reports"; exit 77; }
for f in "$lib" "$reader"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "FAIL: $f does not exist (build it first)"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-leaks.XXXXXX")
# HG_LEAKS_KEEP=1 keeps the reports and logs for a look afterwards.
if [ -n "${HG_LEAKS_KEEP:-}" ]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run NAME BIN DIR [OPTIONS]: run BIN preloaded, reports under DIR/NAME.%p;
# leaves DIR/stdout, DIR/stderr and DIR/rc.
run() {
	mkdir -p "$3"
	(cd "$3" && timeout 30 env LD_PRELOAD="$lib" \
		HEAPGUARD_OPTIONS="level=full:leaks=1:report=$3/$1.%p${4:+:$4}" \
		"$2" >"$3/stdout" 2>"$3/stderr")
	echo $? >"$3/rc"
}

# reports DIR NAME: the leak reports written in DIR, one per line.
reports() {
	ls "$1" | grep "^$2\.[0-9]*\.leaks\.gz\$" | sed "s|^|$1/|"
}

# check NAME EXPNAME SOURCE REPORT DIR: read REPORT into DIR/EXPNAME.json,
# compare with the expectations of EXPNAME; DIR/EXPNAME.sites describes it.
check() {
	json=$5/$2.json
	"$reader" --json --show=all "$4" >"$json" 2>"$5/reader.err"
	rc=$?
	if [ $rc -gt 1 ]; then
		fail "$2: heapguard-report exited with $rc on $4:"
		sed 's/^/    /' "$5/reader.err"
		return 1
	fi
	if ! python3 "$here/leakcheck.py" describe "$3" "$json" >"$5/$2.sites"; then
		fail "$2: cannot read heapguard-report's JSON ($json)"
		return 1
	fi
	if ! python3 "$here/leakcheck.py" compare "$expected" "$2" "$3" "$json"; then
		fail "$2: the report does not match expected.txt (heapguard's sites:)"
		sed 's/^/    /' "$5/$2.sites"
		return 1
	fi
	grep -qx "status 0" "$5/$2.sites" || fail "$2: report status is not 0: $(grep ^status "$5/$2.sites")"
	pid=${4##*/$1.}
	pid=${pid%.leaks.gz}
	grep -qx "pid $pid" "$5/$2.sites" || fail "$2: report pid is not $pid: $(grep ^pid "$5/$2.sites")"
	grep -qF -- "$4" "$5/stderr" || {
		fail "$2: the summary on stderr does not name $4:"
		sed 's/^/    /' "$5/stderr"
	}
	return 0
}

# grouped N: N with a comma every three digits, as the summary line prints it.
grouped() {
	echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'
}

# summary_check PROG REPORT DIR: DIR/stderr holds exactly one line of
# heapguard's, the exit summary of heapguard(7): for a program with lost or
# indirect blocks in expected.txt "heapguard: lost B bytes in N blocks
# [(I indirect)] at S sites: heapguard-report REPORT; fragmentation: ...",
# for a clean one (run with clean_reports=1) "heapguard: reports written
# (clean_reports=1): heapguard-report REPORT; fragmentation: ...".
summary_check() {
	set -- "$1" "$2" "$3" $(awk -v p="$1" '$1 == p && $2 == "total" { print $4, $5 }' "$expected")
	# $4 $5 lost bytes, blocks; $6 $7 indirect bytes, blocks
	lines=$(grep -c '^heapguard: ' "$3/stderr")
	[ "$lines" = 1 ] || {
		fail "$1: $lines lines of heapguard on stderr, expected the one summary line:"
		sed 's/^/    /' "$3/stderr"
		return 1
	}
	blocks=$(($5 + $7))
	if [ "$blocks" -gt 0 ]; then
		s=s
		[ "$blocks" = 1 ] && s=
		want="heapguard: lost $(grouped $(($4 + $6))) bytes in $(grouped $blocks) block$s"
		[ "$7" -gt 0 ] && want="$want ($(grouped $6) indirect)"
		want="$want at [0-9][0-9]* sites\{0,1\}"
	else
		want="heapguard: reports written (clean_reports=1)"
	fi
	grep -q "^$want: heapguard-report $2; fragmentation: $3/$1\.[0-9]*\.frag\.gz\$" "$3/stderr" || {
		fail "$1: the summary line is not '$want: heapguard-report $2; fragmentation: ...':"
		sed 's/^/    /' "$3/stderr"
		return 1
	}
}

# clean PROG: true when expected.txt gives PROG no lost and no indirect block
# (heapguard then writes no report unless clean_reports=1).
clean() {
	[ "$(awk -v p="$1" '$1 == p && $2 == "total" { n += $5 } END { print n + 0 }' "$expected")" = 0 ]
}

# site DIR EXPNAME KIND FUNCTION: heapguard's line for that site.
site() {
	grep "^$3 $4 " "$1/$2.sites"
}

# The corpus: the C programs built by make, the C++ one built here.
progs=
for bin in "$bindir"/lk_*; do
	name=${bin##*/}
	case $name in *.*) continue ;; esac # objects; the directory may have dots
	[ -x "$bin" ] && progs="$progs $name"
done
[ -n "$progs" ] || { echo "FAIL: no lk_* programs in $bindir (make check builds them)"; exit 1; }
mkdir "$tmp/bin"
if command -v "${CXX:-c++}" >/dev/null &&
	"${CXX:-c++}" -O0 -g -o "$tmp/bin/lk_cxx" "$here/lk_cxx.cc" 2>"$tmp/cxx.err"; then
	progs="$progs lk_cxx"
else
	echo "SKIP: lk_cxx (no working C++ compiler)"
fi

for prog in $progs; do
	bin=$bindir/$prog
	src=$prog.c
	[ "$prog" = lk_cxx ] && { bin=$tmp/bin/lk_cxx; src=lk_cxx.cc; }
	dir=$tmp/$prog
	if clean "$prog"; then
		# Clean: nothing written, nothing said; the report's content is
		# checked below with clean_reports=1.
		run "$prog" "$bin" "$tmp/silent.$prog"
		left=$(ls "$tmp/silent.$prog" | grep -v '^std\(out\|err\)$' | grep -vx rc)
		[ "$(cat "$tmp/silent.$prog/rc")" = 0 ] ||
			fail "$prog exited with status $(cat "$tmp/silent.$prog/rc") under heapguard"
		[ -z "$left" ] || fail "$prog, clean, left files: $(echo $left)"
		[ ! -s "$tmp/silent.$prog/stderr" ] || {
			fail "$prog, clean, printed on stderr:"
			sed 's/^/    /' "$tmp/silent.$prog/stderr"
		}
		run "$prog" "$bin" "$dir" clean_reports=1
	else
		run "$prog" "$bin" "$dir"
	fi
	rc=$(cat "$dir/rc")
	if [ "$rc" != 0 ]; then
		fail "$prog exited with status $rc under heapguard:"
		sed 's/^/    /' "$dir/stderr"
		continue
	fi
	files=$(reports "$dir" "$prog")
	if [ "$prog" = lk_fork ]; then
		ppid=$(sed -n 's/^parent //p' "$dir/stdout")
		cpid=$(sed -n 's/^child //p' "$dir/stdout")
		for who in parent:$ppid:lk_fork child:$cpid:lk_fork:child; do
			pid=${who#*:}
			pid=${pid%%:*}
			f=$dir/$prog.$pid.leaks.gz
			if [ -z "$pid" ] || [ ! -f "$f" ]; then
				fail "lk_fork: no report for the ${who%%:*} (pid ${pid:-?}); found: $(echo $files)"
				continue
			fi
			check "$prog" "${who#*:*:}" "$src" "$f" "$dir" || continue
		done
		if [ -f "$dir/lk_fork:child.sites" ]; then
			site "$dir" lk_fork:child lost child_leak >/dev/null ||
				fail "lk_fork: the child's report lacks child_leak"
			! site "$dir" lk_fork:child lost parent_leak >/dev/null ||
				fail "lk_fork: the child's report holds the parent's parent_leak"
		fi
		continue
	fi
	if [ "$(echo "$files" | grep -c .)" != 1 ]; then
		fail "$prog: expected one report in $dir, found: $(echo $files)"
		sed 's/^/    /' "$dir/stderr"
		continue
	fi
	check "$prog" "$prog" "$src" "$files" "$dir" &&
		summary_check "$prog" "$files" "$dir"
done

# Sizes and thread lists, which Valgrind does not give.
# expect_site DIR PROG KIND FUNCTION PATTERN WHAT
expect_site() {
	line=$(site "$1" "$2" "$3" "$4")
	echo "$line" | grep -Eq -- "$5" ||
		fail "$2: $3 site $4 should have $6, got: ${line:-no such site}"
}
if [ -f "$tmp/lk_loop/lk_loop.sites" ]; then
	expect_site "$tmp/lk_loop" lk_loop lost leak_in_loop ' min=16 max=88 ' 'sizes 16..88'
fi
if [ -f "$tmp/lk_threads/lk_threads.sites" ]; then
	expect_site "$tmp/lk_threads" lk_threads lost leak_in_thread ' min=32 max=34 ' 'sizes 32..34'
	expect_site "$tmp/lk_threads" lk_threads lost leak_in_thread \
		' threads=[0-9]+,[0-9]+,[0-9]+$' 'three allocating threads'
	expect_site "$tmp/lk_threads" lk_threads lost leak_in_thread \
		' threads=([02-9]|[0-9][0-9]+)(,([02-9]|[0-9][0-9]+))*$' 'threads other than the main one (1)'
fi
if [ -f "$tmp/lk_tls/lk_tls.sites" ]; then
	expect_site "$tmp/lk_tls" lk_tls reachable keep_in_tls_main ' threads=1$' 'thread 1 only'
	expect_site "$tmp/lk_tls" lk_tls reachable keep_in_tls_thread \
		' threads=([02-9]|[0-9][0-9]+)$' 'one thread, not the main one'
fi
if [ -f "$tmp/lk_thread_stack/lk_thread_stack.sites" ]; then
	expect_site "$tmp/lk_thread_stack" lk_thread_stack reachable keep_on_thread_stack \
		' threads=([02-9]|[0-9][0-9]+)$' 'one thread, not the main one'
fi

# The roots are the program's memory, not heapguard's: lk_plain's are its
# data and stack, under 256 KiB; the scan's own copy of /proc/self/maps
# (256 KiB at least) and its module list are not among them.
if [ -f "$tmp/lk_plain/lk_plain.json" ]; then
	roots=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["scan"]["root_bytes"])' \
		"$tmp/lk_plain/lk_plain.json")
	[ "$roots" -gt 0 ] && [ "$roots" -lt 262144 ] ||
		fail "lk_plain: the scan read $roots bytes of roots, expected fewer than 262144"
fi

# leak_exitcode=23 replaces status 0 only when something is lost.
for case in lk_plain:23 lk_stack:23 lk_none:0 lk_tls:0; do
	prog=${case%:*}
	want=${case#*:}
	dir=$tmp/exitcode.$prog
	run "$prog" "$bindir/$prog" "$dir" leak_exitcode=23
	got=$(cat "$dir/rc")
	[ "$got" = "$want" ] ||
		fail "$prog with leak_exitcode=23 exited with $got, expected $want"
	if [ "$want" = 0 ]; then
		[ ! -s "$dir/stderr" ] ||
			fail "$prog with leak_exitcode=23 (clean) printed: $(cat "$dir/stderr")"
	else
		# The one summary line says why the status changed.
		[ "$(grep -c '^heapguard: ' "$dir/stderr")" = 1 ] &&
			grep -q '^heapguard: lost .*; exit status 23 instead of 0 (leak_exitcode)$' "$dir/stderr" ||
			fail "$prog with leak_exitcode=23: not one summary line ending in 'exit status 23 instead of 0 (leak_exitcode)': $(cat "$dir/stderr")"
	fi
done

# leaks=0: no scan, so no finding: lk_plain's leak goes unseen and the
# process is clean, writes nothing and prints nothing.  With
# clean_reports=1, no leak report still (no scan), the fragmentation report
# alone, named on stderr's one line; with frag=0 too, no file at all.
dir=$tmp/noleaks.silent
run lk_plain "$bindir/lk_plain" "$dir" leaks=0
[ "$(cat "$dir/rc")" = 0 ] || fail "lk_plain with leaks=0 exited with $(cat "$dir/rc")"
left=$(ls "$dir" | grep -v '^std\(out\|err\)$' | grep -vx rc)
[ -z "$left" ] || fail "lk_plain with leaks=0 (clean) left files: $(echo $left)"
[ ! -s "$dir/stderr" ] || fail "lk_plain with leaks=0 (clean) printed: $(cat "$dir/stderr")"
dir=$tmp/noleaks
run lk_plain "$bindir/lk_plain" "$dir" leaks=0:clean_reports=1
[ "$(cat "$dir/rc")" = 0 ] || fail "lk_plain with leaks=0:clean_reports=1 exited with $(cat "$dir/rc")"
left=$(ls "$dir" | grep -v '^std\(out\|err\)$' | grep -vx rc)
case $left in
lk_plain.[0-9]*.frag.gz) ;;
*) fail "lk_plain with leaks=0:clean_reports=1 left files: $(echo $left) (expected one .frag.gz)" ;;
esac
[ "$(grep -c . "$dir/stderr")" = 1 ] &&
	grep -qx "heapguard: reports written (clean_reports=1): fragmentation: $dir/$left" "$dir/stderr" ||
	fail "lk_plain with leaks=0:clean_reports=1: not one line naming the fragmentation report: $(cat "$dir/stderr")"
dir=$tmp/noreports
run lk_plain "$bindir/lk_plain" "$dir" leaks=0:frag=0
left=$(ls "$dir" | grep -v '^std\(out\|err\)$' | grep -vx rc)
[ -z "$left" ] || fail "lk_plain with leaks=0:frag=0 left files: $(echo $left)"
[ ! -s "$dir/stderr" ] || fail "lk_plain with leaks=0:frag=0 printed: $(cat "$dir/stderr")"

# Valgrind, live, on four programs: its definitely/indirect numbers must be
# heapguard's (this catches expectations that drifted from the programs).
if command -v valgrind >/dev/null; then
	for prog in lk_list lk_cycle lk_interior lk_dead_thread; do
		[ -f "$tmp/$prog/$prog.json" ] || { fail "$prog: no heapguard report to compare with valgrind"; continue; }
		dir=$tmp/valgrind.$prog
		mkdir -p "$dir"
		timeout 60 valgrind --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=none --run-libc-freeres=no \
			--num-callers=40 --log-file="$dir/vg.log" \
			"$bindir/$prog" >/dev/null 2>&1
		python3 "$here/leakcheck.py" valgrind "$prog" "$prog.c" "$dir/vg.log" >"$dir/expected"
		if ! python3 "$here/leakcheck.py" compare --kinds lost,indirect \
			"$dir/expected" "$prog" "$prog.c" "$tmp/$prog/$prog.json"; then
			fail "$prog: heapguard's lost/indirect differ from valgrind's, live (expected = valgrind now)"
		fi
	done
else
	echo "SKIP: valgrind is not installed (no live comparison)"
fi

if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "PASS: $(echo $progs | wc -w) leak programs match expected.txt"
exit 0
