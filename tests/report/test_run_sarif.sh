#!/bin/sh
# SPDX-License-Identifier: MIT
# heapguard-report --sarif: valid against the SARIF 2.1.0 schema
# (sarif-schema-2.1.0.json, see sarif-schema-2.1.0.md) for a run and for a
# single report; one result per heap error (level error, ruleId its kind)
# and per lost site (ruleId leak, level warning), located at the source
# line; and the same bugs in two runs of two builds of a program (other
# addresses, other pids) keep their fingerprints, while another bug gets
# another.  Exit 77 without python3-jsonschema, a C compiler, readelf or nm.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/report/common.sh"

python3 -c 'import jsonschema' 2>/dev/null || { echo "$0: python3-jsonschema is not installed" >&2; exit 77; }
cc=${CC:-cc}
for tool in "$cc" readelf nm; do
	command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool not found" >&2; exit 77; }
done
schema=$top/tests/report/sarif-schema-2.1.0.json

# build NAME EXTRA: a program whose leak and double free are in functions
# of their own; EXTRA code before them moves every address.
build() {
	{
		echo '#include <stdlib.h>'
		echo "$2"
		cat <<'EOF2'
__attribute__((noinline)) void *leak_here(size_t n)
{
	return malloc(n);
}

__attribute__((noinline)) void free_twice(void *p)
{
	free(p);
}

__attribute__((noinline)) void *leak_elsewhere(size_t n)
{
	return calloc(1, n);
}

int main(void)
{
	return leak_here(1) == leak_elsewhere(1);
}
EOF2
	} >"$tmp/$1.c"
	mkdir -p "$tmp/$1"
	cp "$tmp/$1.c" "$tmp/$1/prog.c"
	"$cc" -g -O0 -fPIE -pie -o "$tmp/$1/prog" "$tmp/$1/prog.c" || { echo "$0: cannot build $1" >&2; exit 77; }
}

# at PROGRAM FUNCTION: an offset 8 bytes into the function, as a return address.
at() {
	printf '0x%x' $((0x$(nm "$1" | awk -v f="$2" '$3 == f { print $1 }') + 8))
}

# report PROGRAM PID OUT: a format 3 report of one process of PROGRAM.
report() {
	id=$(readelf -n "$1" | sed -n 's/.*Build ID: *//p')
	[ -n "$id" ] || { echo "$0: $1 has no build id" >&2; exit 77; }
	printf '%s\n' 'heapguard-leaks 3' 'version 0.1.0' "program $1" "pid $2" 'ppid 1' \
		'time 1795760000 2026-11-27T06:13:20Z' 'level full' 'status 0' 'arg 0 prog' \
		'option level default full' "module 0 0x55d0c0$2000 $id $1" \
		"stack 1 0+$(at "$1" leak_here) 0+$(at "$1" main)" \
		"stack 2 0+$(at "$1" free_twice) 0+$(at "$1" main)" \
		"stack 3 0+$(at "$1" leak_elsewhere) 0+$(at "$1" main)" \
		'errors 1 1' "error double-free 0x55d0c0e012a0 2 1 2 double-free: free(0x55d0c0e012a0) of a block already freed" \
		'site lost 1 1 10 10 10 1' 'site lost 3 1 7 7 7 1' 'totals 17 2 0 0 0 0' 'suppressed 0 0' 'end 2 3' |
		gzip -c >"$3"
}

build one ''
build two 'int unrelated(int x) { return x * 3; } int more(int x) { return unrelated(x) + 1; }'
[ "$(at "$tmp/one/prog" leak_here)" != "$(at "$tmp/two/prog" leak_here)" ] || fail "the two builds did not move leak_here"
mkdir "$tmp/run1" "$tmp/run2"
report "$tmp/one/prog" 1000 "$tmp/run1/one.1000.1.leaks.gz"
report "$tmp/one/prog" 1001 "$tmp/run1/one.1001.1.leaks.gz"
report "$tmp/two/prog" 2000 "$tmp/run2/two.2000.1.leaks.gz"

# valid FILE: FILE is SARIF 2.1.0 by the schema, formats checked.
valid() {
	python3 - "$schema" "$1" <<'PY' || fail "$1 is not valid SARIF 2.1.0"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
try:
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
except jsonschema.ValidationError as e:
    print("%s: %s at %s" % (sys.argv[2], e.message, list(e.absolute_path)), file=sys.stderr)
    sys.exit(1)
PY
}

run 1 --sarif "$tmp/run1"
valid "$tmp/out"
cp "$tmp/out" "$tmp/run1.sarif"
json 'j["version"] == "2.1.0" and len(j["runs"]) == 1' \
	'[(r["ruleId"], r["level"]) for r in j["runs"][0]["results"]] == [("double-free", "error"), ("double-free", "error"), ("leak", "warning"), ("leak", "warning")]' \
	'j["runs"][0]["results"][2]["properties"]["processes"] == 2' \
	'j["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/one/prog.c")' \
	'j["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4' \
	'j["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 9' \
	'[f["location"]["logicalLocations"][0]["name"] for f in j["runs"][0]["results"][2]["stacks"][0]["frames"]] == ["leak_here", "main"]' \
	'len(j["runs"][0]["results"][0]["stacks"]) == 3' \
	'{r["id"] for r in j["runs"][0]["tool"]["driver"]["rules"]} == {"leak", "double-free"}'
run 1 --sarif "$tmp/run2"
valid "$tmp/out"
cp "$tmp/out" "$tmp/run2.sarif"
run 1 --sarif --no-symbols "$tmp/run2/two.2000.1.leaks.gz"
valid "$tmp/out"

# Fingerprints: by rule and function, equal across the runs and builds.
python3 - "$tmp/run1.sarif" "$tmp/run2.sarif" <<'PY' || fail "fingerprints are not stable across runs"
import json, sys
def prints(path):
    out = {}
    for r in json.load(open(path))["runs"][0]["results"]:
        name = r["stacks"][0]["frames"][0]["location"]["logicalLocations"][0]["name"]
        out.setdefault((r["ruleId"], name), set()).add(r["partialFingerprints"]["heapguardStack/v1"])
    return out
one, two = prints(sys.argv[1]), prints(sys.argv[2])
assert set(one) == {("double-free", "free_twice"), ("leak", "leak_here"), ("leak", "leak_elsewhere")}, one
assert one == two, (one, two)
assert all(len(v) == 1 for v in one.values()), one
assert len({next(iter(v)) for v in one.values()}) == 3, one
PY

finish
