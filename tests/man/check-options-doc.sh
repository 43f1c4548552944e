#!/bin/sh
# SPDX-License-Identifier: MIT
# Docs can't drift: every option declared in base/options.def must be described
# in heapguard(7) as ".It Cm name", and every man page must be mandoc-lint
# clean down to the STYLE level.  Exit 0 pass, 1 fail, 77 skip (mandoc not
# installed).

if [ -n "${srcdir:-}" ]; then
	top=$srcdir
else
	top=$(cd "$(dirname "$0")/../.." && pwd)
fi
def=$top/base/options.def
page=$top/man/heapguard.7
status=0

if [ ! -r "$def" ] || [ ! -r "$page" ]; then
	echo "check-options-doc: cannot read $def or $page" >&2
	exit 1
fi

names=$(sed -n 's/^HG_OPTION(\([A-Za-z0-9_]*\),.*/\1/p' "$def")
if [ -z "$names" ]; then
	echo "check-options-doc: no HG_OPTION lines in $def" >&2
	exit 1
fi
for name in $names; do
	if ! grep -q "^\.It Cm $name Ns = Ns Ar " "$page"; then
		echo "check-options-doc: option '$name' of base/options.def is not documented in man/heapguard.7" >&2
		status=1
	fi
done

# The launcher's listing comes from the same table; when it is built, its
# names must match too.
launcher=${HEAPGUARD_BIN:-${top_builddir:-.}/heapguard}
if [ -x "$launcher" ]; then
	listed=$("$launcher" --help-options 2>/dev/null |
		awk '$2 ~ /^(int|bool|string|enum|signal)$/ { print $1 }')
	for name in $listed; do
		case " $(echo $names) " in
		*" $name "*) ;;
		*)
			echo "check-options-doc: '$launcher --help-options' lists '$name', not in base/options.def" >&2
			status=1
			;;
		esac
	done
fi

if ! command -v mandoc >/dev/null 2>&1; then
	echo "check-options-doc: mandoc not installed, lint skipped" >&2
	[ "$status" -eq 0 ] && exit 77
	exit "$status"
fi
# Lint at the STYLE level.  mandoc looks up every .Xr in the manual path:
# ours are not installed, so a temporary man path holds them, before the
# host's (the trailing colon).  Pages of other packages are checked where
# the host has the Linux man-pages (malloc(3)); elsewhere they cannot be.
mandir=$(mktemp -d "${TMPDIR:-/tmp}/hg-man.XXXXXX") || exit 99
trap 'rm -rf "$mandir"' EXIT
ours=
for man in "$top"/man/*.[0-9]; do
	[ -e "$man" ] || continue
	base=${man##*/}
	mkdir -p "$mandir/man${base##*.}"
	cp "$man" "$mandir/man${base##*.}/$base"
	ours="$ours ${base%.*} ${base##*.}"
done
others=yes
ls /usr/share/man/man3/malloc.3* >/dev/null 2>&1 || others=no
for man in "$top"/man/*.[0-9]; do
	[ -e "$man" ] || continue
	# outdated-database notes are about the host, not about our pages
	out=$(MANPATH="$mandir:" mandoc -Tlint -Wstyle "$man" 2>&1 | grep -v 'mandoc\.db' |
		awk -v others=$others -v ours="$ours" '
			BEGIN { n = split(ours, o, " "); for (i = 1; i < n; i += 2) mine[o[i] " " o[i + 1]] = 1 }
			/referenced manual not found: Xr / && others == "no" {
				x = $0
				sub(/.*Xr /, "", x)
				sub(/ \(.*/, "", x)
				if (!(x in mine))
					next
			}
			{ print }')
	if [ -n "$out" ]; then
		printf '%s\n' "$out" >&2
		status=1
	fi
	# A quoting macro runs to the end of its line, so one nested in
	# another on the same line quotes too much ("main or "thread""),
	# which the lint does not see: a quote opened inside a quote.
	out=$(mandoc -Tutf8 "$man" 2>/dev/null | sed 's/.\x08//g' |
		LC_ALL=C.UTF-8 grep -nE '‘[^’]*‘|“[^”]*“|""')
	if [ -n "$out" ]; then
		printf '%s: nested quotes in the rendered page:\n%s\n' "$man" "$out" >&2
		status=1
	fi
done
exit "$status"
