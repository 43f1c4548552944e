# SPDX-License-Identifier: MIT
# Shared by tests/process/*.sh (sourced): the program, the reader, a
# scratch directory, and run_in DIR OPTIONS ARGS... which runs proc_prog
# under heapguard in DIR (created empty) with exactly HEAPGUARD_OPTIONS=
# OPTIONS, stdout and stderr to DIR/../out and DIR/../err, status in $st.
set -u
[ -n "${HEAPGUARD_LIB:-}" ] || { echo "SKIP: needs HEAPGUARD_LIB"; exit 77; }
prog=$(cd "${top_builddir:-.}" && pwd)/tests/process/proc_prog
reader=$(cd "${top_builddir:-.}" && pwd)/heapguard-report
for f in "$prog" "$reader" "$HEAPGUARD_LIB"; do
	[ -e "$f" ] || { echo "ERROR: $f is not built"; exit 99; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/hg-process.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
fail() {
	echo "FAIL: $case: $*"
	for f in "$T/err" "$T/out"; do
		[ -s "$f" ] && { echo "--- $f:"; sed 's/^/    /' "$f" | head -20; }
	done
	fails=$((fails + 1))
}

run_in() {
	dir=$1 opts=$2
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && exec timeout -k 5 60 env LD_PRELOAD="$HEAPGUARD_LIB" \
		HEAPGUARD_OPTIONS="$opts" "$prog" "$@") >"$T/out" 2>"$T/err"
	st=$?
}

# lines FILE: the number of lines in FILE
lines() {
	wc -l <"$1" | tr -d ' '
}

finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails failure(s)"
		exit 1
	fi
	echo "PASS"
	exit 0
}
