#!/bin/sh
# SPDX-License-Identifier: MIT
# The guard corpus runner (issue 3, "Tests").
#
#   run-corpus.sh              run every case and clean program
#   run-corpus.sh NAME...      run only these (e.g. double-free_tcache_dup)
#   run-corpus.sh --list       list the programs and their expected kinds
#
# Every misuse program tests/guard/cases/<kind>_<case>.c declares in its
# header comment
#   EXPECT-FULL: kind[,kind...]          accepted first diagnostic, level=full
#   EXPECT-FAST: kind[,kind...] | none   same for level=fast (none: not caught)
#                | undetectable          (the misuse is legal use at that level:
#                                         the marker is allowed, only a crash fails)
# and prints "ATTACK SUCCEEDED" if the technique worked.  Each is run
#   (a) HEAPGUARD_OPTIONS=level=full          killed by SIGABRT, accepted kind
#   (b) HEAPGUARD_OPTIONS=level=fast          same (or: no ATTACK SUCCEEDED, when none)
# ("none" and "undetectable" work in EXPECT-FULL too, though no case uses them)
#   (c) HEAPGUARD_OPTIONS=level=full:check=1  exit 0, each diagnostic line once
#   (d) without the preload: plain glibc, recorded for comparison only.
# A diagnostic line is one matching "^heapguard: <kind> of 0x"; the first of
# them is the one checked.  Clean programs (tests/guard/clean/*.c) must exit 0
# without any diagnostic line (nor "heapguard: aborting") in (a), (b), (c).
#
# Environment (set by `make check'; guessed when run by hand):
#   HEAPGUARD_LIB  the library to preload (default $top_builddir/.libs/libheapguard.so)
#   top_srcdir, top_builddir
#   HG_CORPUS_JOBS parallel jobs (default 2)
# Programs missing from $top_builddir/tests/guard/{cases,clean} are compiled
# with ${CC:-cc} into a temporary directory, so the runner works by hand too.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
[ -d "$top_builddir/tests/guard" ] || top_builddir=$top_srcdir
: "${HEAPGUARD_LIB:=$top_builddir/.libs/libheapguard.so}"
: "${HG_CORPUS_JOBS:=2}"
export top_srcdir top_builddir HEAPGUARD_LIB
src=$top_srcdir/tests/guard
MARK='ATTACK SUCCEEDED'
DIAG='^heapguard: [a-z][a-z-]* of 0x'

# All program names as cases/NAME or clean/NAME.
all_programs() {
	for f in "$src"/cases/*.c "$src"/clean/*.c; do
		[ -f "$f" ] || continue
		d=$(basename "$(dirname "$f")")
		n=$(basename "$f" .c)
		echo "$d/$n"
	done
}

expect() { # expect FILE FULL|FAST
	sed -n "s/^[ /*]*EXPECT-$2:[ ]*//p" "$1" | head -n 1 | tr -d ' \t\r'
}

# Find or build the binary for $1 (cases/NAME); prints its path.
binary() {
	b=$top_builddir/tests/guard/$1
	# shellcheck disable=SC3013 # -nt: dash, bash and busybox have it
	if [ -x "$b" ] && [ "$b" -nt "$src/$1.c" ]; then
		echo "$b"
		return 0
	fi
	b=$HG_CORPUS_TMP/bin/$(echo "$1" | tr / _)
	mkdir -p "$HG_CORPUS_TMP/bin"
	if [ ! -x "$b" ]; then
		${CC:-cc} -O0 -g -fno-builtin -w -pthread -o "$b" "$src/$1.c" \
			>"$b.log" 2>&1 || { cat "$b.log" >&2; return 1; }
	fi
	echo "$b"
}

# run OUTPREFIX BIN OPTIONS|plain: sets rc, stdout in $1.out, stderr in $1.err
run() {
	if [ "$3" = plain ]; then
		timeout 20 env -u LD_PRELOAD -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
			-u HEAPGUARD_OPTIONS "$2" >"$1.out" 2>"$1.err" </dev/null
	else
		timeout 20 env -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
			LD_PRELOAD="$HEAPGUARD_LIB" HEAPGUARD_OPTIONS="$3" \
			"$2" >"$1.out" 2>"$1.err" </dev/null
	fi
	rc=$?
}

first_kind() { # first diagnostic kind in $1, empty if none
	grep -m1 -E "$DIAG" "$1" | sed 's/^heapguard: \([a-z-]*\) of.*/\1/'
}

in_list() { # in_list KIND a,b,c
	case ",$2," in *",$1,"*) return 0 ;; esac
	return 1
}

describe_rc() {
	case $1 in
	0) echo "exit 0" ;;
	124) echo "timeout" ;;
	134) echo "SIGABRT" ;;
	139) echo "SIGSEGV" ;;
	*) if [ "$1" -gt 128 ]; then echo "signal $(($1 - 128))"; else echo "exit $1"; fi ;;
	esac
}

# One program, all levels; result lines go to stdout, a tally line
# "TALLY <pass> <fail> <fullstop> <faststop> <glibcstop> <glibcsucc> <glibccrash>" last.
one() {
	p=$1
	n=$(basename "$p")
	w=$HG_CORPUS_TMP/run/$(echo "$p" | tr / _)
	mkdir -p "$HG_CORPUS_TMP/run"
	pass=0 fail=0 fs=0 ff=0 gs=0 gw=0 gc=0
	if ! bin=$(binary "$p"); then
		echo "FAIL: $n: cannot build"
		echo "TALLY 0 1 0 0 0 0 0"
		return
	fi
	ok() { echo "PASS: $n [$1] $2"; pass=$((pass + 1)); }
	ko() { echo "FAIL: $n [$1] $2"; fail=$((fail + 1)); }
	case $p in
	cases/*)
		efull=$(expect "$src/$p.c" FULL)
		efast=$(expect "$src/$p.c" FAST)
		for lv in full fast; do
			if [ $lv = full ]; then acc=$efull; else acc=$efast; fi
			run "$w.$lv" "$bin" "level=$lv"
			k=$(first_kind "$w.$lv.err")
			what="$(describe_rc $rc), heapguard: ${k:-nothing} (accepted: $acc)"
			if [ "$acc" = undetectable ]; then
				# A documented limit: the misuse is, at this level,
				# indistinguishable from legal use.  Only a crash fails.
				if [ $rc = 0 ] || { [ $rc = 134 ] && [ -n "$k" ]; }; then
					ok $lv "undetectable at $lv: $what$(grep -q "$MARK" "$w.$lv.out" && echo ', attack succeeded')"
				else
					ko $lv "$what"
				fi
			elif grep -q "$MARK" "$w.$lv.out"; then
				ko $lv "ATTACK SUCCEEDED; $what"
			elif [ "$acc" = none ]; then
				if [ $rc = 134 ] && [ -n "$k" ]; then
					ok $lv "caught anyway: $what"
					ff=$((ff + 1))
				elif [ $rc = 0 ] || { [ $rc = 134 ] && [ -n "$k" ]; }; then
					ok $lv "not caught at fast: $what"
				else
					ko $lv "$what"
				fi
			elif [ $rc = 134 ] && [ -n "$k" ] && in_list "$k" "$acc"; then
				ok $lv "$what"
				if [ $lv = full ]; then fs=$((fs + 1)); else ff=$((ff + 1)); fi
			else
				ko $lv "$what"
			fi
		done
		run "$w.c1" "$bin" "level=full:check=1"
		k=$(first_kind "$w.c1.err")
		dup=$(grep -E "$DIAG" "$w.c1.err" | sort | uniq -d | head -n 1)
		what="$(describe_rc $rc), $(grep -c -E "$DIAG" "$w.c1.err") diagnostic(s), first: ${k:-none}"
		if grep -q "$MARK" "$w.c1.out"; then
			ko check=1 "ATTACK SUCCEEDED; $what"
		elif [ $rc != 0 ]; then
			ko check=1 "$what"
		elif [ -n "$dup" ]; then
			ko check=1 "$what; repeated: $dup"
		elif [ -z "$k" ] || ! in_list "$k" "$efull"; then
			ko check=1 "$what (accepted: $efull)"
		else
			ok check=1 "$what"
		fi
		run "$w.plain" "$bin" plain
		if grep -q "$MARK" "$w.plain.out"; then
			gw=1
			echo "INFO: $n [glibc] attack succeeded ($(describe_rc $rc))"
		elif [ $rc = 134 ]; then
			gs=1
			echo "INFO: $n [glibc] stopped: $(head -n 1 "$w.plain.err")"
		elif [ $rc != 0 ]; then
			gc=1
			echo "INFO: $n [glibc] crashed: $(describe_rc $rc)"
		else
			echo "INFO: $n [glibc] not stopped, attack failed ($(describe_rc $rc))"
		fi
		;;
	clean/*)
		for lv in level=full level=fast level=full:check=1; do
			run "$w.x" "$bin" "$lv"
			bad=$(grep -E "$DIAG|^heapguard: aborting" "$w.x.err" | head -n 1)
			if [ $rc = 0 ] && [ -z "$bad" ]; then
				ok "$lv" "clean"
			else
				ko "$lv" "$(describe_rc $rc)${bad:+, $bad}"
				sed 's/^/    | /' "$w.x.err" | head -n 5
			fi
		done
		run "$w.plain" "$bin" plain
		[ $rc = 0 ] || echo "INFO: $n [glibc] $(describe_rc $rc) (not a failure)"
		;;
	esac
	echo "TALLY $pass $fail $fs $ff $gs $gw $gc"
}

case ${1:-} in
--one)
	shift
	HG_CORPUS_TMP=$1
	shift
	# shellcheck disable=SC3045 # no core files for the expected aborts
	ulimit -c 0 2>/dev/null
	for p in "$@"; do one "$p" >"$HG_CORPUS_TMP/res.$(echo "$p" | tr / _)"; done
	exit 0
	;;
--list)
	for p in $(all_programs); do
		case $p in
		cases/*) printf '%-44s full=%s fast=%s\n' "$p" \
			"$(expect "$src/$p.c" FULL)" "$(expect "$src/$p.c" FAST)" ;;
		*) printf '%-44s clean\n' "$p" ;;
		esac
	done
	exit 0
	;;
-h | --help)
	sed -n '3,8p' "$0"
	exit 0
	;;
esac

if [ ! -f "$HEAPGUARD_LIB" ]; then
	echo "ERROR: HEAPGUARD_LIB=$HEAPGUARD_LIB does not exist (build the library first)" >&2
	exit 99
fi

# Selection: every program, or the names given (with or without cases/ clean/).
sel=
if [ $# -eq 0 ]; then
	sel=$(all_programs)
else
	for a in "$@"; do
		a=$(basename "$a" .c)
		if [ -f "$src/cases/$a.c" ]; then sel="$sel cases/$a"
		elif [ -f "$src/clean/$a.c" ]; then sel="$sel clean/$a"
		else echo "ERROR: no program named $a (see --list)" >&2; exit 99
		fi
	done
fi

HG_CORPUS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hg-corpus.XXXXXX") || exit 99
trap 'rm -rf "$HG_CORPUS_TMP"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$HG_CORPUS_TMP/bin" "$HG_CORPUS_TMP/run"

echo "heapguard guard corpus: HEAPGUARD_LIB=$HEAPGUARD_LIB"
# shellcheck disable=SC2086
printf '%s\n' $sel | xargs -P "$HG_CORPUS_JOBS" -n 4 sh "$0" --one "$HG_CORPUS_TMP"

pass=0 fail=0 fs=0 ff=0 gs=0 gw=0 gc=0 ncase=0
for p in $sel; do
	r=$HG_CORPUS_TMP/res.$(echo "$p" | tr / _)
	if [ ! -s "$r" ]; then
		echo "FAIL: $(basename "$p"): no result"
		fail=$((fail + 1))
		continue
	fi
	grep -v '^TALLY ' "$r"
	case $p in cases/*) ncase=$((ncase + 1)) ;; esac
	# shellcheck disable=SC2046 # the tally is split into fields on purpose
	set -- $(grep '^TALLY ' "$r")
	pass=$((pass + $2)) fail=$((fail + $3)) fs=$((fs + $4)) ff=$((ff + $5))
	gs=$((gs + $6)) gw=$((gw + $7)) gc=$((gc + $8))
done
echo "$pass passed, $fail failed (misuse cases: $ncase; stopped by heapguard full: $fs, fast: $ff, plain glibc: $gs; on plain glibc the attack succeeded: $gw, crashed: $gc)"
[ "$fail" -eq 0 ]
