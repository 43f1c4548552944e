#!/bin/sh
# SPDX-License-Identifier: MIT
# Each folder is one layer and uses only itself and the layers below it
# (tests/layers/check_layers.py): its includes in the source tree, its
# symbols in the build tree.  First, that the check fails when a lower layer
# includes an upper one, on a copy of the sources.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-.}
check="$top/tests/layers/check_layers.py"
command -v python3 >/dev/null 2>&1 || { echo "test_layers: python3 is needed" >&2; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in base lib stack guard report preload reader tools include; do
	[ -d "$top/$d" ] && cp -R "$top/$d" "$tmp/$d"
done
printf '#include "../guard/guard.h"\n' >>"$tmp/lib/arena.c"
if python3 "$check" "$tmp" >"$tmp/out" 2>&1; then
	echo "test_layers: an include of guard/ from lib/ was not caught" >&2
	exit 1
fi
grep -q 'lib/arena.c:.*guard/ is above lib/' "$tmp/out" || {
	echo "test_layers: unexpected output for the planted include:" >&2
	cat "$tmp/out" >&2
	exit 1
}

python3 "$check" "$top" "$build"
