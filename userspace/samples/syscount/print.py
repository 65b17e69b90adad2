#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the syscount sample's STATS map as libbpf-tools' syscount -L does.

Reads the map as 'rax map dump -j' (or bpftool map dump -j) writes it, on
standard input: keys are system call numbers (u32), values struct Stats
(count, errors, total_ns: three u64). Names come from the kernel headers'
asm/unistd_64.h.

Usage: rax map dump -j pinned DIR/maps/STATS | print.py [-n TOP]
"""

import argparse
import json
import re
import sys

UNISTD = ["/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"]


def syscall_names():
    names = {}
    for path in UNISTD:
        try:
            with open(path) as f:
                for line in f:
                    m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
                    if m:
                        names[int(m.group(2))] = m.group(1)
            return names
        except OSError:
            continue
    return names


def u64s(value):
    b = bytes(int(x, 16) for x in value)
    return [int.from_bytes(b[i:i + 8], "little") for i in range(0, len(b), 8)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--top", type=int, default=10, help="how many to print (10)")
    args = ap.parse_args()
    names = syscall_names()
    rows = []
    for e in json.load(sys.stdin):
        nr = e.get("key_u32")
        if nr is None or len(e["value"]) != 24:
            sys.exit("print.py: not the syscount sample's STATS map")
        count, errors, total_ns = u64s(e["value"])
        rows.append((count, nr, errors, total_ns))
    rows.sort(key=lambda r: (-r[0], r[1]))
    print(f"{'SYSCALL':<22} {'COUNT':>8} {'ERRORS':>8} {'TIME (us)':>12}")
    for count, nr, errors, total_ns in rows[:args.top]:
        print(f"{names.get(nr, str(nr)):<22} {count:>8} {errors:>8} {total_ns / 1000:>12.1f}")


if __name__ == "__main__":
    main()
