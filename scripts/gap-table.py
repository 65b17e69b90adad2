#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write Documentation/rax/verifier-gap.rst from rax_gap_test's output.

    gap-table.py TAP [--date D] [--machine M] > Documentation/rax/verifier-gap.rst
    gap-table.py --check RST TAP

rax_gap_test prints one line per case (its TAP, as run_kselftest.sh
nests it):

    gap: NAME | REJECTED | message | rax 10/10 | wa 10/10 | rax_ns X | wa_ns Y

The table has a row per case: what the program does (the first sentence
of the Rax module's doc comment), the verifier's verdict and message, the
eBPF workaround and its lines, the lines of the C and Rax versions, the
agreement with the reference, and the run-time ratio of the workaround to
Rax where there is one. Lines are lines of code: neither blank nor a
comment, as Documentation/rax/samples.rst counts them.

--check compares the columns that do not depend on timing (case, verdict,
message, lines, agreement) of RST with what TAP gives, and fails on any
difference: the committed page must be the output of a run of the
current corpus.
"""
import argparse
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GAP_C = os.path.join(TOP, "tools/testing/selftests/rax/gap")
GAP_RS = os.path.join(TOP, "userspace/samples/gap/src")
LINE = re.compile(r"gap: (\w+) \| (\w+) \| (.*?) \| rax (\d+)/(\d+) \| wa (\d+)/(\d+) \| "
                  r"rax_ns (-?\d+) \| wa_ns (-?\d+)\s*$")


def code_lines(path, rust):
    """Lines that are neither blank nor comments."""
    n, in_block = 0, False
    with open(path) as f:
        for line in f:
            s = line.strip()
            if in_block:
                if "*/" in s:
                    in_block = False
                    s = s.split("*/", 1)[1].strip()
                    if not s:
                        continue
                else:
                    continue
            if not s or s.startswith("//"):
                continue
            if s.startswith("/*"):
                if "*/" not in s:
                    in_block = True
                    continue
                if not s.split("*/", 1)[1].strip():
                    continue
            n += 1
    return n


def what(name):
    """The first sentence of the Rax module's //! comment."""
    text = []
    with open(os.path.join(GAP_RS, name + ".rs")) as f:
        for line in f:
            if not line.startswith("//!"):
                break
            text.append(line[3:].strip())
    s = " ".join(text)
    m = re.match(r"(.+?\.)(\s|$)", s)
    return (m.group(1) if m else s).replace("`", "``")


def workaround(name):
    """The first line of the workaround's comment, after its name."""
    path = os.path.join(GAP_C, name + "_wa.bpf.c")
    if not os.path.exists(path):
        return None, 0
    lines, text = code_lines(path, False), ""
    with open(path) as f:
        for line in f:
            m = re.match(r"/\* \w+, accepted: (.*?)\.? \*/", line.strip())
            if m and not text:
                text = m.group(1)
            # The same C built otherwise: its lines count, not the include.
            m = re.match(r'#include "(\w+\.bpf\.c)"', line.strip())
            if m:
                lines += code_lines(os.path.join(GAP_C, m.group(1)), False) - 1
    return text, lines


def parse(tap):
    rows = {}
    with open(tap, errors="replace") as f:
        for line in f:
            m = LINE.search(line)
            if m:
                g = m.groups()
                rows[g[0]] = {
                    "verdict": g[1], "message": g[2], "rax_ok": int(g[3]), "rax_n": int(g[4]),
                    "wa_ok": int(g[5]), "wa_n": int(g[6]), "rax_ns": int(g[7]),
                    "wa_ns": int(g[8]),
                }
    return rows


def rows_of(tap):
    out = []
    for name, r in sorted(parse(tap).items()):
        c = code_lines(os.path.join(GAP_C, name + ".bpf.c"), False)
        rs = code_lines(os.path.join(GAP_RS, name + ".rs"), True)
        wa, wa_lines = workaround(name)
        agree = "%d/%d" % (r["rax_ok"], r["rax_n"])
        if wa is not None:
            agree += ", workaround %d/%d" % (r["wa_ok"], r["wa_n"])
        ratio = ""
        if wa is not None and r["rax_ns"] > 0 and r["wa_ns"] > 0:
            ratio = "%.2f (%d / %d ns)" % (r["wa_ns"] / r["rax_ns"], r["wa_ns"], r["rax_ns"])
        out.append({
            "case": name, "what": what(name), "verdict": r["verdict"].lower(),
            "message": r["message"].replace("`", "'"), "c": str(c), "rax": str(rs),
            "wa": ("%s: %d lines (%+d)" % (wa, wa_lines, wa_lines - c)) if wa is not None
                  else "none",
            "agree": agree, "ratio": ratio,
        })
    return out


STABLE = ("case", "verdict", "message", "c", "rax", "wa", "agree")
HEAD = ("case", "what it does", "the 6.12 verifier", "C lines", "Rax lines",
        "eBPF workaround", "Rax (and workaround) against the reference",
        "workaround / Rax run time")


def cell(s):
    return s.replace("\n", " ") or "--"


def render(rows, date, machine):
    n_rej = sum(r["verdict"] == "rejected" for r in rows)
    out = [
        ".. SPDX-License-Identifier: GPL-2.0",
        "",
        "=====================================================",
        "The language-verifier gap: safe programs, rejected",
        "=====================================================",
        "",
        "Each row is a small program a kernel engineer would write, in C for eBPF",
        "(``tools/testing/selftests/rax/gap/NAME.bpf.c``, clang-19 ``-O2``; the",
        "optimisation-level case ``vlan_o0`` at ``-O0``) and in Rust for Rax",
        "(``userspace/samples/gap/src/NAME.rs``). ``rax_gap_test``",
        "loads the C version into the Rax debug kernel and keeps the verifier's",
        "message, runs the Rax version on several inputs (edge cases among them)",
        "against a reference implementation in the test, and, where eBPF has a",
        "workaround (``NAME_wa.bpf.c``), runs and times that too, alternating with",
        "Rax in the same boot: 5 rounds, the medians of their nanoseconds per run",
        "(``BPF_PROG_TEST_RUN`` of each input 200 times, as the kernel times the",
        "runs, without the test run's own set-up). Under TCG every instruction is",
        "emulated: the ratio is what means something, not the nanoseconds.",
        "A ratio below 1 means the workaround ran faster than Rax. On programs",
        "this small a Rax run's fixed cost (its dispatch, run-time budget and",
        "nesting bookkeeping) weighs more than the work, and Rax makes each map",
        "lookup a helper call where the verifier inlines array-map lookups into",
        "eBPF code. ``scripts/bench.sh`` measures the fixed cost on its own.",
        "",
        "This page is written by ``scripts/gap-table.py`` from the test's output;",
        "``scripts/test.sh`` checks that its columns other than run time are what",
        "the current corpus gives. A verifier that comes to accept a case shows",
        "here as *accepted*; one still exploring after the test's cap (a program",
        "over the 1M-instruction limit, which takes many minutes to reach under",
        "TCG with KASAN) as *stopped*.",
        "",
        "Measured %s on %s: %d of %d cases rejected." % (date, machine, n_rej, len(rows)),
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
    ]
    out.append("   * - " + HEAD[0])
    out += ["     - " + h for h in HEAD[1:]]
    for r in rows:
        vals = (r["case"], r["what"], "%s: %s" % (r["verdict"], r["message"]), r["c"],
                r["rax"], r["wa"], r["agree"], r["ratio"])
        out.append("   * - " + cell(vals[0]))
        out += ["     - " + cell(v) for v in vals[1:]]
    return "\n".join(out) + "\n"


def stable_of_rst(path):
    """The stable columns of the rows of a rendered page."""
    rows, cur = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("   * - "):
                cur = [line[7:].rstrip("\n")]
                rows.append(cur)
            elif line.startswith("     - ") and cur is not None:
                cur.append(line[7:].rstrip("\n"))
    keyed = {}
    for r in rows[1:]:
        verdict, _, message = r[2].partition(": ")
        keyed[r[0]] = (r[0], verdict, message, r[3], r[4], r[5], r[6])
    return keyed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tap", nargs="?")
    ap.add_argument("--check", metavar="RST")
    ap.add_argument("--date", default="")
    ap.add_argument("--machine", default="a QEMU TCG guest (debug configuration)")
    args = ap.parse_args()
    if not args.tap:
        ap.error("no TAP file given")
    rows = rows_of(args.tap)
    if not rows:
        sys.exit("gap-table.py: no 'gap:' lines in %s" % args.tap)
    if args.check:
        have = stable_of_rst(args.check)
        want = {r["case"]: tuple(cell(r[k]) for k in STABLE) for r in rows}
        bad = 0
        for case in sorted(set(have) | set(want)):
            if have.get(case) != want.get(case):
                print("gap-table.py: %s: the page says %s, the run %s" %
                      (case, have.get(case), want.get(case)))
                bad += 1
        if bad:
            print("gap-table.py: %s is not current: regenerate it with "
                  "scripts/gap-table.py from a run's TAP" % args.check)
            return 1
        print("gap-table.py: %s matches the run: %d cases" % (args.check, len(rows)))
        return 0
    sys.stdout.write(render(rows, args.date or "(date not given)", args.machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
