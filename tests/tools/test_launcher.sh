#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard(1), the launcher: option handling (every value checked by the
# library's parser before the program runs), glibc's parameters as
# --name=VALUE, library lookup, the environment it hands to the program, and
# exit statuses (the program's own, or 2/126/127).  The run the launcher
# makes by default has its own test (test_run.sh); the environment checks
# here use --no-run, which hands the program exactly what the options say.
# Needs HEAPGUARD_BIN and HEAPGUARD_LIB (set by `make check`).
# shellcheck disable=SC2016 # the single-quoted $VARS expand in the program

bin=${HEAPGUARD_BIN:?HEAPGUARD_BIN is not set}
lib=${HEAPGUARD_LIB:?HEAPGUARD_LIB is not set}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# The runs of the commands below go to their own directory, not the build tree.
mkdir "$tmp/cwd" && cd "$tmp/cwd" || exit 99
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect_status WANT CMD...: run CMD, stderr to $tmp/err, stdout to $tmp/out
expect_status() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want ($(cat "$tmp/err"))"
}

# expect_one_error_line PATTERN: stderr is one line, prefixed, matching PATTERN
expect_one_error_line() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$tmp/err")"
	grep -q "^heapguard: .*$1" "$tmp/err" || fail "stderr '$(cat "$tmp/err")' does not match '$1'"
}

# --version, --help, --help-options
expect_status 0 "$bin" --version
grep -qx 'heapguard [0-9][0-9.]*' "$tmp/out" || fail "--version printed '$(cat "$tmp/out")'"
expect_status 0 "$bin" --help
grep -q '^usage: heapguard' "$tmp/out" || fail "--help has no usage line"
expect_status 0 "$bin" --help-options
for name in $(sed -n 's/^HG_OPTION(\([A-Za-z0-9_]*\),.*/\1/p' "$top/base/options.def"); do
	grep -q "^$name " "$tmp/out" || fail "--help-options does not list '$name'"
done
# glibc's parameters too, but check (heapguard's own check= overrides it)
for name in $(sed -n 's/^HG_PARAM([A-Z_]*, *\([a-z_]*\),.*/\1/p' "$top/base/params.def"); do
	[ "$name" = check ] && continue
	grep -q "^$name  *number " "$tmp/out" || fail "--help-options does not list '$name'"
done
grep -q '^  bool    1, true, yes, on or 0, false, no, off, in any case$' "$tmp/out" ||
	fail "--help-options does not say how booleans are spelled"

# The program's exit status and death by signal pass through unchanged.
expect_status 7 "$bin" -- sh -c 'exit 7'
expect_status 0 "$bin" true
# (in a subshell with stderr closed off: the shell reports the death itself)
st=$( ("$bin" sh -c 'kill -TERM $$'; echo $?) 2>/dev/null)
[ "$st" = 143 ] || fail "a program killed by SIGTERM did not die of SIGTERM ($st)"

# The library is preloaded into the program, from the build tree or HEAPGUARD_LIB.
expect_status 0 "$bin" cat /proc/self/maps
grep -q 'libheapguard\.so' "$tmp/out" || fail "libheapguard.so is not mapped in the program"
expect_status 0 env -u HEAPGUARD_LIB "$bin" cat /proc/self/maps
grep -q 'libheapguard\.so' "$tmp/out" || fail "build-tree lookup (.libs/ beside the launcher) failed"
expect_status 0 env -u HEAPGUARD_LIB "$bin" --lib="$lib" sh -c 'echo "$LD_PRELOAD"'
case $(cat "$tmp/out") in /*libheapguard.so) ;; *) fail "--lib: LD_PRELOAD is '$(cat "$tmp/out")'" ;; esac

# LD_PRELOAD: the library first, existing entries kept.
expect_status 0 env LD_PRELOAD=libc.so.6 "$bin" sh -c 'echo "$LD_PRELOAD"'
case $(cat "$tmp/out") in /*libheapguard.so:libc.so.6) ;; *) fail "LD_PRELOAD is '$(cat "$tmp/out")'" ;; esac

# HEAPGUARD_OPTIONS: the existing string first, then ours in command-line order.
expect_status 0 env HEAPGUARD_OPTIONS=verbose=0 "$bin" --no-run --check=1 -o stats_at_exit=0 \
	--options=log="$tmp/log" sh -c 'echo "$HEAPGUARD_OPTIONS"'
[ "$(cat "$tmp/out")" = "verbose=0:check=1:stats_at_exit=0:log=$tmp/log" ] ||
	fail "HEAPGUARD_OPTIONS is '$(cat "$tmp/out")'"
# In a run (the default), the run's absolute directory comes last.
expect_status 0 env HEAPGUARD_OPTIONS=verbose=0 "$bin" --check=1 --run-dir=r sh -c 'echo "$HEAPGUARD_OPTIONS"'
# (a named run: the command's own part of it)
case $(cat "$tmp/out") in
"verbose=0:check=1:run_dir=$tmp/cwd/r/.heapguard-launch-"??????) ;;
*) fail "in a run, HEAPGUARD_OPTIONS is '$(cat "$tmp/out")'" ;;
esac

# Values as the library parses them: its spellings are accepted...
expect_status 0 "$bin" --no-run --verbose=ON --leaks=Off --frag=no --quarantine=4M --fill_max=1k \
	--level=FULL --report_signal=usr2 sh -c 'echo "$HEAPGUARD_OPTIONS"'
[ "$(cat "$tmp/out")" = "verbose=ON:leaks=Off:frag=no:quarantine=4M:fill_max=1k:level=FULL:report_signal=usr2" ] ||
	fail "spellings: HEAPGUARD_OPTIONS is '$(cat "$tmp/out")'"

# ...and a value it would ignore is refused, one line each, without running
# the program: report_signal's names included.
refused() {
	pattern=$1
	shift
	expect_status 2 "$bin" "$@" sh -c 'echo ran'
	[ -s "$tmp/out" ] && fail "'$*': the program ran"
	expect_one_error_line "$pattern"
}
refused "report_signal=SIGFOO' (unknown signal)" --report_signal=SIGFOO
refused "report_signal=9' (signal cannot be caught)" -o report_signal=9
refused "report_signal=SIGSEGV' (fault signal)" --report_signal=SIGSEGV
refused "report_signal=RTMIN+99' (unknown signal)" --options=report_signal=RTMIN+99
refused "report_signal=SIGUSR2SIGUSR2SI' (value too long)" --report_signal=SIGUSR2SIGUSR2SI
refused "leaks=y' (not a boolean)" --leaks=y
refused "quarantine=4MB' (not a number)" --quarantine=4MB
refused "quarantine=2G' (out of range)" --quarantine=2G
refused "level=medium' (expected fast|full)" --level=medium
refused "log=.*\.\.\.' (value too long)" --log="$(printf '%0300d' 0)"
expect_status 2 "$bin" -o 'depth=0:leaks=0:bogus' sh -c 'echo ran'
[ "$(grep -c "^heapguard: invalid option -o: bad token '" "$tmp/err")" = 2 ] && [ ! -s "$tmp/out" ] ||
	fail "two bad tokens: stderr is '$(cat "$tmp/err")'"

# glibc's parameters: --name=VALUE goes to GLIBC_TUNABLES, checked with
# glibc's rules, merged with what is there, and in effect in the program.
expect_status 0 "$bin" --arena_max=2 --verbose=1 -o leaks=0:frag=0 -- true
grep -qx 'heapguard: glibc.malloc.arena_max = 2 (GLIBC_TUNABLES)' "$tmp/err" ||
	fail "--arena_max=2 is not in effect: $(grep arena_max "$tmp/err")"
expect_status 0 env GLIBC_TUNABLES=glibc.malloc.arena_max=5:glibc.cpu.x=1:glibc.malloc.top_pad=7 \
	"$bin" --no-run --arena_max=2 --tcache_count=0x10 --arena_max=3 sh -c 'echo "$GLIBC_TUNABLES"'
[ "$(cat "$tmp/out")" = "glibc.cpu.x=1:glibc.malloc.top_pad=7:glibc.malloc.arena_max=3:glibc.malloc.tcache_count=16" ] ||
	fail "GLIBC_TUNABLES is '$(cat "$tmp/out")'"
expect_status 0 env -u GLIBC_TUNABLES "$bin" --check=1 sh -c 'echo "${GLIBC_TUNABLES-unset}"'
[ "$(cat "$tmp/out")" = unset ] || fail "--check=1 set GLIBC_TUNABLES to '$(cat "$tmp/out")'"
refused "arena_max=0: out of range" --arena_max=0
refused "tcache_max=1033: out of range" --tcache_max=1033
refused "top_pad=4k: not a number" --top_pad=4k
refused "mmap_max=-1: not a number" --mmap_max=-1
refused "needs a value" --arena_max

# Usage errors: exit 2, one line.
expect_status 2 "$bin" --check=9 true
expect_one_error_line "check=9.*out of range"
expect_status 2 "$bin" --no-such-option=1 true
expect_one_error_line "unknown option"
expect_status 2 "$bin" -o 'verbose' true
expect_one_error_line "verbose"
expect_status 2 "$bin" --verbose=1
expect_one_error_line "no program"
expect_status 2 "$bin" --run-dir="$tmp/r" --no-run true
expect_one_error_line "exclude each other"
expect_status 2 "$bin" --lib="$tmp/missing.so" true
expect_one_error_line "library not found"
expect_status 2 env HEAPGUARD_LIB="$tmp/missing.so" "$bin" true
expect_one_error_line "library not found"
# A library the dynamic loader would refuse to preload (it would only warn
# and run the program without heapguard), or that is not heapguard's, is
# refused with one line, and the program does not run.
echo 'not a library' >"$tmp/text.so"
refused "cannot use $tmp/text.so as the library (--lib): not a shared library" --lib="$tmp/text.so"
expect_status 2 env HEAPGUARD_LIB="$tmp/text.so" "$bin" sh -c 'echo ran'
[ -s "$tmp/out" ] && fail "HEAPGUARD_LIB=$tmp/text.so: the program ran"
expect_one_error_line "cannot use $tmp/text.so as the library (HEAPGUARD_LIB): not a shared library"
refused "cannot use $tmp as the library (--lib): not a regular file" --lib="$tmp"
libc=$(ldd "$bin" | sed -n 's/^.*libc\.so\.6 => \(\/[^ ]*\) .*/\1/p')
if [ -r "$libc" ]; then
	refused "not heapguard's library (no heapguard_report)" --lib="$libc"
else
	fail "the launcher's libc not found in: $(ldd "$bin")"
fi
# heapguard's own library, but for another machine (e_machine 3: i386)
cp "$lib" "$tmp/other.so" && printf '\003\000' | dd of="$tmp/other.so" bs=1 seek=18 conv=notrunc 2>/dev/null
refused "built for another architecture" --lib="$tmp/other.so"

# The program cannot be run: 127 not found, 126 not executable; and then
# no run is left behind.
mkdir "$tmp/none" && cd "$tmp/none" || exit 99
expect_status 127 "$bin" heapguard-no-such-program
expect_one_error_line "command not found"
expect_status 127 "$bin" "$tmp/no-such-file"
expect_one_error_line "no such file"
: >"$tmp/plain"
chmod 644 "$tmp/plain"
expect_status 126 "$bin" "$tmp/plain"
expect_one_error_line "cannot execute"
expect_status 127 "$bin" --no-run heapguard-no-such-program
expect_one_error_line "command not found"
expect_status 126 "$bin" --no-run "$tmp/plain"
expect_one_error_line "cannot execute"
left=$(ls -A "$tmp/none")
[ -z "$left" ] || fail "the commands that could not run left: $left"

[ "$failures" -eq 0 ] || exit 1
exit 0
