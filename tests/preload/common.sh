# SPDX-License-Identifier: MIT
# Shared by the tests in tests/preload/ (sourced, not run): start a real
# program once on plain glibc and once with LD_PRELOAD=$HEAPGUARD_LIB, and
# require the same stdout and exit status. Only the program under test is
# preloaded, never this shell. Without HEAPGUARD_LIB both runs use glibc,
# which validates the test itself.

set -u

HG_PRELOAD=${HEAPGUARD_LIB:-}
if [ -n "$HG_PRELOAD" ] && [ ! -f "$HG_PRELOAD" ]; then
	echo "ERROR: HEAPGUARD_LIB=$HG_PRELOAD does not exist" >&2
	exit 99
fi
HG_TIMEOUT=${HG_TIMEOUT:-180}
hg_srcdir=${top_srcdir:-.}

# hg_skip REASON: exit 77 (automake SKIP)
hg_skip() {
	echo "SKIP: $*"
	exit 77
}

# hg_need PROGRAM...: skip unless every program is installed
hg_need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || hg_skip "$p not installed"
	done
}

# A private scratch directory removed on exit.
HG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hg-preload.XXXXXX") || exit 99
trap 'rm -rf "$HG_TMP"' EXIT
# Leak reports of the programs run under heapguard go here, not into the
# directories the programs work in (HEAPGUARD_OPTIONS may override it).
HG_REPORTS=$HG_TMP/reports
mkdir "$HG_REPORTS" || exit 99

# hg_exec MODE CMD...: run CMD with (MODE=hg) or without (MODE=plain) the
# preload, under a timeout. The exit status is the command's.
hg_exec() {
	mode=$1
	shift
	if [ "$mode" = hg ] && [ -n "$HG_PRELOAD" ]; then
		timeout -k 10 "$HG_TIMEOUT" env LD_PRELOAD="$HG_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}" \
			HEAPGUARD_OPTIONS="report=$HG_REPORTS/hg.%e.%p${HEAPGUARD_OPTIONS:+:$HEAPGUARD_OPTIONS}" \
			"$@"
	else
		timeout -k 10 "$HG_TIMEOUT" "$@"
	fi
}

# hg_ends PRELOAD OPTIONS PROG ARG: run PROG ARG in $HG_TMP with
# LD_PRELOAD=PRELOAD (none when empty) and HEAPGUARD_OPTIONS=OPTIONS, cores
# allowed (so the core-dump flag can differ if heapguard changed how the
# process dies), and print how it ended as waitpid saw it: "SIGNAL CORE",
# or "exitN 0".  Its stdout is left in $HG_TMP/out, stderr in $HG_TMP/err;
# a core file it leaves is removed.  Needs python3 (the shell cannot see
# the core-dump flag).
hg_ends() {
	python3 - "$1" "$2" "$3" "$4" "$HG_TMP" <<'PY'
import os, resource, subprocess, sys
preload, opts, prog, arg, tmp = sys.argv[1:]
env = dict(os.environ, HEAPGUARD_OPTIONS=opts)
env.pop("LD_PRELOAD", None)
if preload:
    env["LD_PRELOAD"] = preload
def cores():
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
with open(os.path.join(tmp, "out"), "w") as out, open(os.path.join(tmp, "err"), "w") as err:
    p = subprocess.Popen([prog, arg], env=env, stdout=out, stderr=err, cwd=tmp,
                         preexec_fn=cores)
    _, st = os.waitpid(p.pid, 0)
print(os.WTERMSIG(st) if os.WIFSIGNALED(st) else "exit%d" % os.WEXITSTATUS(st),
      1 if os.WIFSIGNALED(st) and os.WCOREDUMP(st) else 0)
for f in os.listdir(tmp):
    if f == "core" or f.startswith("core."):
        os.unlink(os.path.join(tmp, f))
PY
}

# hg_compare NAME CMD...: run CMD both ways, stdout to files, compare stdout
# and exit status; stderr is shown on failure only (heapguard may add its
# own summary there). CMD runs in the current directory. Returns 0 if same.
hg_compare() {
	name=$1
	shift
	hg_exec plain "$@" >"$HG_TMP/$name.plain.out" 2>"$HG_TMP/$name.plain.err"
	st_plain=$?
	hg_exec hg "$@" >"$HG_TMP/$name.hg.out" 2>"$HG_TMP/$name.hg.err"
	st_hg=$?
	hg_check_same "$name" "$st_plain" "$st_hg"
}

# hg_check_same NAME STATUS_PLAIN STATUS_HG: compare $HG_TMP/NAME.{plain,hg}.out
# If HG_FILTER is set, it is a sed script applied to both outputs first
# (to drop timings and other run-dependent text).
hg_check_same() {
	name=$1
	ok=0
	if [ -n "${HG_FILTER:-}" ]; then
		sed -i "$HG_FILTER" "$HG_TMP/$name.plain.out" "$HG_TMP/$name.hg.out"
	fi
	if [ "$2" -eq 124 ] || [ "$3" -eq 124 ]; then
		echo "FAIL: $name timed out after ${HG_TIMEOUT}s (plain status $2, preloaded status $3)"
		ok=1
	elif [ "$2" -ne "$3" ]; then
		echo "FAIL: $name exit status $3 under heapguard, $2 without"
		ok=1
	fi
	if ! cmp -s "$HG_TMP/$name.plain.out" "$HG_TMP/$name.hg.out"; then
		echo "FAIL: $name output differs under heapguard (diff head):"
		diff -u "$HG_TMP/$name.plain.out" "$HG_TMP/$name.hg.out" | head -40
		ok=1
	fi
	if [ $ok -ne 0 ]; then
		echo "--- stderr without preload (tail):"
		tail -20 "$HG_TMP/$name.plain.err" 2>/dev/null
		echo "--- stderr with preload (tail):"
		tail -20 "$HG_TMP/$name.hg.err" 2>/dev/null
	else
		echo "ok: $name ($(wc -l <"$HG_TMP/$name.plain.out") lines of output, status $2)"
	fi
	return $ok
}

# hg_check_reports: every leak report the programs left in $HG_REPORTS, and
# the fragmentation report beside each, is
# complete (format line first, end line last) and, when the reader is
# built, reads without an input error.  Fails if there is none.
hg_check_reports() {
	[ -n "$HG_PRELOAD" ] || return 0
	reader=${top_builddir:-.}/heapguard-report
	count=0
	for f in "$HG_REPORTS"/*.leaks.gz; do
		[ -e "$f" ] || continue
		count=$((count + 1))
		head=$(zcat "$f" | head -1)
		tail=$(zcat "$f" | tail -1)
		case "$head|$tail" in
		"heapguard-leaks "*"|end "*) ;;
		*)
			echo "FAIL: $f is not a complete leak report ($head ... $tail)"
			return 1
			;;
		esac
		if [ -x "$reader" ]; then
			"$reader" --no-symbols "$f" >/dev/null 2>"$HG_TMP/reader.err"
			st=$?
			if [ $st -gt 1 ]; then
				echo "FAIL: heapguard-report exits $st on $f:"
				cat "$HG_TMP/reader.err"
				return 1
			fi
		fi
	done
	if [ $count -eq 0 ]; then
		echo "FAIL: no leak report in $HG_REPORTS"
		return 1
	fi
	# The fragmentation reports written beside them (frag=1, the default).
	nfrag=0
	for f in "$HG_REPORTS"/*.frag.gz; do
		[ -e "$f" ] || continue
		nfrag=$((nfrag + 1))
		case "$(zcat "$f" | head -1)|$(zcat "$f" | tail -1)" in
		"heapguard-frag "*"|end "*) ;;
		*)
			echo "FAIL: $f is not a complete fragmentation report"
			return 1
			;;
		esac
		if [ -x "$reader" ] && ! "$reader" --no-symbols "$f" >/dev/null 2>"$HG_TMP/reader.err"; then
			echo "FAIL: heapguard-report cannot read $f:"
			cat "$HG_TMP/reader.err"
			return 1
		fi
	done
	if [ $nfrag -ne $count ]; then
		echo "FAIL: $count leak reports but $nfrag fragmentation reports in $HG_REPORTS"
		return 1
	fi
	echo "ok: $count leak reports and $nfrag fragmentation reports, complete and readable"
}
