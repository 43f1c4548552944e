# SPDX-License-Identifier: MIT
# Runs some parts of the allocation-heavy script tests/preload/alloc_heavy.py
# (the quick benchmark's python3 workload; the full one runs all of it).
# Usage: python3 python_parts.py DIRECTORY-OF-alloc_heavy.py PART...
import random
import sys

sys.path.insert(0, sys.argv[1])
import alloc_heavy  # noqa: E402

rng = random.Random(12345)
for part in sys.argv[2:]:
    run = getattr(alloc_heavy, part)
    print(part, run(rng) if run.__code__.co_argcount else run())
