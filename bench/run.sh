#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# heapguard's benchmark harness: every workload under glibc and under each
# contender that is installed, paired and alternated (glibc, contender,
# glibc, contender, ...: one warm-up pair, then N measured pairs), printed
# as Markdown:
#   1. per workload and contender, the median and min-max over the pairs of
#      the contender's wall time and peak RSS divided by glibc's;
#   2. the micro workloads' cost per operation (ns per malloc+free, from the
#      workload's own clock around its loop, so start-up and exit are out);
#   3. the exit report: level=full with and without the leak report, on a
#      process with 1,000,000 live blocks from 10,000 stacks;
#   4. the seed loop's brk/mmap/munmap calls (tests/sys/test_syscalls.sh).
# Results are never asserted here.
#
# Usage: bench/run.sh [--quick | --full | --qa | --smoke] [--pairs N] [--only W,...]
#                     [--contenders C,...] [--no-extras]
#   --quick       smaller workloads, 5 pairs (`make bench`, < 10 minutes on 2 cores)
#   --full        the full workloads, 7 pairs (`make bench-full`)
#   --qa          issue 13's table (`make bench-qa`, about 6 minutes): real
#                 programs and test runners of a QA run (bench/qa.sh), the CPU
#                 time of their whole process tree, 3 pairs, no extras, with
#                 reports off (-quiet) and inside a QA run (-run)
#   --smoke       the seed loop at 1,000 iterations, 2 pairs, no extras (make check)
#   --only        workloads by name; --contenders: contenders by name
#                 (heapguard-fast-nosample and heapguard-full-nosample,
#                 sample=0, run only when named)
#   --no-extras   skip sections 3 and 4
# Environment: HEAPGUARD_LIB (libheapguard.so, required), BENCH_DIR (the
# built workloads and bench/measure), top_srcdir (the source tree),
# top_builddir, HEAPGUARD_BIN (the launcher, for the system-call script),
# TMPDIR (the scratch directory goes there and is removed at exit),
# BENCH_PYTHON (default /usr/bin/python3 when there is one, else python3),
# BENCH_RUN_TIMEOUT (seconds one run may take before it is killed and its
# contender's row says "failed": 300 quick, 1800 full).
set -euo pipefail

mode=quick pairs='' only='' pick='' extras=1
skipped=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	--qa) mode=qa ;;
	--smoke) mode=smoke ;;
	--pairs) pairs=$2; shift ;;
	--only) only=$2; shift ;;
	--contenders) pick=$2; shift ;;
	--no-extras) extras=0 ;;
	*) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
	esac
	shift
done
case $mode in
quick) pairs=${pairs:-5} run_limit=300 ;;
full) pairs=${pairs:-7} run_limit=1800 ;;
qa) pairs=${pairs:-3} extras=0 run_limit=300 ;;
smoke) pairs=${pairs:-2} extras=0 run_limit=300 ;;
esac
# A contender that hangs (heaptrack's subshells have, in a fork child of
# bash) must not hang the whole run.
run_limit=${BENCH_RUN_TIMEOUT:-$run_limit}

hg_lib=${HEAPGUARD_LIB:?set HEAPGUARD_LIB to libheapguard.so}
[ -f "$hg_lib" ] || { echo "bench: HEAPGUARD_LIB=$hg_lib does not exist" >&2; exit 2; }
bin=${BENCH_DIR:-bench}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
measure=$bin/measure
[ -x "$measure" ] || { echo "bench: $measure is not built (make bench builds it)" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hg-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
reports=$scratch/reports
mkdir "$reports" "$scratch/heaptrack"

say() { printf 'bench: %s\n' "$*" >&2; }

# measured ARGS...: bench/measure ARGS, killed with its whole process group
# (timeout(1) makes one) after run_limit seconds; status 124 or 137 then.
measured() { timeout -k 10 "$run_limit" "$measure" "$@"; }

# The system's python3: a version manager's python3 in PATH (pyenv's shim)
# is a shell script that runs more programs before the interpreter, and
# they would be timed too.
python=${BENCH_PYTHON:-python3}
[ -n "${BENCH_PYTHON:-}" ] || [ ! -x /usr/bin/python3 ] || python=/usr/bin/python3

# listed NAME LIST: NAME is in the comma-separated LIST, or LIST is empty
listed() { [ -z "$2" ] || case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# The workloads: name|kind|valgrind|quick command|full command.  kind micro:
# ours, which print their operation count; real: real programs.  valgrind
# "v": small enough for memcheck.  Commands are split on spaces.
workloads=(
	"churn|micro||$bin/churn 2000000 20000|$bin/churn 20000000 20000"
	"xthread|micro||$bin/xthread 4 250000|$bin/xthread 4 2000000"
	"prodcons|micro||$bin/prodcons 2 2 250000|$bin/prodcons 2 2 2000000"
	"regrow|micro||$bin/regrow 500000|$bin/regrow 2000000"
	"short-threads|micro||$bin/short_threads 1000|$bin/short_threads 10000"
	"seed-loop|micro|v|$bin/seedloop 1000000|$bin/seedloop 1000000"
	"swiss|micro||$bin/swiss 100000 200000|$bin/swiss 300000 2000000"
	"python3|real||$python $srcdir/bench/python_parts.py $srcdir/tests/preload grow_shrink big_blocks json_regex|$python $srcdir/tests/preload/alloc_heavy.py"
	"sqlite3|real||sqlite3 -batch :memory: .read@$scratch/small.sql|sqlite3 -batch :memory: .read@$scratch/big.sql"
	"gcc|real||gcc -O1 -c $scratch/small.c -o $scratch/out.o|gcc -O1 -c $scratch/big.c -o $scratch/out.o"
)
# ---- startup block (issue 13): the cost of a short process ----
# exec-loop: /bin/true started 2,000 (quick) or 10,000 (full) times in a
# row by bench/execloop (posix_spawn, which does not fork the heap), every
# child under the contender; an operation is one process, start-up and
# exit included.
[ -x /bin/true ] && workloads+=(
	"exec-loop|micro||$bin/execloop 2000 /bin/true|$bin/execloop 10000 /bin/true"
)
# bash-script: bench/script.sh, rounds of $(...) subshells (bash forks its
# heap for each), pipes and short commands; every process of the tree
# under the contender.
workloads+=(
	"bash-script|real||bash $srcdir/bench/script.sh 100|bash $srcdir/bench/script.sh 1000"
)
# ---- end of the startup block ----
[ $mode = smoke ] && workloads=("seed-loop|micro|v|$bin/seedloop 1000|$bin/seedloop 1000")
contenders=(heapguard-fast heapguard-full jemalloc tcmalloc mimalloc scudo malloc-check
	heaptrack jemalloc-prof valgrind)
# --qa: the rows of issue 13's table, each a QA run's kind of process tree
# (bench/qa.sh runs the ones that are not a single command); heapguard
# with reports off, so that the checks alone are timed, and in a run
# directory, as a QA run has it.
qa_script="bash $srcdir/bench/qa.sh"
if [ $mode = qa ]; then
	export BENCH_PYTHON=$python	# regrtest runs the python3 the others do
	workloads=(
		"regrtest|real||$qa_script regrtest $scratch/qa|"
		"apt-cache|real||$qa_script apt-cache $scratch/qa|"
		"perl-threads|real||$qa_script perl-threads $scratch/qa|"
		"sqlite3|real||sqlite3 -batch :memory: .read@$scratch/small.sql|"
		"gcc|real||gcc -O1 -c $scratch/small.c -o $scratch/out.o|"
		"clang|real||clang -O1 -c $scratch/small.c -o $scratch/out.o|"
		"perl|real||$qa_script perl $scratch/qa|"
		"make|real||$qa_script make $scratch/qa|"
		"glib-tests|real||$qa_script glib-tests $scratch/qa|"
		"bash-script|real||bash $srcdir/bench/script.sh 100|"
	)
	contenders=(heapguard-fast-quiet heapguard-full-quiet)
fi

# find_library FILE: the path of an installed shared library, or nothing
find_library() {
	local d listing
	# Not a pipe into awk: its early exit would fail the pipe (pipefail).
	listing=$(/sbin/ldconfig -p 2>/dev/null || true)
	d=$(awk -v n="$1" '$1 == n { print $NF; exit }' <<<"$listing")
	[ -n "$d" ] && [ -f "$d" ] && { echo "$d"; return 0; }
	for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
		[ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

declare -A lib
lib[jemalloc]=$(find_library libjemalloc.so.2 || true)
lib[tcmalloc]=$(find_library libtcmalloc_minimal.so.4 || true)
lib[mimalloc]=$(find_library libmimalloc.so.2 || true)
lib[malloc-check]=$(find_library libc_malloc_debug.so.0 || true)
# Scudo standalone ships with clang's runtime, outside the library path.
lib[scudo]=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.scudo_standalone-"$(uname -m)".so 2>/dev/null |
	sort -V | tail -n 1 || true)

# set_contender NAME: RUN_OPTS (options of bench/measure) and RUN_WRAP (a
# command the workload runs under) for one contender; glibc has neither.
set_contender() {
	RUN_OPTS=() RUN_WRAP=()
	local hg="report=$reports/hg.%e.%p"
	case $1 in
	glibc) ;;
	heapguard-fast) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=fast:$hg") ;;
	heapguard-full) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=full:depth=16:$hg") ;;
	heapguard-fast-quiet) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=fast:report=off") ;;
	heapguard-full-quiet) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=full:depth=16:report=off") ;;
	heapguard-full-noleaks) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=full:depth=16:leaks=0:$hg") ;;
	# Inside a QA run: every process leaves its record in the run directory
	# (the startup block's workloads run these too).
	heapguard-fast-run) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=fast:run_dir=$scratch/run-dir") ;;
	heapguard-full-run) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=full:depth=16:run_dir=$scratch/run-dir") ;;
	# The default's sampled guard pages (sample=) left out: their cost is
	# the ratio of heapguard-fast (or -full) to these.
	heapguard-fast-nosample) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=fast:sample=0:$hg") ;;
	heapguard-full-nosample) RUN_OPTS=(-p "$hg_lib" -e "HEAPGUARD_OPTIONS=level=full:depth=16:sample=0:$hg") ;;
	jemalloc | tcmalloc | mimalloc | scudo) RUN_OPTS=(-p "${lib[$1]}") ;;
	malloc-check) RUN_OPTS=(-p "${lib[$1]}" -e MALLOC_CHECK_=3) ;;
	jemalloc-prof) RUN_OPTS=(-p "${lib[jemalloc]}" -e MALLOC_CONF=prof:true,lg_prof_sample:0) ;;
	heaptrack) RUN_WRAP=(heaptrack -o "$scratch/heaptrack/run") ;;
	valgrind) RUN_WRAP=(valgrind --tool=memcheck -q --leak-check=full) ;;
	*) return 1 ;;
	esac
}

# missing NAME: why contender NAME cannot run here, or nothing if it can
missing() {
	case $1 in
	heapguard-*) ;;
	jemalloc | tcmalloc | mimalloc | scudo | malloc-check)
		[ -n "${lib[$1]}" ] || { echo "not installed"; return; } ;;
	jemalloc-prof)
		[ -n "${lib[jemalloc]}" ] || { echo "jemalloc not installed"; return; } ;;
	heaptrack | valgrind)
		command -v "$1" >/dev/null 2>&1 || { echo "not installed"; return; } ;;
	esac
	# A library that does not load, or a jemalloc without --enable-prof
	# (it warns "Invalid conf pair: prof:true"), is skipped too.
	set_contender "$1"
	if ! measured -o "$scratch/probe" "${RUN_OPTS[@]}" -- "${RUN_WRAP[@]}" "$bin/seedloop" 10 >/dev/null ||
		grep -q 'cannot be preloaded' "$scratch/probe"; then
		echo "does not run: $(head -c 200 "$scratch/probe" | tr '\n' ' ')"
	elif grep -q 'Invalid conf' "$scratch/probe"; then
		echo "jemalloc was built without profiling (--enable-prof)"
	fi
	clean_run
}

clean_run() { rm -rf "${reports:?}"/* "$scratch"/heaptrack/* "$scratch/run-dir"; }

# Run only when named with --contenders: sample=0 beside the defaults.
optional=(heapguard-fast-nosample heapguard-full-nosample)
# Run on the startup block's workloads (exec-loop, bash-script) beside the
# others, unless --contenders leaves them out.
in_run=()
for c in heapguard-fast-run heapguard-full-run; do
	[ -z "$pick" ] || listed "$c" "$pick" && in_run+=("$c")
done
active=()
all_contenders=$(IFS=,; echo "${contenders[*]}")
for c in "${contenders[@]}" "${optional[@]}"; do
	if [ -z "$pick" ]; then
		listed "$c" "$all_contenders" || continue
	fi
	listed "$c" "$pick" || continue
	why=$(missing "$c")
	if [ -n "$why" ]; then
		say "skipping $c: $why"
		skipped+=("$c ($why)")
	else
		active+=("$c")
	fi
done
[ ${#active[@]} -gt 0 ] || { say "no contender to run"; exit 1; }

# The real programs' inputs: SQL for sqlite3 and a large C file for gcc.
gen_sql() {
	awk -v n="$1" 'BEGIN {
		srand(7)
		print "CREATE TABLE item (id INTEGER PRIMARY KEY, owner INTEGER, name TEXT, body TEXT, price REAL);"
		print "CREATE TABLE owner (id INTEGER PRIMARY KEY, city TEXT, score REAL);"
		print "BEGIN;"
		for (i = 1; i <= n / 10; i++)
			printf "INSERT INTO owner VALUES (%d, \"city%03d\", %.2f);\n", i, int(rand() * 300), rand() * 100
		for (i = 1; i <= n; i++) {
			body = ""
			for (j = int(rand() * 12); j > 0; j--) body = body "word" int(rand() * 5000) " "
			printf "INSERT INTO item VALUES (%d, %d, \"item%06d\", \"%s\", %.2f);\n", i, 1 + int(rand() * n / 10), i, body, rand() * 1000
		}
		print "COMMIT;"
		print "CREATE INDEX item_owner ON item(owner);"
		print "CREATE INDEX item_price ON item(price, name);"
		print "SELECT o.city, count(*), round(sum(i.price), 2) FROM item i JOIN owner o ON o.id = i.owner GROUP BY o.city ORDER BY 3 DESC LIMIT 20;"
		print "SELECT owner, name, rank() OVER (PARTITION BY owner ORDER BY price DESC) FROM item WHERE owner < 200 ORDER BY 1, 3;"
		print "SELECT length(group_concat(body, \"|\")) FROM item;"
		print "UPDATE item SET body = body || upper(body) WHERE price > 500;"
		print "DELETE FROM item WHERE id % 4 = 0;"
		print "SELECT count(*), sum(length(body)) FROM item;"
		print "VACUUM;"
	}' >"$2"
}
gen_c() {
	awk -v n="$1" 'BEGIN {
		print "struct rec { long a, b; int kind; char label[16]; };"
		print "extern long ext(long);"
		for (i = 0; i < n; i++) {
			printf "long g%d(struct rec *r, int n)\n{\n\tlong s = %d;\n", i, i
			printf "\tfor (int k = 0; k < n; k++)\n\t\ts += r[k].a * %d - r[k].b / (r[k].kind | 1);\n", i % 17 + 1
			printf "\tswitch (n %% %d) {\n", i % 9 + 2
			for (c = 0; c < i % 6 + 2; c++)
				printf "\tcase %d: s ^= %d; s += ext(s); break;\n", c, i * 37 + c
			printf "\tdefault: s = ext(s);\n\t}\n"
			if (i > 0)
				printf "\tif (s & 3)\n\t\ts += g%d(r + 1, n - 1);\n", (i * 7907) % i
			printf "\treturn s;\n}\n"
		}
	}' >"$2"
}

# run_one CONTENDER COMMAND...: one measured run; prints
# "wall_s peak_kib end_ns operations loop_ns exit_at_ns cpu_s" (0 where the
# workload prints nothing), or fails after showing the end of its output.
run_one() {
	set_contender "$1"
	shift
	local line ops ns at cpu st=0
	line=$(measured -o "$scratch/out" "${RUN_OPTS[@]}" -- "${RUN_WRAP[@]}" "$@") || st=$?
	if [ "$st" -ne 0 ]; then
		if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
			say "failed: $* (killed after ${run_limit} s)"
		else
			say "failed: $* ($(tail -n 3 "$scratch/out" | tr '\n' ' '))"
		fi
		clean_run
		return 1
	fi
	clean_run
	ops=$(sed -n 's/^bench: operations=\([0-9]*\) ns=.*/\1/p' "$scratch/out" | tail -n 1)
	ns=$(sed -n 's/^bench: operations=[0-9]* ns=\([0-9]*\)$/\1/p' "$scratch/out" | tail -n 1)
	at=$(sed -n 's/^bench: exit_at=\([0-9]*\)$/\1/p' "$scratch/out" | tail -n 1)
	cpu=${line##* } line=${line% *}	# measure's fourth field goes last
	echo "$line ${ops:-0} ${ns:-0} ${at:-0} $cpu"
}

# run_pairs A B COMMAND...: a warm-up pair, then $pairs pairs A B A B ...,
# measurements in $scratch/A and $scratch/B, line by line.
run_pairs() {
	local a=$1 b=$2 i
	shift 2
	run_one "$a" "$@" >/dev/null && run_one "$b" "$@" >/dev/null || return 1
	: >"$scratch/A"
	: >"$scratch/B"
	for ((i = 0; i < pairs; i++)); do
		run_one "$a" "$@" >>"$scratch/A" || return 1
		run_one "$b" "$@" >>"$scratch/B" || return 1
	done
}

# stats: "median (min–max)" of the numbers on stdin, FORMAT-ed
stats() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf f " (" f "–" f ")\n", m, v[1], v[NR]
		}'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

command_of() { # the workload's command for this mode, .read@FILE -> ".read FILE"
	local w=$1 quick full
	IFS='|' read -r _ _ _ quick full <<<"$w"
	if [ $mode = full ]; then echo "$full"; else echo "$quick"; fi
}

declare -A perop       # "workload contender" -> median ns per operation
declare -A summary     # "workload contender" -> "time ratio / RSS ratio" medians
worklist=()
declare -A glibc_ns    # workload -> the ns/op of all its glibc runs, one per line
microlist=()
sections_start=$SECONDS

echo "## heapguard benchmarks ($mode mode, $pairs pairs after a warm-up pair each)"
echo
echo "Machine: $(nproc) cores, $(uname -sr), $(ldd --version 2>/dev/null | head -n 1 | sed 's/^ldd //')."
echo "Contenders: ${active[*]}${in_run[*]:+ ${in_run[*]}}."
if [ ${#skipped[@]} -gt 0 ] 2>/dev/null; then
	echo "Skipped: $(printf '%s; ' "${skipped[@]}" | sed 's/; $//')."
fi
echo
echo "Ratios are contender / glibc of the same pair: median (min–max) over the pairs."

# The ratio table's header, before its first row.
table_started=0
start_table() {
	[ $table_started = 1 ] && return
	table_started=1
	echo
	echo "| workload | contender | time ratio | CPU ratio | peak RSS ratio | glibc s | contender s | glibc CPU s | contender CPU s | glibc MiB | contender MiB |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
}

if [ $mode = qa ]; then
	mkdir "$scratch/qa"
	$qa_script prepare "$scratch/qa"
fi
for w in "${workloads[@]}"; do
	IFS='|' read -r name kind small _ _ <<<"$w"
	listed "$name" "$only" || continue
	read -r -a cmd <<<"$(command_of "$w")"
	cmd=("${cmd[@]/#.read@/.read }")
	case $name in
	python3) command -v "$python" >/dev/null || { say "skipping python3: not installed"; continue; } ;;
	sqlite3)
		command -v sqlite3 >/dev/null || { say "skipping sqlite3: not installed"; continue; }
		gen_sql 20000 "$scratch/small.sql"
		gen_sql 80000 "$scratch/big.sql" ;;
	gcc | clang)
		command -v "$name" >/dev/null || { say "skipping $name: not installed"; continue; }
		gen_c 60 "$scratch/small.c"
		gen_c 400 "$scratch/big.c" ;;
	esac
	# A workload of bench/qa.sh that cannot run here says why (status 77).
	if [ $mode = qa ] && [ "${cmd[1]:-}" = "$srcdir/bench/qa.sh" ] &&
		! QA_CHECK_ONLY=1 "${cmd[@]}" >/dev/null 2>"$scratch/out"; then
		say "skipping $name: $(tail -n 1 "$scratch/out")"
		start_table
		echo "| $name | all | skipped: $(tail -n 1 "$scratch/out") | | | | | | | | |"
		continue
	fi
	[ "$kind" = micro ] && microlist+=("$name")
	worklist+=("$name")
	these=("${active[@]}")
	case $mode:$name in *:exec-loop | *:bash-script | qa:*) these+=("${in_run[@]}") ;; esac
	for c in "${these[@]}"; do
		# memcheck runs the smallest workloads only: it is 20-100x slower.
		[ "$c" = valgrind ] && [ "$small" != v ] && continue
		say "$name: glibc vs $c ($((SECONDS - sections_start)) s so far)"
		start_table
		if ! run_pairs glibc "$c" "${cmd[@]}"; then
			echo "| $name | $c | failed | | | | | | | | |"
			continue
		fi
		paste -d' ' "$scratch/A" "$scratch/B" >"$scratch/AB"
		t=$(awk '{ print $8 / $1 }' "$scratch/AB" | stats %.2f)
		r=$(awk '{ print $9 / $2 }' "$scratch/AB" | stats %.2f)
		u=$(awk '{ print $14 / ($7 > 0 ? $7 : 0.0001) }' "$scratch/AB" | stats %.2f)
		ga=$(cut -d' ' -f1 "$scratch/A" | median)
		gb=$(cut -d' ' -f1 "$scratch/B" | median)
		ra=$(cut -d' ' -f2 "$scratch/A" | median)
		rb=$(cut -d' ' -f2 "$scratch/B" | median)
		ua=$(cut -d' ' -f7 "$scratch/A" | median)
		ub=$(cut -d' ' -f7 "$scratch/B" | median)
		printf '| %s | %s | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f |\n' "$name" "$c" "$t" "$u" "$r" \
			"$ga" "$gb" "$ua" "$ub" "$(awk "BEGIN { print $ra / 1024 }")" "$(awk "BEGIN { print $rb / 1024 }")"
		# --qa's table is of CPU time (its trees run processes in parallel).
		if [ $mode = qa ]; then
			summary["$name $c"]="${u%% *} / ${r%% *}"
		else
			summary["$name $c"]="${t%% *} / ${r%% *}"
		fi
		if [ "$kind" = micro ]; then
			perop["$name $c"]=$(awk '$4 > 0 { print $5 / $4 }' "$scratch/B" | median)
			glibc_ns[$name]+=$(awk '$4 > 0 { print $5 / $4 }' "$scratch/A")$'\n'
		fi
	done
done

if [ $table_started = 1 ]; then
	echo
	echo "Peak RSS is the largest of the process tree's (wait4): heaptrack's and"
	echo "valgrind's own processes count.  heaptrack removes itself from the"
	echo "LD_PRELOAD of child processes, so under gcc it traces the driver only,"
	echo "not cc1 and as; the other contenders run in every process."
fi

if [ $table_started = 1 ]; then
	echo
	if [ $mode = qa ]; then
		echo "In short: the median CPU-time ratio (the whole process tree's user and"
		echo "system time) / peak-RSS ratio against glibc."
	else
		echo "In short: the median time ratio / peak-RSS ratio against glibc."
	fi
	echo
	header="| workload |" rule="|---|"
	for c in "${active[@]}" "${in_run[@]}"; do header+=" $c |" rule+="---|"; done
	echo "$header"
	echo "$rule"
	for name in "${worklist[@]}"; do
		row="| $name |"
		for c in "${active[@]}" "${in_run[@]}"; do row+=" ${summary["$name $c"]:--} |"; done
		echo "$row"
	done
	if [ ${#in_run[@]} -gt 0 ]; then
		echo
		echo "The -run contenders are heapguard inside a QA run (run_dir=): every"
		echo "process appends its record to the run's journal, and its reports"
		if [ $mode = qa ]; then
			echo "go there."
		else
			echo "go there; they run the startup block's workloads only."
		fi
	fi
fi

if [ ${#microlist[@]} -gt 0 ]; then
	echo
	echo "Cost per operation of the micro workloads, in ns (median over the runs;"
	echo "an operation is a malloc and its free, or a realloc; the workload's own"
	echo "clock around its loop, so process start-up and exit are not in it):"
	echo
	header="| workload | glibc |" rule="|---|---|"
	for c in "${active[@]}" "${in_run[@]}"; do header+=" $c |" rule+="---|"; done
	echo "$header"
	echo "$rule"
	for name in "${microlist[@]}"; do
		row="| $name | $(printf '%s' "${glibc_ns[$name]:-}" | median | xargs printf '%.1f') |"
		for c in "${active[@]}" "${in_run[@]}"; do
			v=${perop["$name $c"]:-}
			if [ -n "$v" ]; then row+=" $(printf '%.1f' "$v") |"; else row+=" - |"; fi
		done
		echo "$row"
	done
fi

if [ $extras = 1 ] && listed exit-report "$only"; then
	echo
	echo "### Writing the reports at exit"
	echo
	echo "bench/exit_report: 1,000,000 blocks live at exit from 10,000 stacks, half of"
	echo "them lost; exit time = reaped minus main's return (median (min–max) over"
	echo "the runs), level=full depth=16 with the leak report and with leaks=0:"
	echo
	say "exit report: heapguard-full vs heapguard-full-noleaks"
	# One run that keeps its report, for its size.
	set_contender heapguard-full
	measured -o "$scratch/out" "${RUN_OPTS[@]}" -- "$bin/exit_report" >/dev/null || true
	size=$(cat "$reports"/*.leaks.gz 2>/dev/null | wc -c)
	clean_run
	if run_pairs heapguard-full heapguard-full-noleaks "$bin/exit_report"; then
		with=$(awk '$6 > 0 { print ($3 - $6) / 1e9 }' "$scratch/A" | stats %.3f)
		without=$(awk '$6 > 0 { print ($3 - $6) / 1e9 }' "$scratch/B" | stats %.3f)
		report=$(paste -d' ' "$scratch/A" "$scratch/B" | awk '{ print (($3 - $6) - ($10 - $13)) / 1e9 }' | stats %.3f)
		echo "| | exit s | whole run s |"
		echo "|---|---|---|"
		echo "| leaks=1 | $with | $(cut -d' ' -f1 "$scratch/A" | stats %.3f) |"
		echo "| leaks=0 | $without | $(cut -d' ' -f1 "$scratch/B" | stats %.3f) |"
		echo
		echo "Writing the report: $report s (pairwise difference; goal: under 2 s); the report is $size bytes."
	else
		echo "failed"
	fi
fi

if [ $extras = 1 ] && listed syscalls "$only"; then
	echo
	echo "### System calls of the seed loop"
	echo
	echo "brk/mmap/munmap/mremap calls of 1,000,000 x malloc(100)/free against one"
	echo "(tests/sys/test_syscalls.sh, strace -f -c; heapguard's goal: at most 10 more):"
	echo
	others="glibc= "
	for c in jemalloc tcmalloc mimalloc scudo; do
		[ -n "${lib[$c]}" ] && others+="$c=${lib[$c]} "
	done
	say "system calls (strace)"
	if HG_SYSCALLS_SIZES=100 HG_SYSCALLS_OTHERS="$others" HEAPGUARD_LIB="$hg_lib" \
		sh "$srcdir/tests/sys/test_syscalls.sh" >"$scratch/sys" 2>&1; then
		verdict="heapguard within the limit"
	else
		verdict="status $? (77: skipped, 1: over the limit)"
	fi
	echo "| allocator | 1 pair | 1,000,000 pairs | extra |"
	echo "|---|---|---|---|"
	sed -n 's/^\([^ ]*\) size=100: N=1 -> \([0-9]*\) calls, N=1000000 -> \([0-9]*\) calls.*/\1 \2 \3/p' "$scratch/sys" |
		awk '{
			name = $1
			sub(/^HG_MODE=default$/, "heapguard, default options", name)
			sub(/^MALLOC_PERTURB_=165$/, "heapguard with MALLOC_PERTURB_", name)
			sub(/^HEAPGUARD_OPTIONS=/, "heapguard ", name)
			printf "| %s | %d | %d | %d |\n", name, $2, $3, $3 - $2
		}'
	echo
	echo "tests/sys/test_syscalls.sh: $verdict."
	grep -E '^(SKIP|FAIL)' "$scratch/sys" || true
fi
# ---- fork-child exit (issue 13): bench/forkexit ----
# An extra section (skipped by --no-extras; --only fork-exit runs it alone).
# A parent holding many blocks forks children one after the other; each
# child's fork -> waitpid time and CPU time (its exit's work) are medians
# of the children, then the median of $pairs runs, beside glibc's.
if [ $extras = 1 ] && listed fork-exit "$only"; then
	echo
	echo "### Fork children"
	echo
	echo "bench/forkexit: per child, median over the children of a run, then the median"
	echo "over $pairs runs alternated with glibc: wall = fork -> waitpid, CPU = the child's"
	echo "own time.  idle: the child exits at once; own: it allocates 8 blocks, frees 5,"
	echo "keeps 3 reachable (one through an inherited block); the parent holds 200,000"
	echo "blocks.  runner: a fork-per-test runner (Check's fork mode), parent 20,000"
	echo "blocks, each child allocates and frees 200 blocks of mixed sizes."
	echo
	echo "| workload | contender | wall µs | CPU µs | wall ratio | CPU ratio |"
	echo "|---|---|---|---|---|---|"
	fork_children=100
	[ $mode = full ] && fork_children=400
	# fork_run OPTIONS WORKLOAD BLOCKS: one run, "wall cpu" (OPTIONS "": glibc)
	fork_run() {
		local line
		if [ -z "$1" ]; then
			line=$("$bin/forkexit" "$2" "$3" "$fork_children" | head -n 1)
		else
			line=$(env LD_PRELOAD="$hg_lib" HEAPGUARD_OPTIONS="$1" \
				"$bin/forkexit" "$2" "$3" "$fork_children" 2>/dev/null | head -n 1)
		fi
		clean_run
		rm -rf "$scratch/run-dir"
		sed -n 's/^bench: child_us=\([0-9]*\) cpu_us=\([0-9]*\).*/\1 \2/p' <<<"$line"
	}
	fork_contenders=(
		"heapguard-fast, reports off|level=fast:leaks=0:frag=0"
		"heapguard-fast|level=fast:report=$reports/hg.%e.%p"
		"heapguard-full, reports off|level=full:leaks=0:frag=0"
		"heapguard-full|level=full:report=$reports/hg.%e.%p"
		"heapguard-full, run_dir|level=full:run_dir=$scratch/run-dir"
	)
	for spec in "idle 200000" "own 200000" "runner 20000"; do
		read -r workload blocks <<<"$spec"
		for fc in "${fork_contenders[@]}"; do
			name=${fc%%|*} opts=${fc#*|}
			say "fork children: $workload, glibc vs $name"
			: >"$scratch/FA"
			: >"$scratch/FB"
			for ((i = 0; i < pairs; i++)); do
				fork_run "" "$workload" "$blocks" >>"$scratch/FA"
				fork_run "$opts" "$workload" "$blocks" >>"$scratch/FB"
			done
			gw=$(cut -d' ' -f1 "$scratch/FA" | median)
			gc=$(cut -d' ' -f2 "$scratch/FA" | median)
			hw=$(cut -d' ' -f1 "$scratch/FB" | median)
			hc=$(cut -d' ' -f2 "$scratch/FB" | median)
			if [ -z "$hw" ] || [ -z "$gw" ]; then
				echo "| $workload | $name | failed | | | |"
				continue
			fi
			printf '| %s | glibc | %s | %s | | |\n' "$workload" "$gw" "$gc"
			printf '| %s | %s | %s | %s | %.2f | %.2f |\n' "$workload" "$name" "$hw" "$hc" \
				"$(awk "BEGIN { print $hw / ($gw ? $gw : 1) }")" \
				"$(awk "BEGIN { print $hc / ($gc ? $gc : 1) }")"
		done
	done
fi
# ---- end fork-child exit ----
say "done in $((SECONDS - sections_start)) s"
