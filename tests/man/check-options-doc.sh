#!/bin/sh
# SPDX-License-Identifier: MIT
# Docs can't drift: every option declared in base/options.def must be described
# in heapguard(7) as ".It Cm name", every glibc parameter of base/params.def as
# ".It Li glibc.malloc.name" (", Ev MALLOC_..." too where it has one), the
# launcher's --help-options must list exactly those, and every man page must
# be mandoc-lint clean down to the STYLE level.  Exit 0 pass, 1 fail, 77 skip
# (mandoc not installed).

if [ -n "${srcdir:-}" ]; then
	top=$srcdir
else
	top=$(cd "$(dirname "$0")/../.." && pwd)
fi
def=$top/base/options.def
params_def=$top/base/params.def
page=$top/man/heapguard.7
status=0

if [ ! -r "$def" ] || [ ! -r "$params_def" ] || [ ! -r "$page" ]; then
	echo "check-options-doc: cannot read $def, $params_def or $page" >&2
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

# HG_PARAM(ID, name, "MALLOC_ENV_" or "", ...): one "name env" pair a line.
params=$(sed -n 's/^HG_PARAM([A-Z_]*, *\([a-z_]*\), *"\([A-Z_]*\)",.*/\1 \2/p' "$params_def")
if [ "$(echo "$params" | wc -l)" -ne "$(grep -c '^HG_PARAM(' "$params_def")" ]; then
	echo "check-options-doc: cannot read every HG_PARAM line of $params_def" >&2
	exit 1
fi
param_names=$(echo "$params" | awk '{ print $1 }')
echo "$params" | while read -r name env; do
	want="^\.It Li glibc\.malloc\.$name"
	[ -n "$env" ] && want="$want , Ev $env\$"
	[ -z "$env" ] && want="$want\$"
	if ! grep -q "$want" "$page"; then
		echo "check-options-doc: parameter '$name' of base/params.def is not documented in man/heapguard.7 as '.It Li glibc.malloc.$name${env:+ , Ev $env}'" >&2
		exit 1
	fi
done || status=1

# The launcher's listing comes from the same tables; when it is built, its
# names must match too: every option, and every parameter no option of the
# same name hides (check).
launcher=${HEAPGUARD_BIN:-${top_builddir:-.}/heapguard}
if [ -x "$launcher" ]; then
	help=$("$launcher" --help-options 2>/dev/null)
	listed=$(echo "$help" | awk '$2 ~ /^(int|bool|string|enum|signal)$/ { print $1 }')
	[ "$(echo $listed)" = "$(echo $names)" ] || {
		echo "check-options-doc: '$launcher --help-options' lists the options '$(echo $listed)', base/options.def has '$(echo $names)'" >&2
		status=1
	}
	listed=$(echo "$help" | awk '$2 == "number" { print $1 }')
	want=$(for name in $param_names; do
		case " $(echo $names) " in *" $name "*) ;; *) echo "$name" ;; esac
	done)
	[ "$(echo $listed)" = "$(echo $want)" ] || {
		echo "check-options-doc: '$launcher --help-options' lists the parameters '$(echo $listed)', base/params.def has '$(echo $want)'" >&2
		status=1
	}
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
