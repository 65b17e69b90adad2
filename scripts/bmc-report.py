#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The BMC benchmark's report, from `scripts/guest-bmc.sh bench` output.

Usage: bmc-report.py RESULTS.jsonl --json OUT.json [--rst DOC.rst]
                     [--svg OUT.svg] [--kernel debug|release] [--date DATE]

RESULTS has a JSON line per setup (plain, ebpf, rax) and round: mcload's
result ("load") and the BMC's counters after it ("bmc") and before it
("bmc_before"). Writes the medians of
throughput and latency per setup with their spread (min to max over the
rounds), the ratios per round (Rax over eBPF, Rax over plain, eBPF over
plain: medians and spread), the share of gets answered from XDP, and the
lines of code of both BMCs; replaces the part of DOC between the
".. bmc-results-begin" and ".. bmc-results-end" lines with a table; draws
throughput and p99 latency per setup and round (matplotlib, SVG).
"""
import argparse
import json
import os
import statistics
import sys
import textwrap

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUPS = ["plain", "ebpf", "rax"]


def code_lines(path):
    """Lines neither blank nor a comment (as test_samples_doc.cpp counts)."""
    n, block = 0, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = line.strip()
            if block:
                block = "*/" not in t
                continue
            if not t or t.startswith("//"):
                continue
            if t.startswith("/*"):
                block = "*/" not in t
                continue
            n += 1
    return n


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    if not rows:
        raise SystemExit(f"bmc-report: no results in {path}")
    return rows


def summarise(rows):
    by = {s: {} for s in SETUPS}
    for r in rows:
        by[r["setup"]][r["round"]] = r
    rounds = sorted(set.intersection(*(set(by[s]) for s in SETUPS)))
    if not rounds:
        raise SystemExit("bmc-report: no round has all three setups")
    out = {"rounds": len(rounds), "setups": {}, "ratios": {}}
    for s in SETUPS:
        loads = [by[s][r]["load"] for r in rounds]
        bmc = [by[s][r]["bmc"] for r in rounds]
        d = {
            "throughput_rps": spread([x["throughput_rps"] for x in loads]),
            "p50_us": spread([x["latency_us"]["p50"] for x in loads]),
            "p99_us": spread([x["latency_us"]["p99"] for x in loads]),
            "key_hit_rate": spread([x["hit_rate"] for x in loads]),
            "timeouts": sum(x["timeouts"] for x in loads),
            "errors": sum(x["errors"] + x["bad_values"] + x["stale_values"] for x in loads),
        }
        if s != "plain":
            before = [by[s][r].get("bmc_before", {}) for r in rounds]
            share = []
            for b, b0 in zip(bmc, before):
                gets = b.get("gets", 0) - b0.get("gets", 0)
                share.append((b.get("hits", 0) - b0.get("hits", 0)) / gets if gets else 0)
            d["xdp_answered"] = spread(share)
            for prog in ("bmc_rx", "bmc_tx"):
                ns = []
                for r in rounds:
                    a = by[s][r].get("progs", {}).get(prog)
                    b0 = by[s][r].get("progs_before", {}).get(prog, [0, 0])
                    if a and a[1] > b0[1]:
                        ns.append((a[0] - b0[0]) / (a[1] - b0[1]))
                if ns:
                    d[f"{prog}_ns_per_run"] = spread(ns)
        out["setups"][s] = d
    for a, b in (("rax", "ebpf"), ("rax", "plain"), ("ebpf", "plain")):
        tp = [by[a][r]["load"]["throughput_rps"] / by[b][r]["load"]["throughput_rps"]
              for r in rounds]
        p99 = [by[a][r]["load"]["latency_us"]["p99"] / by[b][r]["load"]["latency_us"]["p99"]
               for r in rounds]
        out["ratios"][f"{a}/{b}"] = {"throughput": spread(tp), "p99": spread(p99)}
    first = by["plain"][rounds[0]]["load"]
    out["load"] = {k: first[k] for k in ("threads", "keys", "value_size", "zipf", "get_ratio",
                                         "seconds") if k in first}
    rax = [os.path.join(TOP, "userspace/samples", c, "src/lib.rs") for c in ("bmc", "bmc_tx")]
    out["lines_of_code"] = {
        "rax": sum(code_lines(p) for p in rax),
        "ebpf": code_lines(os.path.join(TOP, "tools/testing/selftests/rax/twins/bmc.bpf.c")),
    }
    return out


def fmt(s, digits=2):
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f} to {s['max']:.{digits}f})"


def rst_table(res):
    L = []
    L.extend(textwrap.wrap(f"Measured {res['date']}, {res['kernel']} kernel, under QEMU TCG (2 vCPUs), "
             f"{res['rounds']} rounds of {res['load'].get('seconds', 0):.0f} s per setup, "
             f"the setups alternating in each round, {res['load'].get('threads')} client "
             f"threads over {res['load'].get('keys')} keys (Zipf "
             f"{res['load'].get('zipf', 0):.2f}, {res['load'].get('get_ratio', 0):.0%} gets, "
             f"{res['load'].get('value_size')}-byte values). Medians, with the spread over the "
             "rounds (min to max) in brackets.", 76))
    L.append("")
    L.append(".. list-table::")
    L.append("   :header-rows: 1")
    L.append("")
    L.append("   * - setup")
    L.append("     - requests/s")
    L.append("     - p50 (us)")
    L.append("     - p99 (us)")
    L.append("     - gets answered from XDP")
    for s in SETUPS:
        d = res["setups"][s]
        L.append(f"   * - {s}")
        L.append(f"     - {fmt(d['throughput_rps'], 0)}")
        L.append(f"     - {fmt(d['p50_us'], 0)}")
        L.append(f"     - {fmt(d['p99_us'], 0)}")
        L.append(f"     - {fmt(d['xdp_answered']) if 'xdp_answered' in d else '-'}")
    L.append("")
    L.append(".. list-table::")
    L.append("   :header-rows: 1")
    L.append("")
    L.append("   * - ratio, per round")
    L.append("     - throughput")
    L.append("     - p99 latency")
    for k, v in res["ratios"].items():
        L.append(f"   * - {k}")
        L.append(f"     - {fmt(v['throughput'])}")
        L.append(f"     - {fmt(v['p99'])}")
    L.append("")
    runs = [(s, res["setups"][s]) for s in ("ebpf", "rax")]
    if all("bmc_rx_ns_per_run" in d for _, d in runs):
        L.extend(textwrap.wrap(
            "Run time per packet of the two entry programs (kernel.bpf_stats_enabled; the "
            "eBPF twin's tail calls count in their caller's time), ns: " + "; ".join(
                f"{s} XDP {fmt(d['bmc_rx_ns_per_run'], 0)}, tc {fmt(d['bmc_tx_ns_per_run'], 0)}"
                for s, d in runs) + ".", 76))
        L.append("")
    loc = res["lines_of_code"]
    L.append(f"Lines of code: Rax {loc['rax']} (``bmc`` and ``bmc_tx``), eBPF {loc['ebpf']}.")
    L.append("")
    L.append(f".. image:: bmc-{res['kernel']}.svg")
    return L


def write_rst(path, res):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    begin, end = ".. bmc-results-begin\n", ".. bmc-results-end\n"
    if begin not in text or end not in text:
        raise SystemExit(f"bmc-report: {path} has no {begin.strip()} / {end.strip()} lines")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    body = "\n".join(rst_table(res))
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + begin + "\n" + body + "\n\n" + end + tail)


def write_svg(path, rows, res):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    by = {s: sorted((r["round"], r["load"]) for r in rows if r["setup"] == s) for s in SETUPS}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], lambda x: x["throughput_rps"], "requests/s"),
                           (axes[1], lambda x: x["latency_us"]["p99"], "p99 latency (us)")):
        for s in SETUPS:
            xs = [r for r, _ in by[s]]
            ax.plot(xs, [key(x) for _, x in by[s]], marker="o", label=s)
        ax.set_xlabel("round")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle(f"BMC under QEMU TCG, {res['kernel']} kernel, {res['date']}: "
                 f"Rax/eBPF throughput {res['ratios']['rax/ebpf']['throughput']['median']:.2f}")
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    # No trailing blanks (the file is part of a kernel patch).
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip() for line in f]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--json", required=True)
    ap.add_argument("--rst")
    ap.add_argument("--svg")
    ap.add_argument("--kernel", default="debug")
    ap.add_argument("--date", default="")
    a = ap.parse_args()
    rows = load(a.results)
    res = summarise(rows)
    res["kernel"] = a.kernel
    res["date"] = a.date
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    if a.rst:
        write_rst(a.rst, res)
    if a.svg:
        write_svg(a.svg, rows, res)
    r = res["ratios"]
    print(f"Rax/eBPF throughput {fmt(r['rax/ebpf']['throughput'])}, Rax/plain "
          f"{fmt(r['rax/plain']['throughput'])}, eBPF/plain {fmt(r['ebpf/plain']['throughput'])}"
          f" over {res['rounds']} rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
