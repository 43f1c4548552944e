#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install DESTDIR=TMP`: the installed launcher finds the installed
# library relative to itself (bindir to libdir, as configured), not the build
# tree's nor one installed elsewhere, runs `true` clean and a leaking program
# with its findings read by the installed heapguard-report, and refuses a
# bad --lib.  Needs top_builddir (set by `make check`).
top_builddir=${top_builddir:?top_builddir is not set}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
command -v make >/dev/null 2>&1 || { echo "SKIP: no make"; exit 77; }
# not a sub-make of the make running this test: none of its command line
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES TESTS TEST_LOGS TEST_SUITE_LOG
dest=$tmp/dest
if ! make -C "$top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	echo "FAIL: make install DESTDIR=$dest: $(tail -20 "$tmp/install.log")"
	exit 1
fi
bindir=$(make -s -C "$top_builddir" -f Makefile -f - hg-print-dir <<'MK' 2>/dev/null
hg-print-dir:
	@echo '$(bindir) $(libdir)'
MK
)
libdir=${bindir#* }
bindir=${bindir%% *}
launcher=$dest$bindir/heapguard
[ -x "$launcher" ] || { echo "FAIL: no installed launcher at $launcher"; exit 1; }
[ -r "$dest$libdir/libheapguard.so.0" ] || fail "no $dest$libdir/libheapguard.so.0"

# moved elsewhere after installing (as a package unpacked under another root
# would be): what counts is where the launcher is, not the configured paths
mv "$dest" "$tmp/moved"
dest=$tmp/moved
launcher=$dest$bindir/heapguard
cd "$tmp" || exit 99
env -u HEAPGUARD_LIB -u HEAPGUARD_REPORT "$launcher" -- sh -c 'echo "$LD_PRELOAD"' >out 2>err
st=$?
[ $st -eq 0 ] || fail "the installed launcher on sh exited $st: $(cat err)"
[ "$(cat out)" = "$dest$libdir/libheapguard.so.0" ] ||
	fail "the installed launcher preloads '$(cat out)', not $dest$libdir/libheapguard.so.0"
env -u HEAPGUARD_LIB -u HEAPGUARD_REPORT "$launcher" --run-dir=run1 -- true >out 2>err
st=$?
[ $st -eq 0 ] || fail "the installed launcher on true exited $st: $(cat err)"
[ "$(cat err)" = "heapguard: 1 process, all clean; read it all: heapguard-report $tmp/run1" ] ||
	fail "the installed launcher on true said: $(cat err)"

# a leaking program: lost bytes by site name, which only the reader gives
# (here the installed one: the build tree's is not beside this launcher),
# and the status
leaks=$top_builddir/examples/leaks
[ -x "$leaks" ] || { echo "FAIL: $leaks not built"; exit 1; }
env -u HEAPGUARD_LIB -u HEAPGUARD_REPORT "$launcher" --leak_exitcode=9 --run-dir=run2 -- "$leaks" >out 2>err
st=$?
[ $st -eq 9 ] || fail "the installed launcher on a leaking program exited $st, not 9: $(cat err)"
grep -q '^heapguard: 1 process, lost [0-9]* bytes at [0-9]* sites in 1 process ([a-z_, ]*); read it all: heapguard-report '"$tmp/run2"'$' err ||
	fail "the installed launcher on a leaking program said: $(cat err)"
env -u HEAPGUARD_LIB "$dest$bindir/heapguard-report" run2 >report 2>&1 ||
	[ $? -eq 1 ] || fail "the installed heapguard-report cannot read the run: $(cat report)"
grep -q 'leaks' report || fail "the installed heapguard-report does not name the program: $(head report)"

# a bad --lib: one line, status 2, and the program does not run
env -u HEAPGUARD_LIB "$launcher" --lib="$dest$bindir/heapguard" -- sh -c 'echo ran' >out 2>err
st=$?
[ $st -eq 2 ] && [ ! -s out ] && [ "$(wc -l <err)" -eq 1 ] ||
	fail "--lib=the launcher itself: status $st, stdout '$(cat out)', stderr '$(cat err)'"

[ "$failures" -eq 0 ] || exit 1
exit 0
