# SPDX-License-Identifier: MIT
# Shared by the tests/fork scripts (sourced): hg_fork_run PROGRAM runs
# tests/fork/PROGRAM for $HG_FORK_SECONDS (6) seconds under heapguard at
# level=fast and level=full, each run in a process group of its own under
# `timeout`: a hang is a failure (status 124), and a child left hanging
# is killed with its group rather than left behind.  Prints the program's
# line (forks and time) for each level.
. "${top_srcdir:-.}/tests/preload/common.sh"
HG_FORK_SECONDS=${HG_FORK_SECONDS:-6}
HG_FORK_TIMEOUT=${HG_FORK_TIMEOUT:-20}

hg_fork_run() {
	prog=${top_builddir:-.}/tests/fork/$1
	[ -x "$prog" ] || { echo "ERROR: $prog is not built"; exit 99; }
	fails=0
	for level in fast full; do
		opts="level=$level:report=$HG_REPORTS/hg.%p:report_signal=SIGUSR2"
		if [ -n "$HG_PRELOAD" ]; then
			setsid env LD_PRELOAD="$HG_PRELOAD" HEAPGUARD_OPTIONS="$opts" \
				timeout -k 5 "$HG_FORK_TIMEOUT" "$prog" "$HG_FORK_SECONDS" \
				>"$HG_TMP/out" 2>"$HG_TMP/err" &
		else
			setsid timeout -k 5 "$HG_FORK_TIMEOUT" "$prog" "$HG_FORK_SECONDS" \
				>"$HG_TMP/out" 2>"$HG_TMP/err" &
		fi
		pid=$!
		wait $pid
		st=$?
		# setsid made $pid the group's leader.  A child forked by a thread
		# still running at exit outlives it by a moment; one still there
		# after 3 s hung (it inherited a lock held) and fails the test.
		left=0
		for i in 1 2 3 4 5 6; do
			kill -0 -- "-$pid" 2>/dev/null || break
			left=$i
			sleep 0.5
		done
		kill -KILL -- "-$pid" 2>/dev/null
		if [ $left -eq 6 ] && [ $st -eq 0 ]; then
			echo "FAIL: $1 at level=$level: a forked child hung"
			st=1
		fi
		if [ $st -eq 124 ] || [ $st -eq 137 ]; then
			echo "FAIL: $1 at level=$level hung (killed after ${HG_FORK_TIMEOUT}s)"
			fails=$((fails + 1))
		elif [ $st -ne 0 ]; then
			[ $left -eq 6 ] || echo "FAIL: $1 at level=$level: exit status $st"
			grep -v 'fragmentation report:' "$HG_TMP/err" | tail -n 5
			fails=$((fails + 1))
		else
			echo "level=$level: $(tail -n 1 "$HG_TMP/out")"
		fi
	done
	[ $fails -eq 0 ]
}
