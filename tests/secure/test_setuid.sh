#!/bin/sh
# SPDX-License-Identifier: MIT
# Set-user-ID and set-group-ID programs (AT_SECURE) run by an unprivileged
# user: HEAPGUARD_OPTIONS, MALLOC_* and GLIBC_TUNABLES are ignored and no
# report or log file is written, unless /etc/heapguard.conf (root-owned,
# writable by root only) asks for one; a file that fails those checks or
# holds a bad option gives one warning line and is ignored.  A control run
# of the same binary without the set-ID bits shows that the environment
# would have been obeyed.  Needs root (to make the binary set-user-ID root)
# and the nobody user; the /etc/heapguard.conf cases run only when no such
# file exists, which the test then creates and removes.

[ "$(id -u)" = 0 ] || { echo "SKIP: not root (needed to install a set-user-ID binary)"; exit 77; }
command -v setpriv >/dev/null 2>&1 || { echo "SKIP: setpriv (util-linux) not installed"; exit 77; }
nobody_uid=$(id -u nobody 2>/dev/null) && nobody_gid=$(id -g nobody 2>/dev/null) ||
	{ echo "SKIP: no nobody user"; exit 77; }
prog=${top_builddir:-.}/tests/secure/secure_prog
[ -x "$prog" ] || { echo "ERROR: $prog is not built" >&2; exit 99; }
conf=/etc/heapguard.conf

# The binary must be where nobody can run it, on a file system that honours
# the set-ID bits: /tmp usually is; /dev/shm and /var/tmp are tried next.
dir=
made_conf=0
cleanup() {
	[ "$made_conf" = 1 ] && rm -rf "$conf"
	[ -n "$dir" ] && rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}


# run MODE: the binary with mode MODE, as nobody, in $dir/out, with the
# environment a hostile user would set; output in $dir/stdout, $dir/stderr.
run() {
	chmod "$1" "$dir/prog"
	(cd "$dir/out" && exec env -i PATH=/usr/bin:/bin \
		HEAPGUARD_OPTIONS="leaks=1:report=$dir/out/evil.%p:verbose=1:log=$dir/out/evil.log:check=1" \
		MALLOC_PERTURB_=90 GLIBC_TUNABLES=glibc.malloc.perturb=90 \
		setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
		timeout 60 "$dir/prog" >"$dir/stdout" 2>"$dir/stderr")
	st=$?
	[ "$st" = 0 ] || fail "mode $1: exited $st: $(head -c 300 "$dir/stderr")"
}

# expect_files WHAT PATTERN...: the files in $dir/out are exactly these
expect_files() {
	what=$1
	shift
	got=$(cd "$dir/out" && ls -A | tr '\n' ' ')
	want=
	for p in "$@"; do
		want="$want$p "
	done
	case $got in
	$want) ;;
	*) fail "$what: files written: '$got', expected '$want'" ;;
	esac
	rm -rf "$dir/out"/* "$dir/out"/.[!.]* 2>/dev/null
}

# expect_stderr WHAT TEXT: stderr is exactly TEXT (a line, or nothing)
expect_stderr() {
	if [ -z "$2" ]; then
		[ -s "$dir/stderr" ] && fail "$1: unexpected stderr: $(head -c 300 "$dir/stderr")"
	else
		printf '%s\n' "$2" | cmp -s - "$dir/stderr" ||
			fail "$1: stderr is '$(head -c 300 "$dir/stderr")', expected '$2'"
	fi
}

for base in /tmp /dev/shm /var/tmp; do
	[ -d "$base" ] || continue
	dir=$(mktemp -d "$base/hg-secure.XXXXXX") || continue
	chmod 755 "$dir"
	mkdir "$dir/out" && chmod 1777 "$dir/out"
	cp "$prog" "$dir/prog" && chown 0:0 "$dir/prog"
	run 4755
	grep -q '^secure=1 ' "$dir/stdout" && break
	rm -rf "$dir"
	dir=
done
[ -n "$dir" ] || { echo "SKIP: no file system here honours set-user-ID bits"; exit 77; }
rm -rf "$dir/out"/*

# The control run: no set-ID bit, so the environment applies.
run 0755
grep -q '^secure=0 euid='"$nobody_uid"' .* perturbed=1$' "$dir/stdout" ||
	fail "control: $(cat "$dir/stdout")"
grep -q '^heapguard: verbose = 1 (HEAPGUARD_OPTIONS)$' "$dir/stderr" ||
	fail "control: no verbose listing: $(head -c 300 "$dir/stderr")"
# The program leaks 77 bytes: the summary line goes to stderr and to log=.
summary="heapguard: lost 77 bytes in 1 block at 1 site: heapguard-report $dir/out/evil\.[0-9]*\.leaks\.gz; fragmentation: $dir/out/evil\.[0-9]*\.frag\.gz"
grep -q "^$summary\$" "$dir/stderr" ||
	fail "control: no leak summary on stderr: $(tail -c 300 "$dir/stderr")"
grep -q "^$summary\$" "$dir/out/evil.log" ||
	fail "control: no leak summary in log=: $(tail -c 300 "$dir/out/evil.log")"
expect_files control 'evil.[0-9]*.frag.gz' 'evil.[0-9]*.leaks.gz' evil.log

# Set-user-ID root and set-group-ID root: nothing from the environment,
# nothing written (not even the default report in the working directory).
run 4755
grep -q '^secure=1 euid=0 .* perturbed=0$' "$dir/stdout" || fail "setuid: $(cat "$dir/stdout")"
expect_stderr setuid ''
expect_files setuid
chgrp 0 "$dir/prog"
run 2755
grep -q '^secure=1 euid='"$nobody_uid"' egid=0 perturbed=0$' "$dir/stdout" ||
	fail "setgid: $(cat "$dir/stdout")"
expect_stderr setgid ''
expect_files setgid

if [ -e "$conf" ] || [ -L "$conf" ]; then
	echo "NOTE: $conf exists: its cases are not run"
else
	made_conf=1
	# A good file: comments, blanks and CRLF; the report it asks for is
	# written, the environment is still ignored.
	printf '# heapguard in set-user-ID programs\n\n  leaks=1  \r\nreport=%s/out/conf.%%p\nverbose=1:depth=8:frag=1\n' \
		"$dir" >"$conf"
	chown 0:0 "$conf"
	chmod 644 "$conf"
	run 4755
	grep -q '^secure=1 euid=0 .* perturbed=0$' "$dir/stdout" || fail "conf: $(cat "$dir/stdout")"
	grep -q "^heapguard: verbose = 1 ($conf)\$" "$dir/stderr" ||
		fail "conf: verbose not from $conf: $(head -c 300 "$dir/stderr")"
	grep -q "^heapguard: depth = 8 ($conf)\$" "$dir/stderr" || fail "conf: depth=8 not applied"
	grep -q '^heapguard: glibc.malloc.perturb = 0 (default)$' "$dir/stderr" ||
		fail "conf: MALLOC_PERTURB_ applied"
	grep -q "^heapguard: lost 77 bytes in 1 block at 1 site: heapguard-report $dir/out/conf\.[0-9]*\.leaks\.gz; fragmentation: $dir/out/conf\.[0-9]*\.frag\.gz\$" "$dir/stderr" ||
		fail "conf: no leak summary: $(tail -c 300 "$dir/stderr")"
	expect_files conf 'conf.[0-9]*.frag.gz' 'conf.[0-9]*.leaks.gz'

	why='not owned by root or writable by others than root'
	chmod 664 "$conf"
	run 4755
	expect_stderr "group-writable conf" "heapguard: ignoring $conf: $why"
	expect_files "group-writable conf"
	chmod 646 "$conf"
	run 4755
	expect_stderr "world-writable conf" "heapguard: ignoring $conf: $why"
	expect_files "world-writable conf"
	chmod 644 "$conf"
	chown "$nobody_uid" "$conf"
	run 4755
	expect_stderr "conf owned by nobody" "heapguard: ignoring $conf: $why"
	expect_files "conf owned by nobody"

	mv "$conf" "$dir/good.conf"
	chown 0:0 "$dir/good.conf"
	ln -s "$dir/good.conf" "$conf"
	run 4755
	expect_stderr "conf symlink" "heapguard: ignoring $conf: a symbolic link"
	expect_files "conf symlink"
	rm -f "$conf"

	mkdir "$conf"
	run 4755
	expect_stderr "conf directory" "heapguard: ignoring $conf: not a regular file"
	expect_files "conf directory"
	rmdir "$conf"

	printf 'leaks=1\nreport=%s/out/conf.%%p\nbogus=2\n' "$dir" >"$conf"
	run 4755
	expect_stderr "bad option in conf" \
		"heapguard: ignoring $conf: bad token 'bogus=2' (unknown option)"
	expect_files "bad option in conf"

	{ printf 'leaks=1\n'; awk 'BEGIN { for (i = 0; i < 500; i++) print "# padding" }'; } >"$conf"
	run 4755
	expect_stderr "large conf" "heapguard: ignoring $conf: larger than 4096 bytes"
	expect_files "large conf"
fi

[ "$failures" -eq 0 ] && echo PASS || echo "$failures failures"
[ "$failures" -eq 0 ]
