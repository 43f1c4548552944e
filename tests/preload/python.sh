#!/bin/sh
# SPDX-License-Identifier: MIT
# python3 under heapguard: several stdlib test modules (list, dict, json,
# re, set) with PYTHONMALLOC=malloc so that every object goes through
# malloc, then an allocation-heavy script of our own with Python's default
# allocator. Results and exit status must match plain glibc's.
. "${top_srcdir:-.}/tests/preload/common.sh"

# prefer the distribution's python: it has the test package (Debian:
# libpython3.11-testsuite); a pyenv shim would start a shell script first
if [ -x /usr/bin/python3 ]; then
	py=/usr/bin/python3
else
	hg_need python3
	py=$(command -v python3)
fi
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
unset PYTHONSTARTUP PYTHONPATH

status=0
cd "$HG_TMP" || exit 99

modules="test.test_list test.test_dict test.test_json test.test_re test.test_set"
if "$py" -c 'import test.test_list, test.test_json' >/dev/null 2>&1; then
	# unittest straight to stdout, without timings, so runs compare
	export PYTHONMALLOC=malloc
	HG_FILTER='s/^Ran \([0-9]*\) tests\{0,1\} in .*/Ran \1 tests/'
	# test_json's json.tool tests require an empty stderr from the python
	# they start: no leak summary there (the other runs keep the report).
	HEAPGUARD_OPTIONS=leaks=0:frag=0 hg_compare stdlib "$py" -c '
import sys, unittest
suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:])
result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
sys.exit(0 if result.wasSuccessful() else 1)' $modules || status=1
	unset PYTHONMALLOC HG_FILTER
else
	echo "note: python's test package is missing (apt-get install libpython3.11-testsuite); running only our own workload"
fi

HEAPGUARD_OPTIONS=clean_reports=1 hg_compare alloc_heavy "$py" "$hg_srcdir/tests/preload/alloc_heavy.py" || status=1
export PYTHONMALLOC=malloc
HEAPGUARD_OPTIONS=clean_reports=1 hg_compare alloc_heavy_malloc "$py" "$hg_srcdir/tests/preload/alloc_heavy.py" || status=1
hg_check_reports || status=1
exit $status
