#!/bin/bash
# SPDX-License-Identifier: MIT
# The QA-run workloads of issue 13's table, one per call, for
# `bench/run.sh --qa`: real programs and their own test programs, every
# process of the tree under the contender (LD_PRELOAD is inherited).
#   qa.sh WORKLOAD SCRATCH
# WORKLOAD: regrtest apt-cache perl-threads perl make glib-tests.
# SCRATCH: a directory the workload may write in (make's project lives
# there; `qa.sh prepare SCRATCH` makes it, outside the timed runs).
# Exits 77 when the workload cannot run on this machine, saying why; with
# QA_CHECK_ONLY=1, only finds that out (exits 0 when it can run).
# BENCH_PYTHON: the python3 to run (bench/run.sh passes its own).
set -eu
workload=$1 scratch=$2
skip() { echo "qa.sh: $workload: $*" >&2; exit 77; }
ready() { [ -z "${QA_CHECK_ONLY:-}" ] || exit 0; }

case $workload in
prepare)
	# make -j2's project: 48 small C files, a library and a program, and
	# a generated header (make runs a shell recipe too).
	rm -rf "$scratch/make" && mkdir -p "$scratch/make"
	for i in $(seq 1 48); do
		{
			echo '#include <stdio.h>'
			echo '#include <string.h>'
			echo '#include "gen.h"'
			echo "int part$i(const char *s)"
			echo '{'
			echo '	char buf[64];'
			echo "	snprintf(buf, sizeof buf, \"%s-%d\", s, $i + GEN_BASE);"
			echo '	return (int)strlen(buf);'
			echo '}'
		} >"$scratch/make/part$i.c"
	done
	{
		echo '#include <stdio.h>'
		for i in $(seq 1 48); do echo "int part$i(const char *);"; done
		echo 'int main(void)'
		echo '{'
		echo '	int n = 0;'
		for i in $(seq 1 48); do echo "	n += part$i(\"x\");"; done
		echo '	printf("%d\n", n);'
		echo '	return 0;'
		echo '}'
	} >"$scratch/make/main.c"
	objs=$(for i in $(seq 1 48); do printf 'part%d.o ' "$i"; done)
	printf '%s\n' \
		"OBJS = $objs" \
		'prog: main.o libparts.a' \
		'	$(CC) -o $@ main.o libparts.a' \
		'libparts.a: $(OBJS)' \
		'	rm -f $@ && ar rcs $@ $(OBJS)' \
		'%.o: %.c gen.h' \
		'	$(CC) -O1 -c $< -o $@' \
		'gen.h:' \
		'	echo "#define GEN_BASE $$(echo 40 + 2 | bc 2>/dev/null || expr 40 + 2)" > $@' \
		'clean:' \
		'	rm -f *.o *.a prog gen.h' >"$scratch/make/Makefile"
	;;
regrtest)
	# Python's own test runner, two workers (as `make test` runs it).
	py=${BENCH_PYTHON:-python3}
	$py -c 'import test.libregrtest' 2>/dev/null ||
		skip "Python's test suite is not installed (libpython3-testsuite)"
	ready
	cd "$scratch"
	$py -m test -q -j2 test_json test_struct test_bisect test_re test_collections \
		test_dict test_set test_list test_string test_textwrap test_difflib >/dev/null
	;;
apt-cache)
	command -v apt-cache >/dev/null || skip "apt-cache is not installed"
	ready
	apt-cache show bash coreutils libc6 python3 perl >/dev/null
	apt-cache depends gcc perl python3 >/dev/null
	apt-cache policy bash gcc >/dev/null
	apt-cache search --names-only '^libz' >/dev/null
	;;
perl-threads)
	perl -Mthreads -e 1 2>/dev/null || skip "this perl has no threads"
	ready
	# Four threads each build and walk a hash of strings (every ithread
	# copies the interpreter: many allocations and frees across threads).
	perl -Mthreads -e '
		my @t = map {
			my $seed = $_;
			threads->create(sub {
				my %h;
				$h{"key$_-$seed"} = "v" x ($_ % 61) . $_ for 1 .. 200000;
				my $n = 0;
				$n += length($h{$_}) for sort keys %h;
				delete $h{"key$_-$seed"} for grep { $_ % 3 } 1 .. 200000;
				return $n + scalar(keys %h);
			});
		} 1 .. 4;
		my $s = 0;
		$s += $_->join for @t;
		print "$s\n";' >/dev/null
	;;
perl)
	# Text processing: split, regular expressions, hashes, sort, sprintf.
	command -v perl >/dev/null || skip "perl is not installed"
	ready
	perl -e '
		my (%count, @lines);
		for my $i (1 .. 60000) {
			my $line = join " ", map { sprintf "w%x", ($i * 7919 + $_ * 104729) % 4099 } 1 .. 12;
			push @lines, $line;
			$count{$_}++ for split / /, $line;
		}
		my @top = (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count)[0 .. 19];
		my $hits = grep { /w(1f|2e)[0-9a-f]\b/ } @lines;
		(my $all = join "\n", @lines) =~ s/w([0-9a-f]+)/<$1>/g;
		print scalar(@top), " $hits ", length($all), "\n";' >/dev/null
	;;
make)
	[ -f "$scratch/make/Makefile" ] || skip "run qa.sh prepare first"
	command -v cc >/dev/null || skip "no C compiler"
	ready
	make -s -C "$scratch/make" clean
	make -s -j2 -C "$scratch/make" >/dev/null
	"$scratch/make/prog" >/dev/null
	;;
glib-tests)
	# GLib's own test programs (Debian's libglib2.0-tests), the quick ones.
	dir=/usr/libexec/installed-tests/glib
	[ -x $dir/hash ] || skip "GLib's test programs are not installed (libglib2.0-tests)"
	ready
	cd "$scratch"
	for t in array-test hash list slist string strfuncs utf8-misc utf8-validate tree queue \
		checksum base64 bytes date regex keyfile markup-parse option-context node sort \
		unicode collate convert bookmarkfile; do
		[ -x $dir/$t ] || continue
		$dir/$t >/dev/null 2>&1 || { echo "qa.sh: glib test $t failed" >&2; exit 1; }
	done
	;;
*)
	echo "qa.sh: unknown workload $workload" >&2
	exit 2
	;;
esac
