#!/bin/sh
# SPDX-License-Identifier: MIT
# Docs can't drift: every option declared in base/options.def must be described
# in heapguard(7) as ".It Cm name", and every man page must be mandoc-lint
# clean.  Exit 0 pass, 1 fail, 77 skip (mandoc not installed).

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
		awk '$2 == "int" || $2 == "bool" || $2 == "string" || $2 == "enum" { print $1 }')
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
for man in "$top"/man/*.[0-9]; do
	[ -e "$man" ] || continue
	# outdated-database notes are about the host, not about our pages
	out=$(mandoc -Tlint -Wwarning "$man" 2>&1 | grep -v 'mandoc\.db')
	if [ -n "$out" ]; then
		printf '%s\n' "$out" >&2
		status=1
	fi
done
exit "$status"
