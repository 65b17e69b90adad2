#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the trace_event sample's stacks as libbpf-tools' profile does.

Reads the sample's COUNTS map (key: tgid u32, kernel stack id i32, user
stack id i32, pad u32; value: u64 samples) and STACKS map (stack trace
map: up to 64 u64 addresses per id, zero after the last), each as
'rax map dump -j' (or 'bpftool map dump -j') writes it. Kernel addresses
are named from /proc/kallsyms (as root; 'symbol+0xoff'), user addresses
printed in hex, or as 'file+0xoff' with --pid while the process lives.

Stacks are printed most sampled first, kernel frames above user frames
with '--' between them and the sample count below, as profile prints
them; with -f, one line per stack in the folded format of profile -f
(outermost user frame first, then the kernel frames, then the count).

Usage: print.py --counts COUNTS.json --stacks STACKS.json [-f] [-n TOP]
       print.py PIN_DIR [-f] [-n TOP]   (runs rax map dump -j on
                                         PIN_DIR/maps/COUNTS and STACKS)
"""

import argparse
import bisect
import errno
import json
import subprocess
import sys


def le(value, signed=False):
    return int.from_bytes(bytes(int(x, 16) for x in value), "little", signed=signed)


class Kallsyms:
    def __init__(self, path):
        self.addrs, self.names = [], []
        try:
            with open(path) as f:
                rows = []
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3 and parts[1] in "tTwW":
                        a = int(parts[0], 16)
                        if a:
                            rows.append((a, parts[2]))
        except OSError:
            rows = []
        rows.sort()
        self.addrs = [a for a, _ in rows]
        self.names = [n for _, n in rows]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return "0x%x" % addr
        return "%s+0x%x" % (self.names[i], addr - self.addrs[i])


class UserMaps:
    """The file mappings of a live process, for 'file+0xoff' names."""

    def __init__(self, pid):
        self.maps = []
        if pid is None:
            return
        try:
            with open("/proc/%d/maps" % pid) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 6 and parts[5].startswith("/"):
                        lo, hi = (int(x, 16) for x in parts[0].split("-"))
                        self.maps.append((lo, hi, int(parts[2], 16), parts[5]))
        except OSError:
            pass

    def name(self, addr):
        for lo, hi, off, path in self.maps:
            if lo <= addr < hi:
                return "%s+0x%x" % (path.rsplit("/", 1)[-1], addr - lo + off)
        return "0x%x" % addr


def missing(stack_id, kind):
    if -stack_id == errno.EFAULT:
        return "[no %s stack]" % kind
    if -stack_id == errno.EEXIST:
        return "[%s stack lost: the stack map is full]" % kind
    return "[%s stack: %s]" % (kind, errno.errorcode.get(-stack_id, str(-stack_id)))


def dump(pin_dir, name):
    out = subprocess.run(["rax", "map", "dump", "-j", "pinned", "%s/maps/%s" % (pin_dir, name)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pin_dir", nargs="?", help="where the sample's maps are pinned")
    ap.add_argument("--counts", help="COUNTS as JSON")
    ap.add_argument("--stacks", help="STACKS as JSON")
    ap.add_argument("--kallsyms", default="/proc/kallsyms", help="kernel symbols")
    ap.add_argument("--pid", type=int, help="name user addresses from this process's maps")
    ap.add_argument("-f", "--folded", action="store_true", help="folded output")
    ap.add_argument("-n", "--top", type=int, default=0, help="only the TOP stacks")
    args = ap.parse_args()
    if args.pin_dir:
        counts, stacks = dump(args.pin_dir, "COUNTS"), dump(args.pin_dir, "STACKS")
    elif args.counts and args.stacks:
        with open(args.counts) as f:
            counts = json.load(f)
        with open(args.stacks) as f:
            stacks = json.load(f)
    else:
        ap.error("give PIN_DIR, or --counts and --stacks")

    ips = {}
    for e in stacks:
        v = e["value"]
        frames = [le(v[i:i + 8]) for i in range(0, len(v), 8)]
        ips[le(e["key"])] = [a for a in frames if a]
    ksyms, umaps = Kallsyms(args.kallsyms), UserMaps(args.pid)
    rows = []
    for e in counts:
        k = e["key"]
        if len(k) != 16 or len(e["value"]) != 8:
            sys.exit("print.py: not the trace_event sample's COUNTS map")
        tgid, kid, uid = le(k[0:4]), le(k[4:8], True), le(k[8:12], True)
        kernel = [ksyms.name(a) for a in ips.get(kid, [])] if kid >= 0 else [missing(kid, "kernel")]
        user = [umaps.name(a) for a in ips.get(uid, [])] if uid >= 0 else [missing(uid, "user")]
        rows.append((le(e["value"]), tgid, kernel, user))
    rows.sort(key=lambda r: (-r[0], r[1], r[2], r[3]))
    if args.top:
        rows = rows[:args.top]
    for count, tgid, kernel, user in rows:
        if args.folded:
            print(";".join(["tgid %d" % tgid] + user[::-1] + kernel[::-1]), count)
            continue
        for frame in kernel:
            print("    " + frame)
        print("    --")
        for frame in user:
            print("    " + frame)
        print("    -                tgid %d" % tgid)
        print("        %d\n" % count)


if __name__ == "__main__":
    main()
