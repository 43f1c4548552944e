#!/bin/sh
# SPDX-License-Identifier: MIT
# git under heapguard: init, 150 commits over a growing tree (with a
# branch and a merge), gc, log, fsck. Names and dates are fixed, so the
# commit hashes, the log and the object list must be identical to a run on
# plain glibc. Every git process (and its children) is preloaded.
. "${top_srcdir:-.}/tests/preload/common.sh"
hg_need git awk

# isolate from the user's and the system's configuration
export HOME="$HG_TMP" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Heap Guard" GIT_AUTHOR_EMAIL="hg@example.org"
export GIT_COMMITTER_NAME="Heap Guard" GIT_COMMITTER_EMAIL="hg@example.org"
export LC_ALL=C TZ=UTC
unset GIT_DIR GIT_WORK_TREE

# workload MODE: the whole git session, every git call run through hg_exec
workload() {
	mode=$1
	dir=$HG_TMP/repo.$mode
	g() { hg_exec "$mode" git -C "$dir" "$@"; }
	hg_exec "$mode" git -c init.defaultBranch=main init -q "$dir" || return 1
	g config gc.auto 0
	g config pack.threads 1
	i=1
	while [ $i -le 150 ]; do
		if [ $i -eq 100 ]; then
			g checkout -q -b side HEAD~20 || return 1
		fi
		export GIT_AUTHOR_DATE="@$((1700000000 + i * 60)) +0000"
		export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"
		awk -v n=$i 'BEGIN { for (l = 0; l < 40 + n; l++) printf "line %d of commit %d: %s\n", l, n, substr("the quick brown fox jumps over the lazy dog", 1 + (l * n) % 40) }' \
			>"$dir/file$((i % 17)).txt"
		mkdir -p "$dir/dir$((i % 5))"
		echo "commit $i" >>"$dir/dir$((i % 5))/log.txt"
		g add -A || return 1
		g commit -q -m "commit number $i" || return 1
		if [ $i -eq 120 ]; then
			g checkout -q main || return 1
			g merge -q --no-edit -X theirs side >/dev/null || return 1
		fi
		i=$((i + 1))
	done
	g gc -q --aggressive || return 1
	g log --stat --format='%H %an <%ae> %ad %s' --date=iso main
	g log --graph --oneline --all
	# 2>&1 puts fsck's stderr in the compared output: no leak summary there
	HEAPGUARD_OPTIONS=leaks=0:frag=0 g fsck --full --strict --no-progress 2>&1
	g cat-file --batch-all-objects --batch-check
	g count-objects -v | grep -v -e '^size' -e 'size-pack' -e 'size-garbage'
	g diff --stat HEAD~40 HEAD
	g blame -s file3.txt
	echo "status $?"
}

status=0
workload plain >"$HG_TMP/git.plain.out" 2>"$HG_TMP/git.plain.err"
workload hg >"$HG_TMP/git.hg.out" 2>"$HG_TMP/git.hg.err"
if ! grep -q '^status 0$' "$HG_TMP/git.plain.out"; then
	echo "FAIL: the git workload itself fails on plain glibc:"
	tail -n 5 "$HG_TMP/git.plain.out" "$HG_TMP/git.plain.err"
	status=1
fi
hg_check_same git 0 0 || status=1
hg_check_reports || status=1
exit $status
