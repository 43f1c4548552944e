#!/bin/sh
# SPDX-License-Identifier: MIT
# Real programs with every allocation sampled (sample=1; each thread's
# pool slots run out at 256 live blocks, then every free slot is reused
# as soon as it is the oldest): python3, sqlite3, perl and git must give
# the output and exit status they give on glibc, without a diagnostic,
# and their fragmentation reports must count sampled blocks and reused
# slots.  Then the whole sqlite3 and perl preload tests, sampled.
. "${top_srcdir:-.}/tests/preload/common.sh"
[ -n "$HG_PRELOAD" ] || hg_skip "needs HEAPGUARD_LIB"
export HEAPGUARD_OPTIONS=sample=1:clean_reports=1
fails=0
cd "$HG_TMP" || exit 99

# sampled NAME: the program's reports count sampled blocks and reuses,
# and it printed no diagnostic.
sampled() {
	if grep -q '^heapguard: [a-z-]* of 0x' "$HG_TMP/$1.hg.err"; then
		echo "FAIL: $1: a diagnostic"
		head -5 "$HG_TMP/$1.hg.err"
		fails=$((fails + 1))
	fi
	line=$(for f in "$HG_REPORTS"/*.frag.gz; do zcat "$f"; done | grep '^guard_pages ' |
		awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
		     END { printf "sampled=%d reused=%d", s["sampled"], s["reused"] }')
	case $line in
	sampled=0* | *reused=0 | '')
		echo "FAIL: $1: the reports count no sampled block or no reuse ($line)"
		fails=$((fails + 1))
		;;
	*) echo "ok: $1: $line" ;;
	esac
	rm -f "$HG_REPORTS"/*
}

if command -v python3 >/dev/null 2>&1; then
	PYTHONMALLOC=malloc hg_compare python3 python3 -c '
import json, re, collections
d = {}
for i in range(40000):
    d["k%d" % i] = [i, str(i) * (i % 7), {"x": i}]
s = json.dumps(d, sort_keys=True)
back = json.loads(s)
words = re.findall(r"[a-z]+[0-9]+", s)
c = collections.Counter(w[:2] for w in words)
print(len(s), len(back), len(words), sorted(c.items())[:5])
' || fails=$((fails + 1))
	sampled python3
fi
if command -v sqlite3 >/dev/null 2>&1; then
	awk 'BEGIN { print "CREATE TABLE t (a INTEGER, b TEXT);"; print "BEGIN;"
		for (i = 0; i < 20000; i++) printf "INSERT INTO t VALUES (%d, \"v%d\");\n", i, i * 7
		print "COMMIT;"; print "CREATE INDEX tb ON t(b);"
		print "SELECT count(*), sum(a), max(b) FROM t;"
		print "SELECT a % 10, count(*) FROM t GROUP BY a % 10 ORDER BY 1;" }' >w.sql
	hg_compare sqlite3 sqlite3 -batch :memory: ".read w.sql" || fails=$((fails + 1))
	sampled sqlite3
fi
if command -v perl >/dev/null 2>&1; then
	hg_compare perl perl -e '
my %h; $h{"k$_"} = [$_, "x" x ($_ % 50)] for 1 .. 50000;
my $n = 0; $n += length(join ",", @{$h{$_}}) for sort keys %h;
my @s = sort { $a <=> $b } map { $_ * 3 % 1001 } 1 .. 30000;
print "$n $s[0] $s[-1] ", scalar(keys %h), "\n";' || fails=$((fails + 1))
	sampled perl
fi
if command -v git >/dev/null 2>&1; then
	export HOME="$HG_TMP" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C TZ=UTC
	export GIT_AUTHOR_NAME=hg GIT_AUTHOR_EMAIL=hg@example.org GIT_AUTHOR_DATE='2026-01-01T00:00:00Z'
	export GIT_COMMITTER_NAME=hg GIT_COMMITTER_EMAIL=hg@example.org GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
	cat >git-run.sh <<'SH'
rm -rf repo && git init -q repo && cd repo || exit 1
for i in $(seq 1 30); do
	seq "$i" 400 >"f$((i % 5))"
	git add . && git commit -q -m "commit $i" || exit 1
done
git gc -q && git log --format='%H %s' | head -3 && git fsck && git count-objects | sed 's/, .*//'
SH
	hg_compare git sh git-run.sh || fails=$((fails + 1))
	sampled git
fi

# The existing real-program tests, sampled.
for t in sqlite3 perl; do
	sh "${top_srcdir:-.}/tests/preload/$t.sh" >"$HG_TMP/$t.log" 2>&1
	st=$?
	if [ $st -ne 0 ] && [ $st -ne 77 ]; then
		echo "FAIL: tests/preload/$t.sh with sample=1 (status $st):"
		tail -20 "$HG_TMP/$t.log"
		fails=$((fails + 1))
	else
		echo "ok: tests/preload/$t.sh with sample=1 (status $st)"
	fi
done
[ $fails -eq 0 ] || exit 1
