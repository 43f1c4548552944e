#!/bin/sh
# SPDX-License-Identifier: MIT
# A git script under the launcher at default options: the same output as
# without heapguard (git's processes and the pipe they write into), and no
# file but the run directory that the same script without heapguard does
# not make.
. "${top_srcdir:-.}/tests/runs/common.sh"
runs_need git wc timeout

# git as the same user on both sides, whatever this machine's configuration
export HOME="$RUNS_TMP/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=qa GIT_AUTHOR_EMAIL=qa@example.org \
	GIT_COMMITTER_NAME=qa GIT_COMMITTER_EMAIL=qa@example.org GIT_AUTHOR_DATE='2026-12-05T12:00:00Z' \
	GIT_COMMITTER_DATE='2026-12-05T12:00:00Z'
mkdir "$HOME" && printf '[init]\n\tdefaultBranch = main\n' >"$HOME/.gitconfig" || exit 99
script='git init -q r && cd r && git commit -q --allow-empty -m x && git log --oneline | wc -l'

for side in plain hg; do
	mkdir "$RUNS_TMP/$side" && cd "$RUNS_TMP/$side" || exit 99
	if [ $side = plain ]; then
		timeout 60 sh -c "$script" >../$side.out 2>../$side.err
	else
		timeout 60 "$HG_BIN" -- sh -c "$script" >../$side.out 2>../$side.err
	fi
	echo $? >../$side.status
	listing . | sed -E 's#/[0-9a-f]{2}/[0-9a-f]{38}$#/OBJECT#' | LC_ALL=C sort -u >../$side.files
done
cd "$RUNS_TMP" || exit 99
[ "$(cat plain.status)" = 0 ] && [ "$(cat plain.out)" = 1 ] ||
	runs_skip "the script fails without heapguard: $(cat plain.err)"
[ "$(cat hg.status)" = 0 ] || fail "the script under heapguard exited $(cat hg.status): $(cat hg.err)"
split_summary hg.err
cmp -s plain.out hg.out || fail "stdout differs under heapguard: '$(cat hg.out)'"
cmp -s plain.err hg.err || fail "stderr differs under heapguard: $(diff plain.err hg.err | head -10)"
only_run_dir_new plain.files hg.files
runs_done
