# SPDX-License-Identifier: MIT
# Allocation-heavy pure-Python workload for tests/preload/python.sh: many
# objects of many sizes, growing and shrinking containers (realloc), big
# bytes objects (mmap'd chunks), json and regex churn. Prints only
# deterministic digests so the output can be compared byte for byte.
import hashlib
import json
import random
import re
import sys


def digest(obj):
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def churn_containers(rng):
    live = {}
    for step in range(200000):
        key = rng.randrange(5000)
        kind = step % 5
        if kind == 0:
            live[key] = [rng.random() for _ in range(rng.randrange(50))]
        elif kind == 1:
            live[key] = "x" * rng.randrange(3000) + str(step)
        elif kind == 2:
            live[key] = {str(i): i for i in range(rng.randrange(40))}
        elif kind == 3:
            live.pop(key, None)
        else:
            live[key] = bytes(rng.randrange(256) for _ in range(rng.randrange(100)))
    return digest(sorted((k, repr(v)[:40]) for k, v in live.items()))


def grow_shrink(rng):
    out = []
    buf = bytearray()
    for i in range(3000):
        buf.extend(b"%d," % i * rng.randrange(1, 50))
        if i % 7 == 0:
            del buf[: len(buf) // 3]
    out.append(hashlib.sha256(buf).hexdigest()[:16])
    lst = []
    for i in range(400000):
        lst.append(i)
        if i % 1000 == 999:
            del lst[::2]
    out.append(str(len(lst)))
    return out


def big_blocks():
    sums = []
    for size in (100_000, 200_000, 1 << 20, 5 << 20, 300, 64 << 10, 20 << 20):
        b = bytes(range(256)) * (size // 256)
        ba = bytearray(b)
        ba[::4096] = b"\x01" * len(ba[::4096])
        sums.append(hashlib.sha256(ba).hexdigest()[:12])
        del b, ba
    return sums


def json_regex(rng):
    docs = []
    for i in range(3000):
        docs.append({"id": i, "name": "item%05d" % i,
                     "tags": ["t%d" % rng.randrange(100) for _ in range(rng.randrange(10))],
                     "nested": {"v": [rng.randrange(1000) for _ in range(20)]}})
    text = json.dumps(docs, sort_keys=True)
    back = json.loads(text)
    assert back == docs
    words = re.findall(r'"(t\d+)"', text)
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    subst = re.sub(r"item(\d+)", lambda m: m.group(1)[::-1], text)
    return [len(text), len(words), digest(sorted(counts.items())),
            hashlib.sha256(subst.encode()).hexdigest()[:16]]


def main():
    rng = random.Random(12345)
    print("containers", churn_containers(rng))
    print("grow_shrink", *grow_shrink(rng))
    print("big_blocks", *big_blocks())
    print("json_regex", *json_regex(rng))
    strs = sorted("".join(rng.choice("abcdef") for _ in range(rng.randrange(1, 30)))
                  for _ in range(100000))
    print("sorted", digest(strs[::997]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
