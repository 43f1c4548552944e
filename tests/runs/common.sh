# SPDX-License-Identifier: MIT
# Shared by the tests in tests/runs/ (sourced, not run): whole runs made by
# the launcher, `heapguard -- COMMAND`, at default options, checked against
# the same command without heapguard and against heapguard-report's view of
# the run.  Needs HEAPGUARD_BIN (set by `make check`); the reader is
# heapguard-report beside it.

set -u

# runs_skip REASON: exit 77 (automake SKIP)
runs_skip() {
	echo "SKIP: $*"
	exit 77
}

# runs_need PROGRAM...: skip unless every program is installed
runs_need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || runs_skip "$p not installed"
	done
}

HG_BIN=${HEAPGUARD_BIN:-}
[ -n "$HG_BIN" ] || runs_skip "HEAPGUARD_BIN not set (run by make check)"
[ -x "$HG_BIN" ] || { echo "FAIL: launcher $HG_BIN not built"; exit 1; }
HG_REPORT=$(dirname "$HG_BIN")/heapguard-report
HG_BUILD=${top_builddir:-$(dirname "$HG_BIN")}

RUNS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hg-runs.XXXXXX") || exit 99
trap 'rm -rf "$RUNS_TMP"' EXIT
runs_failures=0

fail() {
	echo "FAIL: $*"
	runs_failures=$((runs_failures + 1))
}

runs_done() {
	[ "$runs_failures" -eq 0 ] || exit 1
	echo "ok: $(basename "$0" .sh)"
	exit 0
}

# is_summary LINE: LINE is the launcher's final summary ("heapguard: N
# processes ...", from heapguard-report --summary-line or the launcher's own)
is_summary() {
	printf '%s\n' "$1" | grep -Eq '^heapguard: [0-9]+ process(es)?([ ,:;(]|$)'
}

# split_summary ERRFILE: check that ERRFILE's last line is the summary and
# drop it from ERRFILE
split_summary() {
	last=$(tail -n 1 "$1")
	is_summary "$last" || fail "the launcher's last stderr line is not its summary: '$last'"
	sed -i '$d' "$1"
}

# listing DIR: every path under DIR, sorted (directories too)
listing() {
	(cd "$1" && find . | LC_ALL=C sort)
}

# only_run_dir_new BEFORE AFTER: what AFTER (a listing) has more than BEFORE
# is one heapguard-run-* directory and what it holds
only_run_dir_new() {
	new=$(LC_ALL=C comm -13 "$1" "$2" | grep -Ev '^\./heapguard-run-[0-9]{8}-[0-9]{6}-[0-9]+(/|$)')
	[ -z "$new" ] || fail "new outside the run directory: $(echo "$new" | head -20 | tr '\n' ' ')"
	[ "$(LC_ALL=C comm -13 "$1" "$2" | grep -Ec '^\./heapguard-run-[0-9]{8}-[0-9]{6}-[0-9]+$')" -eq 1 ] ||
		fail "not exactly one run directory was made"
}
