#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layers show in the folders: a folder includes, and calls, only its own
files and those of the folders below it (README: Layout).

Two checks:
  includes  every #include "..." of every .c and .h under the source folders
            resolves to a folder the including folder may use; lib/internal.h
            is included from lib/ only.
  symbols   (with a build tree) every hg_* symbol an object file of
            libheapguard.so uses is defined in its own folder or one below;
            the only way up is through the two hook tables, which the layer
            above defines and the layer below reads.

usage: check_layers.py SRCDIR [BUILDDIR]
Prints one line per violation and exits 1 if there is any."""
import os
import re
import subprocess
import sys

# In-process layers, bottom first; each may use itself and those before it.
STACK = ["base", "lib", "stack", "guard", "report", "preload"]
ALLOWED = {name: set(STACK[: i + 1]) for i, name in enumerate(STACK)}
# format/ is shared by the writers (report/) and the reader; include/ is the
# public header.
ALLOWED["report"] |= {"format"}
ALLOWED["preload"] |= {"format", "include"}
ALLOWED["include"] = {"include"}
ALLOWED["format"] = {"format"}
ALLOWED["reader"] = {"reader", "format"}
ALLOWED["tools"] = {"tools", "base", "format", "include"}
PRIVATE = {"lib/internal.h": {"lib"}}
# The sanctioned way up: constant tables the upper layer fills at link time.
HOOK_TABLES = {"hg_lib_hooks", "hg_diag_hooks"}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def check_includes(src):
    bad = []
    for folder in sorted(ALLOWED):
        root = os.path.join(src, folder)
        if not os.path.isdir(root):
            continue
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, src)
                text = open(path, encoding="utf-8", errors="replace").read()
                for m in INCLUDE.finditer(text):
                    target = os.path.normpath(os.path.join(os.path.dirname(rel), m.group(1)))
                    top = target.split(os.sep)[0]
                    line = text.count("\n", 0, m.start()) + 1
                    if top.startswith("..") or top not in ALLOWED:
                        bad.append(f"{rel}:{line}: includes {m.group(1)}, outside the source folders")
                    elif top not in ALLOWED[folder]:
                        bad.append(f"{rel}:{line}: {folder}/ includes {target}: {top}/ is above {folder}/")
                    elif target in PRIVATE and folder not in PRIVATE[target]:
                        bad.append(f"{rel}:{line}: {target} is for {', '.join(sorted(PRIVATE[target]))}/ only")
    return bad


def nm(path, *flags):
    out = subprocess.run(["nm", "-P", *flags, path], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


OBJECT = re.compile(r"^(?:(?:lib_)?libhgcore_la|libheapguard_la)-(\w+)\.o$")


def layer_objects(src, build):
    """(layer, source name, object) for each PIC object of libhgcore and
    libheapguard whose source is in that layer's folder (an object left by
    an older layout is not)."""
    objs = []
    for layer in STACK:
        d = os.path.join(build, layer, ".libs")
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            m = OBJECT.match(f)
            if m and os.path.isfile(os.path.join(src, layer, m.group(1) + ".c")):
                objs.append((layer, m.group(1), os.path.join(d, f)))
    return objs


def check_symbols(src, build):
    objs = layer_objects(src, build)
    if not objs:
        return None
    defined = {}
    for layer, _, obj in objs:
        for sym in nm(obj, "--defined-only", "--extern-only"):
            defined.setdefault(sym, layer)
    bad = []
    for layer, name, obj in objs:
        for sym in nm(obj, "--undefined-only"):
            owner = defined.get(sym)
            if owner is None or sym in HOOK_TABLES:
                continue
            if owner not in ALLOWED[layer]:
                bad.append(f"{layer}/{name}.c uses {sym}, defined in {owner}/: {owner}/ is above {layer}/")
    return bad


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    bad = check_includes(sys.argv[1])
    symbols = check_symbols(sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else None
    if symbols is None:
        print("check_layers: no object files in the build tree: symbols not checked")
    else:
        bad += symbols
    for line in bad:
        print("check_layers: " + line)
    if not bad:
        print("check_layers: every folder uses only itself and the folders below it")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
