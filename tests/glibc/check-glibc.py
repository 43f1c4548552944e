#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make check-glibc: glibc's own malloc tests, run under plain glibc and
under heapguard (level=fast and level=full, check=3).

Unpacks malloc/ and support/ (and the few headers the tests include) from
Debian's glibc-source tarball into BUILDDIR/glibc-tests/src, builds glibc's
support library out of tree against the installed glibc (tests/glibc/config.h
stands in for glibc's generated config.h), builds every malloc test that
does not test glibc internals, runs each one three times with its
environment from glibc's malloc/Makefile and glibc's timeouts, and writes
the table to BUILDDIR/glibc-tests/results.txt.  Fails when a test that passes
under glibc does not pass under heapguard, unless tests/glibc/known.txt
lists that test and level.
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

TARBALL = "/usr/src/glibc/glibc-2.36.tar.xz"
TOP = "glibc-2.36"
# What the tests and the support library include beyond malloc/ and support/.
EXTRA_MEMBERS = [
    "test-skeleton.c",
    "include/libc-diag.h",
    "include/array_length.h",
    "include/intprops.h",
    "include/scratch_buffer.h",
    "sysdeps/generic/malloc-size.h",
    "sysdeps/generic/malloc-alignment.h",
]
# Files of support/ that are not part of glibc's libsupport.a: programs,
# the container tools, the library's own tests, and *_main.c files that
# other support files #include.
SUPPORT_NOT_LIBRARY = re.compile(
    r"^(tst-|test-|echo-container|shell-container|links-dso-program|README"
    r"|support_quote_blob_main|support_test_compare_string_main)")

# Tests not built, and why.  Every name in malloc/Makefile's test lists is
# either here or built.
SKIPPED = {
    "tst-mtrace": "tests mtrace",
    "tst-compathooks-off": "tests the malloc hooks (__malloc_hook, removed in 2.34)",
    "tst-compathooks-on": "tests the malloc hooks (__malloc_hook, removed in 2.34) "
                          "through libc_malloc_debug.so",
    "tst-mallocstate": "tests malloc_get_state/malloc_set_state, compat symbols "
                       "of libc_malloc_debug.so (internal shlib-compat.h)",
    "tst-interpose-nothread": "interposes malloc itself",
    "tst-interpose-thread": "interposes malloc itself",
    "tst-interpose-static-nothread": "interposes malloc itself (static)",
    "tst-interpose-static-thread": "interposes malloc itself (static)",
    "tst-alloc_buffer": "tests glibc's internal alloc_buffer",
    "tst-scratch_buffer": "tests glibc's internal scratch_buffer",
    "tst-dynarray": "tests glibc's internal dynarray (and mtrace)",
    "tst-dynarray-fail": "tests glibc's internal dynarray (and mtrace)",
    "tst-dynarray-at-fail": "tests glibc's internal dynarray",
}

# Where Debian keeps glibc's debugging malloc (the tests' LD_PRELOAD of
# $(objpfx)libc_malloc_debug.so).
DEBUG_LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                  "/lib64", "/usr/lib64", "/lib", "/usr/lib"]

LEVELS = ("fast", "full")


def parse_makefile(path):
    """Test names by list, and each test's -ENV, from malloc/Makefile."""
    text = open(path).read().replace("\\\n", " ")
    lists = {}
    envs = {}
    for line in text.splitlines():
        m = re.match(r"^(tests|tests-internal|tests-static|test-srcs)\s*[:+]?=\s*(.*)$", line)
        if m:
            words = [w for w in m.group(2).split() if not w.startswith("$(")]
            lists.setdefault(m.group(1), []).extend(words)
            continue
        m = re.match(r"^([\w.-]+)-ENV\s*=\s*(.*)$", line)
        if m:
            envs[m.group(1)] = m.group(2).split()
    names = []
    for key in ("tests", "tests-static", "tests-internal", "test-srcs"):
        for name in lists.get(key, []):
            if name not in names:
                names.append(name)
    return names, envs


def debug_lib():
    for d in DEBUG_LIB_DIRS:
        p = os.path.join(d, "libc_malloc_debug.so.0")
        if os.path.exists(p):
            return p
    return None


def unpack(tarball, out):
    src = os.path.join(out, "src")
    stamp = os.path.join(src, ".unpacked")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(tarball):
        return os.path.join(src, TOP)
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    members = [TOP + "/malloc", TOP + "/support"] + [TOP + "/" + m for m in EXTRA_MEMBERS]
    subprocess.run(["tar", "-xJf", tarball, "-C", src] + members, check=True)
    open(stamp, "w").close()
    return os.path.join(src, TOP)


def include_flags(glibc, shim):
    # Only the listed members of include/ and sysdeps/generic/ are unpacked,
    # so these directories cannot shadow the installed glibc's headers.
    return ["-include", shim, "-I" + glibc, "-I" + os.path.join(glibc, "support"),
            "-I" + os.path.join(glibc, "include"),
            "-I" + os.path.join(glibc, "sysdeps", "generic")]


def compile_one(cmd, log):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        with open(log, "w") as f:
            f.write(" ".join(cmd) + "\n" + r.stdout)
    return r.returncode == 0, r.stdout


def first_error(text):
    for line in text.splitlines():
        if "error" in line or "undefined reference" in line:
            return line.strip()
    return text.strip().splitlines()[-1] if text.strip() else "unknown error"


def build_support(cc, glibc, out, shim, jobs):
    obj = os.path.join(out, "support")
    os.makedirs(obj, exist_ok=True)
    sdir = os.path.join(glibc, "support")
    paths = ['-DSRCDIR_PATH="%s"' % glibc, '-DOBJDIR_PATH="%s"' % out,
             '-DOBJDIR_ELF_LDSO_PATH="/lib64/ld-linux-x86-64.so.2"',
             '-DINSTDIR_PATH="/usr"', '-DLIBDIR_PATH="/usr/lib"',
             '-DBINDIR_PATH="/usr/bin"', '-DSBINDIR_PATH="/usr/sbin"',
             '-DSLIBDIR_PATH="/lib"', '-DROOTSBINDIR_PATH="/sbin"',
             '-DCOMPLOCALEDIR_PATH="/usr/lib/locale"']
    cflags = ["-O2", "-g", "-w", "-D_GNU_SOURCE", "-pthread"] + include_flags(glibc, shim)
    work = []
    for f in sorted(os.listdir(sdir)):
        if not f.endswith(".c") or SUPPORT_NOT_LIBRARY.match(f):
            continue
        o = os.path.join(obj, f[:-2] + ".o")
        if os.path.exists(o) and os.path.getmtime(o) >= max(
                os.path.getmtime(os.path.join(sdir, f)), os.path.getmtime(shim)):
            continue
        extra = paths if f == "support_paths.c" else []
        work.append((f, cc + ["-c"] + cflags + extra + [os.path.join(sdir, f), "-o", o]))
    # Files that need what an installed glibc does not give (its stackinfo.h,
    # sysdep.h, ...) are left out; a test that needs one fails to link and
    # says so in the table.
    failed = []
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for (f, _), (ok, _) in zip(work, pool.map(
                lambda w: compile_one(w[1], os.path.join(obj, w[0] + ".log")), work)):
            if not ok:
                failed.append(f)
    lib = os.path.join(out, "libsupport.a")
    objs = sorted(os.path.join(obj, o) for o in os.listdir(obj) if o.endswith(".o"))
    if work or not os.path.exists(lib):
        if os.path.exists(lib):
            os.unlink(lib)
        subprocess.run(["ar", "rcs", lib] + objs, check=True)
    if failed:
        print("check-glibc: support files not built (see %s/*.log): %s"
              % (obj, " ".join(failed)))
    return lib


def build_test(cc, glibc, out, shim, lib, name):
    """Returns None when built, else why not."""
    src = os.path.join(glibc, "malloc", name + ".c")
    exe = os.path.join(out, "bin", name)
    if os.path.exists(exe) and os.path.getmtime(exe) >= max(
            os.path.getmtime(src), os.path.getmtime(lib), os.path.getmtime(shim)):
        return None
    # -DTEST_NO_MALLOPT as malloc/Makefile builds them: no mallopt (M_PERTURB)
    # in the test skeleton.
    cmd = cc + ["-O2", "-g", "-w", "-D_GNU_SOURCE", "-DTEST_NO_MALLOPT", "-pthread"] + \
        include_flags(glibc, shim) + [src, "-o", exe, lib, "-pthread"]
    ok, text = compile_one(cmd, os.path.join(out, "bin", name + ".build.log"))
    return None if ok else "cannot build: " + first_error(text)


def test_timeout(glibc, name):
    """glibc's timeout for the test: its TIMEOUT, else support's 20 s."""
    text = open(os.path.join(glibc, "malloc", name + ".c")).read()
    m = re.search(r"^#\s*define\s+TIMEOUT\s+\(?(\d+)", text, re.M)
    return int(m.group(1)) if m else 20


def test_env(name, mode, makefile_envs, hglib, dbglib):
    """The environment of one run, and a note on what was changed."""
    env = dict(os.environ)
    for k in ("LD_PRELOAD", "HEAPGUARD_OPTIONS", "MALLOC_CHECK_", "GLIBC_TUNABLES",
              "MALLOC_ARENA_MAX", "MALLOC_PERTURB_", "MALLOC_TOP_PAD_"):
        env.pop(k, None)
    env["LC_ALL"] = "C"
    note = ""
    for word in makefile_envs.get(name, []):
        k, _, v = word.partition("=")
        if k == "LD_PRELOAD" and "libc_malloc_debug.so" in v:
            if mode == "glibc":
                env[k] = dbglib
            note = "glibc with libc_malloc_debug.so, as its Makefile runs it"
            continue
        env[k] = v
    if mode != "glibc":
        env["LD_PRELOAD"] = hglib
        env["HEAPGUARD_OPTIONS"] = "level=%s:check=3" % mode
    return env, note


def run_test(out, exe, name, mode, env, limit, factor):
    """PASS, FAIL, UNSUPPORTED or HANG, with the log's path and a detail."""
    logdir = os.path.join(out, "logs")
    log = os.path.join(logdir, "%s.%s.log" % (name, mode))
    cwd = tempfile.mkdtemp(prefix="%s.%s." % (name, mode), dir=os.path.join(out, "run"))
    env = dict(env, TMPDIR=cwd, TIMEOUTFACTOR=str(factor))
    # support's test driver kills the test after limit*factor seconds;
    # timeout(1) is the backstop when the driver itself is stuck.
    backstop = limit * factor + 15
    cmd = ["timeout", "-k", "5", str(backstop), exe]
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    took = time.monotonic() - start
    text = r.stdout.decode("utf-8", "replace")
    shutil.rmtree(cwd, ignore_errors=True)
    with open(log, "w") as f:
        shown = {k: env[k] for k in ("LD_PRELOAD", "HEAPGUARD_OPTIONS", "MALLOC_CHECK_",
                                     "GLIBC_TUNABLES", "TIMEOUTFACTOR") if k in env}
        f.write("env: %s\ncommand: %s\nstatus: %d, %.1f s\n\n%s"
                % (shown, " ".join(cmd), r.returncode, took, text))
    if r.returncode in (124, 137) or "Timed out: killed the child process" in text:
        return "HANG", took
    if r.returncode == 0:
        return "PASS", took
    if r.returncode == 77:
        return "UNSUPPORTED", took
    return "FAIL", took


def read_known(path):
    known = {}
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or parts[1] not in LEVELS:
            sys.exit("%s:%d: expected 'test fast|full reason'" % (path, n))
        known[(parts[0], parts[1])] = parts[2]
    return known


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--lib", required=True, help="libheapguard.so")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--tarball", default=os.environ.get("HG_GLIBC_TARBALL", TARBALL))
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeoutfactor", type=int,
                    default=int(os.environ.get("TIMEOUTFACTOR", "1")))
    ap.add_argument("tests", nargs="*", help="only these tests")
    a = ap.parse_args()
    # configure's CC may carry flags ("gcc -std=gnu11").
    a.cc = shlex.split(a.cc)

    if not os.path.exists(a.tarball):
        sys.exit("check-glibc: %s is missing: apt-get install glibc-source" % a.tarball)
    out = os.path.join(a.builddir, "glibc-tests")
    for d in ("bin", "logs", "run"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    shim = os.path.join(a.srcdir, "tests", "glibc", "config.h")
    known = read_known(os.path.join(a.srcdir, "tests", "glibc", "known.txt"))
    dbglib = debug_lib()
    t0 = time.monotonic()

    glibc = unpack(a.tarball, out)
    names, makefile_envs = parse_makefile(os.path.join(glibc, "malloc", "Makefile"))
    if a.tests:
        names = [n for n in names if n in a.tests]
    lib = build_support(a.cc, glibc, out, shim, a.jobs)
    why_not = {}
    for name in names:
        if name in SKIPPED:
            why_not[name] = SKIPPED[name]
        elif any("libc_malloc_debug.so" in w for w in makefile_envs.get(name, [])) and not dbglib:
            why_not[name] = "needs libc_malloc_debug.so.0, not installed"
    todo = [n for n in names if n not in why_not]
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for name, why in zip(todo, pool.map(
                lambda n: build_test(a.cc, glibc, out, shim, lib, n), todo)):
            if why:
                why_not[name] = why
    built = [n for n in todo if n not in why_not]
    print("check-glibc: %d of %d malloc tests built (%.0f s); running each under glibc, "
          "level=fast and level=full" % (len(built), len(names), time.monotonic() - t0))

    runs = []
    notes = {}
    for name in built:
        limit = test_timeout(glibc, name)
        for mode in ("glibc",) + LEVELS:
            env, note = test_env(name, mode, makefile_envs, a.lib, dbglib)
            if note:
                notes[name] = note
            runs.append((limit, name, mode, env))
    # The longest timeouts first, so that a hang does not end the run alone.
    runs.sort(key=lambda r: -r[0])
    results = {}
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures = {pool.submit(run_test, out, os.path.join(out, "bin", name), name, mode,
                               env, limit, a.timeoutfactor): (name, mode)
                   for limit, name, mode, env in runs}
        for f in concurrent.futures.as_completed(futures):
            results[futures[f]] = f.result()

    bad = []
    stale = []
    rows = []
    for name in names:
        if name in why_not:
            rows.append((name, "SKIP", "SKIP", "SKIP", why_not[name]))
            continue
        glibc_status = results[(name, "glibc")][0]
        cells = [glibc_status]
        note = [notes[name]] if name in notes else []
        for level in LEVELS:
            status = results[(name, level)][0]
            cells.append(status)
            differs = glibc_status == "PASS" and status != "PASS"
            if differs and (name, level) in known:
                note.append("%s: known: %s" % (level, known[(name, level)]))
            elif differs:
                bad.append("%s (level=%s: %s, see %s/logs/%s.%s.log)"
                           % (name, level, status, out, name, level))
            elif (name, level) in known:
                stale.append("%s %s" % (name, level))
        rows.append((name, *cells, "; ".join(note)))
    for key in known:
        if key[0] not in names:
            sys.exit("check-glibc: known.txt names %s, not a test of malloc/Makefile" % key[0])

    width = max(len(r[0]) for r in rows)
    lines = ["%-*s  %-11s  %-11s  %-11s  %s" % (width, "test", "glibc", "fast", "full", "note")]
    lines += ["%-*s  %-11s  %-11s  %-11s  %s" % ((width,) + r) for r in rows]
    count = lambda col: sum(1 for r in rows if r[col] == "PASS")
    lines.append("")
    lines.append("%d tests, %d built; PASS: glibc %d, fast %d, full %d; %.0f s with -j%d "
                 "(TIMEOUTFACTOR=%d)" % (len(rows), len(built), count(1), count(2), count(3),
                                         time.monotonic() - t0, a.jobs, a.timeoutfactor))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(out, "results.txt"), "w") as f:
        f.write(table)
    sys.stdout.write(table)
    for s in stale:
        print("check-glibc: warning: known.txt lists %s, which now passes: remove it" % s)
    if bad:
        print("check-glibc: FAIL: passes under glibc, not under heapguard, "
              "and not in tests/glibc/known.txt:")
        for b in bad:
            print("  " + b)
        return 1
    print("check-glibc: every test that passes under glibc passes under heapguard "
          "or is in tests/glibc/known.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
