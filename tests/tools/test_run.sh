#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard(1) makes a run by default: a new 0700 directory in the current
# one, named heapguard-run-YYYYMMDD-HHMMSS-PID, handed to the command as
# run_dir=ABSOLUTE; the launcher waits, prints the run's summary as its last
# line on stderr and exits with the command's status, or with the
# error_exitcode/leak_exitcode of the run's records; SIGTERM sent to it is
# passed on; --run-dir chooses the directory and --no-run makes no run.
# The records here are written by the command itself (printf, a shell
# builtin) under skip='*', so that no real process adds its own; the
# summary is the launcher's own count (HEAPGUARD_REPORT=false) where its
# exact words are checked.
# Needs HEAPGUARD_BIN and HEAPGUARD_LIB (set by `make check`).
# shellcheck disable=SC2016 # the single-quoted $VARS expand in the command

bin=${HEAPGUARD_BIN:?HEAPGUARD_BIN is not set}
: "${HEAPGUARD_LIB:?HEAPGUARD_LIB is not set}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cwd" && cd "$tmp/cwd" || exit 99
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run WANT CMD...: run CMD (stdout to $tmp/out, stderr to $tmp/err), require
# exit status WANT
run() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want ($(cat "$tmp/err"))"
}

# last_line_is_summary DIR: the launcher's last stderr line is the summary
# of the run in DIR (the reader's, or the launcher's own count)
last_line_is_summary() {
	last=$(tail -n 1 "$tmp/err")
	case $last in
	"heapguard: "[0-9]*" process"*"$1"*) ;;
	*) fail "the last stderr line is not the summary of $1: '$last'" ;;
	esac
	[ "$(grep -c '^heapguard: [0-9]* process' "$tmp/err")" -eq 1 ] ||
		fail "more than one summary line: $(cat "$tmp/err")"
}

# record NAME ERRORS LOST_BYTES: the printf command that writes a record
# $D/NAME.proc (D is set by the command's shell from run_dir)
record() {
	printf 'printf "heapguard-process 1\\nversion 0.1.0\\nprogram /bin/fake\\narg 0 fake\\npid 7\\nppid 1\\nfork 0\\ntime 1764967000 2026-12-05T20:56:40Z\\nlevel full\\nstatus 0\\nexitcode 0\\nerrors %s\\nlost %s %s\\nindirect 0 0\\nsuppressed 0 0\\nscanned 1\\nend\\n" >"$D/%s.proc"; ' \
		"$2" "$3" "$(($3 > 0))" "$1"
}
# jrecord ERRORS LOST_BYTES: the same record appended to the run's journal,
# $D/processes.proc, after an empty line, as the library appends it
jrecord() {
	printf 'printf "\\nheapguard-process 1\nversion 0.1.0\nprogram /bin/fake\narg 0 fake\npid 7\nppid 1\nfork 0\ntime 1764967000 2026-12-05T20:56:40Z\nlevel full\nstatus 0\nexitcode 0\nerrors %s\nlost %s %s\nindirect 0 0\nsuppressed 0 0\nscanned 1\nend\n" >>"$D/processes.proc"; ' \
		"$1" "$2" "$(($2 > 0))"
}
# the run's directory, as the command sees it
getdir='D=${HEAPGUARD_OPTIONS##*run_dir=}; '

# 1. the default run: a new directory here, named and made as said, absolute in
#    HEAPGUARD_OPTIONS, the only thing new here; the command's stderr first,
#    the summary last
before=$(date +%Y%m%d)
run 0 "$bin" -- sh -c 'echo "$HEAPGUARD_OPTIONS"; echo "the command speaks" >&2'
after=$(date +%Y%m%d)
new=$(ls -A)
case $new in
heapguard-run-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9]*) ;;
*) fail "the default run made '$new' here, not one heapguard-run-YYYYMMDD-HHMMSS-PID" ;;
esac
day=$(echo "$new" | cut -d- -f3)
[ "$day" -ge "$before" ] && [ "$day" -le "$after" ] || fail "the run $new is not dated today"
[ -d "$new" ] && [ "$(stat -c %a "$new")" = 700 ] ||
	fail "the run directory $new is not a directory of mode 0700: $(ls -ld "$new")"
[ "$(cat "$tmp/out")" = "run_dir=$PWD/$new" ] ||
	fail "the command got HEAPGUARD_OPTIONS='$(cat "$tmp/out")', expected run_dir=$PWD/$new"
[ "$(head -n 1 "$tmp/err")" = "the command speaks" ] ||
	fail "the command's stderr does not come first: $(cat "$tmp/err")"
last_line_is_summary "$PWD/$new"
rm -rf "$new"

# 2. --run-dir: relative (made absolute), parents created, all 0700; an existing
#    one is used as it is; the command writes into a part of it of its own
#    (DIR/.heapguard-launch-XXXXXX), merged into it at the end
run 0 "$bin" --run-dir=a/b/run -- sh -c 'echo "$HEAPGUARD_OPTIONS"'
case $(cat "$tmp/out") in
"run_dir=$PWD/a/b/run/.heapguard-launch-"??????) ;;
*) fail "--run-dir: HEAPGUARD_OPTIONS='$(cat "$tmp/out")'" ;;
esac
[ -z "$(ls -A a/b/run)" ] || fail "--run-dir: the command's part is left: $(ls -A a/b/run)"
[ "$(stat -c %a a a/b a/b/run | tr '\n' ' ')" = "700 700 700 " ] ||
	fail "--run-dir modes: $(stat -c '%n %a' a a/b a/b/run)"
last_line_is_summary "$PWD/a/b/run"
mkdir -m 755 existing
run 0 "$bin" --run-dir "$PWD/existing" -- true
[ "$(stat -c %a existing)" = 755 ] || fail "--run-dir changed the mode of an existing directory"
# a run_dir given as an option names the run as well
run 0 "$bin" --run_dir=opt -- sh -c 'echo "$HEAPGUARD_OPTIONS"'
case $(cat "$tmp/out") in
"run_dir=opt:run_dir=$PWD/opt/.heapguard-launch-"??????) [ -d opt ] || fail "--run_dir=opt made no opt" ;;
*) fail "--run_dir=opt: HEAPGUARD_OPTIONS='$(cat "$tmp/out")'" ;;
esac
rm -rf a existing opt
# a path that cannot travel in HEAPGUARD_OPTIONS is a usage error
run 2 "$bin" --run-dir=x:y -- true
[ ! -e x:y ] || fail "--run-dir=x:y made the directory"

# 3. --no-run: no run directory, no run_dir, the program in the launcher's place
mkdir nr && cd nr || exit 99
"$bin" --no-run -- sh -c 'echo "$$ $HEAPGUARD_OPTIONS" >pid' 2>"$tmp/err" &
launcher=$!
wait $launcher
[ "$(cat pid)" = "$launcher " ] || fail "--no-run: the command ran as '$(cat pid)', launcher $launcher"
[ "$(ls -A)" = pid ] || fail "--no-run left $(ls -A)"
[ ! -s "$tmp/err" ] || fail "--no-run printed: $(cat "$tmp/err")"
cd .. && rm -rf nr

# 4. the summary counted by the launcher, in heapguard-report --summary-line's words
export HEAPGUARD_REPORT=false
run 0 "$bin" --skip='*' --run-dir=r -- sh -c "$getdir$(record p.1.a 0 0)$(record p.2.b 0 0)"
[ "$(tail -n 1 "$tmp/err")" = "heapguard: 2 processes, all clean; read it all: heapguard-report $PWD/r" ] ||
	fail "summary of a clean run: '$(tail -n 1 "$tmp/err")'"
rm -rf r
run 0 "$bin" --skip='*' --run-dir=r -- sh -c "$getdir$(record p.1.a 2 0)$(record p.2.b 0 100)$(record p.3.c 0 0)"' printf "heapguard-process 1\nerrors 5\n" >"$D/cut.4.d.proc"; printf x >"$D/.p.5.e.proc.tmp"'
[ "$(tail -n 1 "$tmp/err")" = "heapguard: 3 processes (1 clean), 2 heap errors in 1 process, lost 100 bytes in 1 block in 1 process, 1 damaged record; read it all: heapguard-report $PWD/r" ] ||
	fail "summary of a run with findings: '$(tail -n 1 "$tmp/err")'"
rm -rf r
# the journal: its records counted, one cut short by its writer (glued to
# the next one's empty line) damaged alone
run 0 "$bin" --skip='*' --run-dir=r -- sh -c "$getdir$(jrecord 0 0)"'printf "\nheapguard-process 1\nerrors 5\nlost 1" >>"$D/processes.proc"; '"$(jrecord 1 0)$(jrecord 0 0)"
[ "$(tail -n 1 "$tmp/err")" = "heapguard: 3 processes (2 clean), 1 heap error in 1 process, 1 damaged record; read it all: heapguard-report $PWD/r" ] ||
	fail "summary of a journal with a record cut short: '$(tail -n 1 "$tmp/err")'"
rm -rf r
run 0 "$bin" --skip='*' --run-dir=r -- true
case $(tail -n 1 "$tmp/err") in
"heapguard: 0 processes: an empty run"*"$PWD/r") ;;
*) fail "summary of an empty run: '$(tail -n 1 "$tmp/err")'" ;;
esac
rm -rf r
unset HEAPGUARD_REPORT

# 5. exit status: the command's, or error_exitcode / leak_exitcode of the run
#    when the command exits 0; errors first; a failing command keeps its own
st() {
	want=$1
	shift
	run "$want" "$bin" --skip='*' --run-dir=r "$@"
	last_line_is_summary "$PWD/r"
	rm -rf r
}
st 41 --error_exitcode=41 --leak_exitcode=7 -- sh -c "$getdir$(record p.1.a 1 0)$(record p.2.b 0 10)"
st 7 --error_exitcode=41 --leak_exitcode=7 -- sh -c "$getdir$(record p.2.b 0 10)"
st 0 --error_exitcode=41 --leak_exitcode=7 -- sh -c "$getdir$(record p.2.b 0 0)"
st 0 -- sh -c "$getdir$(record p.1.a 1 10)"
st 3 --error_exitcode=41 -- sh -c "$getdir$(record p.1.a 1 0) exit 3"
st 41 -o error_exitcode=41 -- sh -c "$getdir$(record p.1.a 1 0)"
HEAPGUARD_OPTIONS=leak_exitcode=9 st 9 -- sh -c "$getdir$(record p.2.b 0 10)"
st 0 --skip='*' -- true
st 42 -- sh -c 'exit 42'

# 5b. one run directory shared by launchers running at once (make -j check
#     with the launcher as LOG_COMPILER): each one's summary and status are
#     its own command's, and the directory ends up holding every record,
#     the second journal beside the first under the next free number
mkdir shared
"$bin" --skip='*' --run-dir=shared --leak_exitcode=7 -- sh -c "$getdir$(jrecord 0 10) sleep 1" \
	2>"$tmp/err.a" &
first=$!
"$bin" --skip='*' --run-dir=shared --leak_exitcode=7 -- sh -c "sleep 0.3; $getdir$(jrecord 0 0)" \
	2>"$tmp/err.b"
got_b=$?
wait $first
got_a=$?
[ $got_a -eq 7 ] && [ $got_b -eq 0 ] ||
	fail "launchers sharing a run: statuses $got_a (leaking) and $got_b (clean), expected 7 and 0"
case $(tail -n 1 "$tmp/err.b") in
"heapguard: 1 process, all clean; read it all: heapguard-report $PWD/shared") ;;
*) fail "the clean launcher of a shared run counted others: '$(tail -n 1 "$tmp/err.b")'" ;;
esac
case $(tail -n 1 "$tmp/err.a") in
"heapguard: 1 process"*", lost 10 bytes"*"heapguard-report $PWD/shared") ;;
*) fail "the leaking launcher of a shared run: '$(tail -n 1 "$tmp/err.a")'" ;;
esac
[ "$(ls -A shared | tr '\n' ' ')" = "processes.1.proc processes.proc " ] ||
	fail "the shared run holds '$(ls -A shared | tr '\n' ' ')', not both journals alone"
[ "$(grep -h '^lost ' shared/processes.proc shared/processes.1.proc | sort | tr '\n' ' ')" = "lost 0 0 lost 10 1 " ] ||
	fail "the shared run's journals do not hold one record each"
rm -rf shared

# 6. death by a signal: the launcher dies of it too, after the summary
# (exec: no shell waits inside the redirection to say "Terminated" into it)
{
	(exec "$bin" --run-dir=r -- sh -c 'kill -TERM $$' 2>"$tmp/err")
	got=$?
} 2>/dev/null
[ $got -eq 143 ] || fail "a command killed by SIGTERM gave $got, not 143"
last_line_is_summary "$PWD/r"
rm -rf r

# 7. SIGTERM sent to the launcher goes to the command, which may handle it
"$bin" --run-dir=r -- sh -c 'trap "echo handled >handled; exit 9" TERM; echo >started; while :; do sleep 0.1; done' 2>"$tmp/err" &
launcher=$!
i=0
while [ ! -e started ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $launcher
wait $launcher
got=$?
[ $got -eq 9 ] && [ -e handled ] || fail "SIGTERM to the launcher: status $got, command handled it: $(cat handled 2>/dev/null)"
last_line_is_summary "$PWD/r"
rm -rf r started handled

[ "$failures" -eq 0 ] || exit 1
exit 0
