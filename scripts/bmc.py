#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of the BMC test and benchmark (scripts/guest-bmc.sh).

  bmc.py diff NAME LOG NAME LOG   two mcload --log files: the same requests
                                  must get byte-identical replies; the first
                                  difference is printed (the request, both
                                  replies) and the exit status is 1
  bmc.py stats DUMP               a per-CPU STATS map dumped as JSON by
                                  `rax map dump -j` or `bpftool map dump -j`:
                                  the counters summed over CPUs, as JSON
"""
import json
import sys

STATS = ["gets", "hits", "misses", "writes", "writes_all", "fills", "fills_refused", "acks"]


def pairs(path):
    """The (request, reply) line pairs of an mcload log."""
    with open(path, encoding="ascii", errors="replace") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for i in range(0, len(lines) - 1, 2):
        out.append((lines[i], lines[i + 1]))
    if len(lines) % 2 or any(not q.startswith("> ") or not r.startswith("<") for q, r in out):
        raise SystemExit(f"bmc.py: {path}: not an mcload log")
    return out


def diff(name_a, log_a, name_b, log_b):
    a, b = pairs(log_a), pairs(log_b)
    for i, ((qa, ra), (qb, rb)) in enumerate(zip(a, b)):
        if qa != qb:
            print(f"request {i + 1} differs: the runs did not send the same requests")
            print(f"  {name_a}: {qa[:300]}\n  {name_b}: {qb[:300]}")
            return 1
        if ra != rb:
            print(f"request {i + 1}: {qa[2:][:300]}")
            print(f"  {name_a} replied: {ra[1:][:600]}")
            print(f"  {name_b} replied: {rb[1:][:600]}")
            return 1
    if len(a) != len(b):
        print(f"{name_a} has {len(a)} requests, {name_b} {len(b)}")
        return 1
    print(f"{len(a)} requests, byte-identical replies")
    return 0


def le(v):
    if isinstance(v, int):
        return v
    if isinstance(v, list):  # bytes as "0x.." strings
        return int.from_bytes(bytes(int(x, 16) for x in v), "little")
    raise ValueError(v)


def stats(path):
    with open(path, encoding="utf-8") as f:
        dump = json.load(f)
    counts = [0] * len(STATS)
    for e in dump:
        f = e.get("formatted", e)
        key = e.get("key_u32")
        if key is None:
            key = le(f["key"])
        total = 0
        for v in f.get("values", e.get("values", [])):
            total += v["value_u64"] if "value_u64" in v else le(v["value"])
        if 0 <= key < len(STATS):
            counts[key] = total
    print(json.dumps(dict(zip(STATS, counts))))
    return 0


def main(argv):
    if len(argv) == 5 and argv[0] == "diff":
        return diff(*argv[1:])
    if len(argv) == 2 and argv[0] == "stats":
        return stats(argv[1])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
