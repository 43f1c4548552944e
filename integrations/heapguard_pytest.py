# SPDX-License-Identifier: MIT
"""pytest plugin for runs under heapguard(1): a test fails when heapguard
reported a heap error while it ran.

Installed as /usr/share/heapguard/heapguard_pytest.py:

    PYTHONPATH=/usr/share/heapguard heapguard --check=1 --error_exitcode=1 \\
        --leak_exitcode=1 -- python3 -m pytest -p heapguard_pytest

At check=1 heapguard prints each heap error (double free, overflow, write
after free...) on standard error the moment the C code makes it and lets the
process go on; pytest captures that stream for the test that is running,
and this plugin fails that test with the diagnostic as its reason (it needs
pytest's capturing: not with -s).  Lost memory is known only when the
interpreter exits, after the last test: the run's summary line, last on
standard error, names the sites, and leak_exitcode fails the session.

The interpreter's own allocations are left out by default: with Python's
default allocator (pymalloc, not PYTHONMALLOC=malloc) the small objects of
the interpreter never reach malloc, and what it does allocate with malloc
it frees or still holds at exit, so the findings are the C extensions'.
PYTHONMALLOC=malloc puts every Python object through heapguard too, for an
extension's reference leaks, at a cost in speed.
"""
import os
import re

import pytest

# the first line of a heap error's diagnostic, heapguard(7) DIAGNOSTICS
_DIAGNOSTIC = re.compile(r"^heapguard: ([a-z][a-z-]*) of (0x[0-9a-f]+).*$", re.M)


def _under_heapguard():
    return "libheapguard.so" in os.environ.get("LD_PRELOAD", "")


def _run_dir():
    options = os.environ.get("HEAPGUARD_OPTIONS", "")
    found = None
    for token in options.split(":"):
        if token.startswith("run_dir="):
            found = token[len("run_dir="):]
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    errors = []
    # the sections of the earlier phases are there too: this phase's only
    for name, content in report.sections:
        if name == "Captured stderr %s" % report.when:
            errors.extend(m.group(0) for m in _DIAGNOSTIC.finditer(content))
    if errors and report.outcome != "failed":
        report.outcome = "failed"
        report.longrepr = "heapguard found %d heap error%s in %s:\n%s" % (
            len(errors), "" if len(errors) == 1 else "s", report.when, "\n".join(errors))


def pytest_report_header(config):
    if not _under_heapguard():
        return "heapguard: not preloaded (run pytest under the heapguard launcher)"
    run = _run_dir()
    return "heapguard: preloaded%s" % (", run directory %s" % run if run else "")
