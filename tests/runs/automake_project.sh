#!/bin/sh
# SPDX-License-Identifier: MIT
# A small automake project's `make check` under the launcher at default
# options: its test compares a program's stderr with a golden file, as many
# projects' tests do.  Under `heapguard -- make check` it passes, make says
# what it says without heapguard, and the build tree gets no file that the
# same `make check` without heapguard does not make, apart from the run
# directory.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need autoreconf automake autoconf make cc timeout
# The project's make is not a sub-make of the make that runs this test:
# nothing of that one's command line (TESTS=..., -j and its jobserver) may
# reach it.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES TESTS TEST_LOGS TEST_SUITE_LOG

src=$RUNS_TMP/src
mkdir "$src" || exit 99
cat >"$src/configure.ac" <<'AC'
AC_INIT([golden], [1.0])
AM_INIT_AUTOMAKE([foreign -Wall])
AC_PROG_CC
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
cat >"$src/Makefile.am" <<'AM'
check_PROGRAMS = greet
TESTS = golden.sh
EXTRA_DIST = golden.sh golden.err
AM
# a program that allocates, keeps some of it to the end, and warns on stderr
cat >"$src/greet.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *kept;

int main(int argc, char **argv)
{
	char *name = strdup(argc > 1 ? argv[1] : "world");

	kept = malloc(64);
	snprintf(kept, 64, "hello, %s", name);
	free(name);
	fprintf(stderr, "greet: warning: %s is a placeholder\n", kept);
	puts(kept);
	return 0;
}
C
cat >"$src/golden.sh" <<'SH'
#!/bin/sh
# greet's stderr, byte for byte
./greet 2>greet.err >/dev/null || exit 1
cmp "${srcdir:-.}/golden.err" greet.err
SH
chmod +x "$src/golden.sh"
printf 'greet: warning: hello, world is a placeholder\n' >"$src/golden.err"
(cd "$src" && timeout 120 autoreconf -fi >/dev/null 2>&1) || runs_skip "autoreconf fails on the sample project"

# the same configured tree twice, at the same depth; make check with and without
for side in plain hg; do
	mkdir "$RUNS_TMP/$side" && cp -R "$src" "$RUNS_TMP/$side/proj" || exit 99
	(cd "$RUNS_TMP/$side/proj" && timeout 120 ./configure >/dev/null 2>&1) ||
		runs_skip "the sample project does not configure"
done
cd "$RUNS_TMP/plain/proj" || exit 99
listing . >"$RUNS_TMP/plain.before"
timeout 120 make check >"$RUNS_TMP/plain.out" 2>"$RUNS_TMP/plain.err"
st=$?
listing . >"$RUNS_TMP/plain.after"
[ $st -eq 0 ] || runs_skip "make check fails without heapguard: $(cat "$RUNS_TMP/plain.out")"

cd "$RUNS_TMP/hg/proj" || exit 99
listing . >"$RUNS_TMP/hg.before"
timeout 120 "$HG_BIN" -- make check >"$RUNS_TMP/hg.out" 2>"$RUNS_TMP/hg.err"
st=$?
listing . >"$RUNS_TMP/hg.after"
[ $st -eq 0 ] || fail "make check under heapguard exited $st: $(grep -A3 FAIL "$RUNS_TMP/hg.out" | head; cat test-suite.log)"
split_summary "$RUNS_TMP/hg.err"
for stream in out err; do
	sed "s#$RUNS_TMP/plain#TOP#g" "$RUNS_TMP/plain.$stream" >"$RUNS_TMP/plain.$stream.n"
	sed "s#$RUNS_TMP/hg#TOP#g" "$RUNS_TMP/hg.$stream" >"$RUNS_TMP/hg.$stream.n"
	cmp -s "$RUNS_TMP/plain.$stream.n" "$RUNS_TMP/hg.$stream.n" ||
		fail "make check's std$stream differs under heapguard: $(diff "$RUNS_TMP/plain.$stream.n" "$RUNS_TMP/hg.$stream.n" | head -20)"
done
# what make check made: the same files on both sides, plus the run directory
LC_ALL=C comm -13 "$RUNS_TMP/plain.before" "$RUNS_TMP/plain.after" >"$RUNS_TMP/plain.new"
LC_ALL=C comm -13 "$RUNS_TMP/hg.before" "$RUNS_TMP/hg.after" >"$RUNS_TMP/hg.new"
cat "$RUNS_TMP/plain.before" "$RUNS_TMP/plain.new" | LC_ALL=C sort >"$RUNS_TMP/expected"
only_run_dir_new "$RUNS_TMP/expected" "$RUNS_TMP/hg.after"
extra=$(LC_ALL=C comm -23 "$RUNS_TMP/plain.new" "$RUNS_TMP/hg.new")
[ -z "$extra" ] || fail "make check under heapguard did not make: $extra"
runs_done
