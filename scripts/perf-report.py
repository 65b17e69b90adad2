#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The performance report of scripts/bench.sh.

Reads what one boot measured (rax_perf's JSON lines, rax_load_bench's load
times as JSON lines) and, if given, the load times of the family of sizes
(rax_load_bench --family), the instruction profile
(scripts/insn-profile.py) and the BMC summary (bench/results/bmc-*.json);
writes the summary JSON, one SVG plot per figure, and the results section
of Documentation/rax/performance.rst (between its markers).

Every Rax/eBPF ratio is taken round by round (the two sides ran next to
each other in the same round) and reported as the median of the rounds'
ratios with their 25th and 75th percentiles: how stable the ratio is in
this boot.

Debian's python3-matplotlib (run with /usr/bin/python3).
"""
import argparse
import json
import os
import sys
import textwrap


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def dist(v):
    return {"median": pct(v, 0.5), "p25": pct(v, 0.25), "p75": pct(v, 0.75),
            "min": min(v), "max": max(v), "n": len(v)}


def read_jsonl(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: {e}")
    return out


def series(rows):
    """{(case, param, side): {round: ns}}, {(case, param, side): [samples]} and
    {(case, param, side): why} for what was skipped."""
    timed, samples, skipped = {}, {}, {}
    for r in rows:
        if "case" not in r:
            continue
        key = (r["case"], r["param"], r["side"])
        if "ns" in r:
            timed.setdefault(key, {})[r["round"]] = r["ns"]
        elif "sample" in r:
            samples.setdefault(key, []).append(r["sample"])
        elif "skipped" in r:
            skipped[key] = r["skipped"]
    return timed, samples, skipped


def ratio(timed, a, b):
    """Round-by-round a/b and a-b: (ratios, differences)."""
    ra, rb = timed[a], timed[b]
    rounds = sorted(set(ra) & set(rb))
    return ([ra[r] / rb[r] for r in rounds if rb[r] > 0],
            [ra[r] - rb[r] for r in rounds])


def summarize(timed, samples, skipped, loads):
    s = {"cases": {}}
    pairs = []
    for (case, param, side) in sorted(timed):
        if side.startswith("rax"):
            twin = "ebpf" + side[3:]
            if (case, param, twin) in timed:
                pairs.append(((case, param, side), (case, param, twin)))
    for a, b in pairs:
        rs, ds = ratio(timed, a, b)
        name = f"{a[0]}/{a[1]}/{a[2][3:].lstrip(':') or '-'}"
        s["cases"][name] = {
            "case": a[0], "param": a[1], "what": a[2][3:].lstrip(":"),
            "rax_ns": dist(list(timed[a].values())),
            "ebpf_ns": dist(list(timed[b].values())),
            "ratio": dist(rs), "diff_ns": dist(ds)}
    # Panics: each against the empty Rax run of the same round.
    base = ("panic", 0, "rax_empty")
    if base in timed:
        s["panic"] = {}
        for (case, param, side) in sorted(timed):
            if case == "panic" and side.startswith("rax_panic"):
                _, ds = ratio(timed, (case, param, side), base)
                s["panic"][side[4:]] = {"held": param, "extra_ns": dist(ds),
                                        "ns": dist(list(timed[(case, param, side)].values()))}
        err = ("panic", 1, "ebpf_error_path")
        if err in timed:
            s["panic"]["ebpf_error_path"] = {"ns": dist(list(timed[err].values()))}
    # Panics on a tracepoint: each against the same program returning.
    base = ("panic_tp", 0, "rax_return")
    if base in timed:
        s["panic_tp"] = {"return": {"ns": dist(list(timed[base].values()))}}
        for (case, param, side) in sorted(timed):
            if case == "panic_tp" and side.startswith("rax_panic"):
                _, ds = ratio(timed, (case, param, side), base)
                s["panic_tp"][side[4:]] = {"extra_ns": dist(ds),
                                           "ns": dist(list(timed[(case, param, side)].values()))}
    for (case, param, side), v in samples.items():
        s.setdefault("distributions", {})[f"{case}/{side}"] = {
            "budget_us": param, "ns": dist(v), "p99": pct(v, 0.99), "samples": sorted(v)}
    for (case, param, side), why in skipped.items():
        s.setdefault("skipped", {})[f"{case}/{side}"] = why
    rec = sorted((c for c in s["cases"].values() if c["case"] == "recursion"),
                 key=lambda c: c["param"])
    if len(rec) > 1:
        s["recursion"] = {
            "rax_ns_per_level": slope([(c["param"], c["rax_ns"]["median"]) for c in rec]),
            "ebpf_ns_per_level": slope([(c["param"], c["ebpf_ns"]["median"]) for c in rec])}
    if loads:
        s["load"] = load_summary(loads)
    return s


def load_summary(loads):
    """Per object: its sizes, both sides' load times and the ratio round by round."""
    out = {}
    for name in sorted({r["object"] for r in loads}):
        rows = [r for r in loads if r["object"] == name]
        rx = {r["round"]: r["ns"] for r in rows if r["side"] == "rax"}
        eb = {r["round"]: r["ns"] for r in rows if r["side"] == "ebpf"}
        rounds = sorted(set(rx) & set(eb))
        out[name] = {
            "size": rows[0].get("size"), "insns": rows[0].get("insns"),
            "rax_ns": dist(list(rx.values())), "ebpf_ns": dist(list(eb.values())),
            "ratio": dist([rx[r] / eb[r] for r in rounds])}
    return out


MAP_OPS = 64  # rax_perf --spin's labels give theirs as the parameter


def insn_pairs(insns):
    """Rax against eBPF instruction counts, from rax_perf --spin's labels."""
    def count(lab):
        n = insns[lab]["total"]
        if f"base of {lab}" in insns:
            n = (n - insns[f"base of {lab}"]["total"]) / (int(lab.split(" ")[1]) or MAP_OPS)
        return n

    pairs = []
    for lab in insns:
        parts = lab.split(" ", 2)
        if lab.startswith("base of ") or len(parts) != 3 or not parts[2].startswith("rax"):
            continue
        twin = f"{parts[0]} {parts[1]} ebpf{parts[2][3:]}"
        if twin not in insns:
            continue
        c = {"case": parts[0], "param": int(parts[1]), "what": parts[2][3:].lstrip(":")}
        name = f"{c['case']}/{c['param']}/{c['what'] or '-'}"
        r, e = count(lab), count(twin)
        pairs.append({"what": label(name, c), "rax": round(r, 1), "ebpf": round(e, 1),
                      "ratio": r / e if e else float("nan"), "order": order((name, c))})
    pairs.sort(key=lambda p: p["order"])
    for p in pairs:
        del p["order"]
    return pairs


LABELS = {
    "empty/0/-": "empty program, run bare (XDP test run)",
    "empty/0/framed": "empty program through rax_run() (XDP test run)",
    "empty_tp/0/-": "empty program (tracepoint, per getppid())",
    "spinlock/0/-": "spin-lock section (lock, add, unlock)",
}


def label(name, c):
    if name in LABELS:
        return LABELS[name]
    if c["case"] == "map":
        kind, op = c["what"].split(":")
        return f"map {op.replace('_', ' ')}, {kind.replace('_', ' ')} (per op)"
    if c["case"] == "recursion":
        return f"recursion depth {c['param']} (eBPF: tail calls)"
    return name


def order(item):
    name, c = item
    rank = {"empty": 0, "empty_tp": 1, "spinlock": 2, "map": 3, "recursion": 4}.get(c["case"], 9)
    return (rank, c["what"], c["param"])


def stop_rank(name):
    ctx = name.split("/")[1]
    return (["process", "softirq", "hardirq", "nmi"] + [ctx]).index(ctx)


def fmt_ratio(d):
    n = 2 if d["median"] >= 0.1 else 4
    return f"{d['median']:.{n}f} ({d['p25']:.{n}f} to {d['p75']:.{n}f})"


def verdict(d):
    if d["p75"] < 0.98:
        return "Rax faster"
    if d["p25"] > 1.02:
        return "Rax slower"
    return "equal"


def rst_table(header, rows):
    out = [".. list-table::", "   :header-rows: 1", ""]
    for i, row in enumerate([header] + rows):
        for j, cell in enumerate(row):
            out.append((("   * - " if j == 0 else "     - ") + str(cell)).rstrip())
    return out + [""]


def para(text):
    return textwrap.wrap(text, 78, break_on_hyphens=False) + [""]


def slope(points):
    """Least-squares slope of [(x, y)]."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else float("nan")


def write_rst(path, s, meta, figs):
    lines = [".. perf-results-begin", ""]
    lines += para(
        f"Measured {meta['date']}, {meta['kernel']} kernel, under {meta['emulator']} "
        f"(2 vCPUs, on {meta['machine']}), one boot, {meta['rounds']} rounds: in each round "
        "every contender ran its runs for about 200 ms, the Rax program and its eBPF twin "
        "next to each other. A time is per run (per operation for maps). A ratio is Rax "
        "over eBPF, taken round by round: the median of the rounds, with their 25th to 75th "
        "percentile in brackets. \"equal\" means the ratio's middle half lies within 2% "
        "of 1.")
    rows = []
    for name, c in sorted(s["cases"].items(), key=order):
        rows.append([label(name, c), f"{c['rax_ns']['median']:.1f}", f"{c['ebpf_ns']['median']:.1f}",
                     fmt_ratio(c["ratio"]), verdict(c["ratio"])])
    lines += rst_table(["case", "Rax (ns)", "eBPF (ns)", "Rax / eBPF", "verdict"], rows)
    if "recursion" in s:
        r = s["recursion"]
        lines += para(f"Recursion: each level costs Rax {r['rax_ns_per_level']:.1f} ns and the "
                      f"eBPF twin's tail call {r['ebpf_ns_per_level']:.1f} ns (least-squares "
                      "slope over the depths).")
    def panic_rows(p, held):
        """A row per panic in @p, by what it held, with its cost beyond the base."""
        return [[f"a panic holding {what}", f"{p[k]['ns']['median']:.1f}",
                 f"{p[k]['extra_ns']['median']:+.1f} "
                 f"({p[k]['extra_ns']['p25']:+.1f} to {p[k]['extra_ns']['p75']:+.1f})"]
                for k, what in held if k in p]

    if "panic" in s:
        p = s["panic"]
        rows = panic_rows(p, (("panic", "nothing"), ("panic_lock", "a spin lock"),
                              ("panic_lock_record", "a spin lock and a ring-buffer record")))
        if "ebpf_error_path" in p:
            rows.append(["eBPF twin's error path (unlock, abort)",
                         f"{p['ebpf_error_path']['ns']['median']:.1f}", "(no panic)"])
        lines += para("Panics in XDP, against an empty Rax run through ``rax_run()`` "
                      "(``empty_run``) of the same round:")
        lines += rst_table(["run", "ns per run", "beyond an empty Rax run (ns)"], rows)
    if "panic_tp" in s:
        p = s["panic_tp"]
        rows = [["the program returning", f"{p['return']['ns']['median']:.1f}", ""]]
        rows += panic_rows(p, (("panic", "nothing"), ("panic_record", "a ring-buffer record"),
                               ("panic_record_task",
                                "a ring-buffer record and a task reference")))
        lines += para("Panics on a tracepoint (``sys_enter_getppid``; a spin lock is for "
                      "networking programs only, a task reference for tracing programs only), "
                      "per call beyond a getppid() with no program, against the same program "
                      "returning:")
        lines += rst_table(["run", "ns per call", "beyond the return (ns)"], rows)
    dists = sorted(s.get("distributions", {}).items(), key=lambda kv: stop_rank(kv[0]))
    if dists or s.get("skipped"):
        rows = [[name.split("/")[1], d["ns"]["n"], f"{d['ns']['median'] / 1000:.1f}",
                 f"{d['p99'] / 1000:.1f}", f"{d['ns']['max'] / 1000:.1f}"] for name, d in dists]
        rows += [[name.split("/")[1], 0, "skipped: " + why, "", ""]
                 for name, why in sorted(s.get("skipped", {}).items())]
        budget = dists[0][1]["budget_us"] if dists else 1000
        lines += para(f"Termination: endless loops stopped past a {budget} us budget, one at "
                      "a time on one CPU, by context: how late each stop came (the kernel's "
                      "overrun of the deadline, ``rax_overrun_last_ns``):")
        lines += rst_table(["context", "stops", "median (us)", "p99 (us)", "max (us)"], rows)
    if "load" in s:
        rows = []
        for name, d in sorted(s["load"].items(), key=lambda kv: kv[1]["size"] or 0):
            rows.append([name, d["size"], d["insns"], f"{d['rax_ns']['median'] / 1000:.0f}",
                         f"{d['ebpf_ns']['median'] / 1000:.0f}", fmt_ratio(d["ratio"])])
        lines += para("Load time: the Rax object (signature, parse, relocation) against its "
                      "eBPF twin through the verifier and the JIT:")
        lines += rst_table(["program", "Rax object (bytes)", "eBPF insns", "Rax (us)",
                            "eBPF (us)", "Rax / eBPF"], rows)
    if "load_insns" in s:
        rows = []
        for name, d in sorted(s["load_insns"].items(), key=lambda kv: kv[1]["size"] or 0):
            rows.append([name, f"{d['rax_ns']['median'] / 1000:.0f}",
                         f"{d['ebpf_ns']['median'] / 1000:.0f}", fmt_ratio(d["ratio"])])
        lines += para("The same loads in guest instructions, which TCG does not distort: "
                      "timed in a boot whose clock counts instructions (QEMU ``-icount "
                      "shift=0``: 1 ns per instruction, both vCPUs, interrupts included), "
                      f"{s['load_insns_loads']} loads of each side, alternating:")
        lines += rst_table(["program", "Rax (k insns)", "eBPF (k insns)", "Rax / eBPF"], rows)
    if s.get("load_family"):
        lines += rst_load_family(s["load_family"])
    if s.get("insn_pairs"):
        rows = []
        for p in s["insn_pairs"]:
            rows.append([p["what"], p["rax"], p["ebpf"], f"{p['ratio']:.2f}"])
        lines += para("Instructions, counted by single-stepping the guest "
                      "(``scripts/insn-profile.py``), which TCG does not distort: a run from "
                      "the XDP dispatcher's entry to its return (per operation for maps: the "
                      "run of 9 operations less the run of one, over 8):")
        lines += rst_table(["case", "Rax", "eBPF", "Rax / eBPF"], rows)
    if "bmc" in s:
        b = s["bmc"]
        lines += para(f"BMC, the Memcached cache (:doc:`bmc`, measured {b['date']} on the "
                      f"{b['kernel']} kernel): Rax / eBPF throughput "
                      f"{b['ratio']['median']:.2f} ({b['ratio']['min']:.2f} to "
                      f"{b['ratio']['max']:.2f}, min to max over rounds).")
    for f in figs:
        lines += [f".. image:: {os.path.basename(f)}", ""]
    lines += [".. perf-results-end"]
    text = open(path).read()
    a, b = text.index(".. perf-results-begin"), text.index(".. perf-results-end")
    with open(path, "w") as f:
        f.write(text[:a] + "\n".join(lines) + text[b + len(".. perf-results-end"):])


def write_readme(path, s, meta, figs):
    """The summary table of README.md, between its perf-results markers."""
    rows = ["| case | Rax | eBPF | Rax / eBPF | verdict |", "|---|---|---|---|---|"]
    for name, c in sorted(s["cases"].items(), key=order):
        if c["case"] == "recursion" and c["param"] not in (1, 32):
            continue
        rows.append(f"| {label(name, c)} | {c['rax_ns']['median']:.1f} ns | "
                    f"{c['ebpf_ns']['median']:.1f} ns | {fmt_ratio(c['ratio'])} | "
                    f"{verdict(c['ratio'])} |")
    for name, d in sorted(s.get("load", {}).items(), key=lambda kv: kv[1]["size"] or 0):
        rows.append(f"| load {name} ({d['insns']} eBPF insns) | "
                    f"{d['rax_ns']['median'] / 1e3:.0f} us | {d['ebpf_ns']['median'] / 1e3:.0f} us | "
                    f"{fmt_ratio(d['ratio'])} | "
                    f"{verdict(d['ratio'])} |")
    for name, d in sorted(s.get("load_insns", {}).items(), key=lambda kv: kv[1]["size"] or 0):
        rows.append(f"| load {name}, in guest instructions | "
                    f"{d['rax_ns']['median'] / 1e3:.0f} k | {d['ebpf_ns']['median'] / 1e3:.0f} k | "
                    f"{fmt_ratio(d['ratio'])} | {verdict(d['ratio'])} |")
    dists = sorted(s.get("distributions", {}).items(), key=lambda kv: stop_rank(kv[0]))
    if dists:
        rows.append("| stop past a %d us budget, p99 (%s) | %s | | | |" % (
            dists[0][1]["budget_us"], ", ".join(n.split("/")[1] for n, _ in dists),
            " / ".join(f"{d['p99'] / 1000:.0f} us" for _, d in dists)))
    if "bmc" in s:
        b = s["bmc"]["ratio"]
        rows.append(f"| BMC, time per request ({s['bmc']['date']}; "
                    f"min to max) | | | {1 / b['median']:.2f} ({1 / b['max']:.2f} to "
                    f"{1 / b['min']:.2f}) | {verdict({'p25': 1 / b['max'], 'p75': 1 / b['min']})} |")
    text = [f"Measured {meta['date']}, {meta['kernel']} kernel, {meta['emulator']}, one boot, "
            f"{meta['rounds']} rounds (median, 25th to 75th percentile of the rounds' ratios):",
            ""] + rows + [""]
    if figs:
        text += ["Plots: " + ", ".join(
            f"[{os.path.basename(f)[:-4]}](Documentation/rax/{os.path.basename(f)})"
            for f in figs) + "."]
    doc = open(path).read()
    a = doc.index("<!-- perf-results-begin -->") + len("<!-- perf-results-begin -->")
    b = doc.index("<!-- perf-results-end -->")
    with open(path, "w") as f:
        f.write(doc[:a] + "\n" + "\n".join(text) + "\n" + doc[b:])


def load_family(rows):
    """rax_load_bench --family: per object (a rule_table of N rules), its load
    times and its twin's, or the twin's refusal; sorted by N."""
    fam = {}
    for r in rows:
        if "object" not in r or "rules" not in r:
            continue
        f = fam.setdefault(r["object"], {"object": r["object"], "rules": r["rules"], "t": {}})
        for k in ("size", "insns"):
            if k in r:
                f[k] = r[k]
        if "error" in r:
            f["refused"] = {"error": r["error"], "errno": r.get("errno"),
                            "reason": r.get("reason", "")}
        elif "loads" in r:
            f.update(loads=r["loads"], asked=r.get("asked"), budget_s=r.get("budget_s"))
        elif "ns" in r:
            f["t"].setdefault(r["side"], {})[r["round"]] = r["ns"]
    out = []
    for f in sorted(fam.values(), key=lambda f: f["rules"]):
        t = f.pop("t")
        rx, eb = t.get("rax", {}), t.get("ebpf", {})
        if rx:
            f["rax_ns"] = dist(list(rx.values()))
        if eb:
            f["ebpf_ns"] = dist(list(eb.values()))
            rounds = sorted(set(rx) & set(eb))
            if rounds:
                f["ratio"] = dist([rx[r] / eb[r] for r in rounds])
        out.append(f)
    return out


def family_gives_up(fam):
    """(largest size the verifier took, smallest it refused, the refusal), or None."""
    refused = [f for f in fam if "refused" in f]
    if not refused:
        return None
    first = refused[0]
    took = [f for f in fam if "ebpf_ns" in f and f["rules"] < first["rules"]]
    return (took[-1] if took else None), first, first["refused"]


def fmt_ms(ns):
    ms = ns / 1e6
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def rst_load_family(fam):
    rows = []
    for f in fam:
        r = [f["rules"], f.get("size", ""), f.get("insns", ""),
             fmt_ms(f["rax_ns"]["median"]) if "rax_ns" in f else ""]
        if "refused" in f:
            r += [f"refused: {f['refused']['error']}, {f['refused']['reason']}", ""]
        elif "ebpf_ns" in f:
            r += [fmt_ms(f["ebpf_ns"]["median"]), fmt_ratio(f["ratio"]) if "ratio" in f else ""]
        else:
            r += ["", ""]
        rows.append(r + [f.get("loads", "")])
    budget = next((f["budget_s"] for f in fam if f.get("budget_s")), None)
    asked = max((f.get("asked") or 0 for f in fam), default=0)
    text = ("Load time against program size (``rax_load_bench --family``): rule_table "
            "crates of N rules (``scripts/gen-rule-table.py``, the sample's code for 512), "
            "each against an eBPF twin of the same N rules (16 instructions a rule), the "
            "pair checked on the same packets first, then loaded alternately, "
            f"{asked} times")
    if budget:
        text += (f", fewer where that would take over about {budget} s (the loads "
                 "column)")
    text += ". Median times; the ratio is taken load by load."
    g = family_gives_up(fam)
    if g:
        took, first, why = g
        text += (f" The verifier refuses the twin of {first['rules']} rules ({first['insns']} "
                 f"instructions): {why['error']}, \"{why['reason']}\"")
        if took:
            text += (f"; the largest twin it accepts here has {took['rules']} rules "
                     f"({took['insns']} instructions)")
        text += ". Where it refuses, Rax is timed alone."
    return para(text) + rst_table(["rules", "Rax object (bytes)", "eBPF insns", "Rax (ms)",
                                   "eBPF (ms)", "Rax / eBPF", "loads"], rows)


def plot_load_family(fam, path, meta, plt):
    """Rax and verifier + JIT load times against the number of rules, log-log,
    with the middle half of the loads as bars; where the verifier gives up."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, mark, lab in (("rax_ns", "o-", "Rax: signature, parse, relocation"),
                           ("ebpf_ns", "s-", "eBPF twin: verifier and JIT")):
        pts = [f for f in fam if key in f]
        if not pts:
            continue
        y = [f[key]["median"] / 1e6 for f in pts]
        ax.errorbar([f["rules"] for f in pts], y, fmt=mark, capsize=3, markersize=4,
                    yerr=[[v - f[key]["p25"] / 1e6 for v, f in zip(y, pts)],
                          [f[key]["p75"] / 1e6 - v for v, f in zip(y, pts)]], label=lab)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = []
    for f in fam:
        if not ticks or f["rules"] >= ticks[-1] * 1.5:
            ticks.append(f["rules"])
    ax.set_xticks(ticks, [str(t) for t in ticks], fontsize=7)
    ax.minorticks_off()
    ax.set_xlim(fam[0]["rules"] / 1.5, fam[-1]["rules"] * 1.5)
    g = family_gives_up(fam)
    if g:
        took, first, why = g
        x = (took["rules"] * first["rules"]) ** 0.5 if took else first["rules"]
        ax.axvline(x, color="tab:red", linestyle="--", linewidth=1)
        ax.axvspan(x, fam[-1]["rules"] * 1.5, color="tab:red", alpha=0.06, linewidth=0)
        refused = [f["rules"] for f in fam if "refused" in f]
        ax.plot(refused, [0.04] * len(refused), "x", color="tab:red",
                transform=ax.get_xaxis_transform(), label="eBPF twin refused")
        ax.text(0.99, 0.88, f"the verifier gives up at {first['rules']} rules\n"
                f"({first['insns']} insns): {why['error']}\n" + textwrap.fill(why["reason"], 34),
                transform=ax.transAxes, fontsize=7, color="tab:red", ha="right", va="top")
    ax.set_xlabel("program size: rules (eBPF twin: 16 instructions a rule)")
    ax.set_ylabel("ms per load (median; bars: 25th to 75th percentile)")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(f"Load time against program size, {meta['kernel']} kernel, {meta['emulator']}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def plots(s, prefix, meta):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    matplotlib.rcParams["svg.hashsalt"] = "rax"
    matplotlib.rcParams["svg.fonttype"] = "none"
    figs = []

    items = sorted(s["cases"].items(), key=order)
    if items:
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(items) + 1.2))
        ys = range(len(items))
        for y, (name, c) in zip(ys, items):
            r = c["ratio"]
            col = {"Rax faster": "tab:green", "Rax slower": "tab:red"}.get(verdict(r), "tab:gray")
            ax.barh(y, r["median"] - 1, left=1, color=col, height=0.6)
            ax.plot([r["p25"], r["p75"]], [y, y], color="black", linewidth=1)
        ax.axvline(1, color="black", linewidth=0.8)
        ax.set_yticks(list(ys), [label(n, c) for n, c in items], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("Rax / eBPF time (1 = equal; left of 1: Rax faster)")
        ax.set_title(f"Rax against eBPF, {meta['kernel']} kernel, {meta['emulator']}", fontsize=9)
        fig.tight_layout()
        figs.append(f"{prefix}-ratios.svg")
        fig.savefig(figs[-1], metadata={"Date": None})
        plt.close(fig)

    rec = sorted((c for c in s["cases"].values() if c["case"] == "recursion"),
                 key=lambda c: c["param"])
    if rec:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        d = [c["param"] for c in rec]
        ax.plot(d, [c["rax_ns"]["median"] / 1000 for c in rec], "o-", label="Rax: recursion")
        ax.plot(d, [c["ebpf_ns"]["median"] / 1000 for c in rec], "s-",
                label="eBPF: a tail call per level")
        ax.set_xlabel("depth")
        ax.set_ylabel("us per run")
        ax.legend()
        ax.set_title("Recursion against tail calls", fontsize=9)
        fig.tight_layout()
        figs.append(f"{prefix}-recursion.svg")
        fig.savefig(figs[-1], metadata={"Date": None})
        plt.close(fig)

    dists = sorted(s.get("distributions", {}).items(), key=lambda kv: stop_rank(kv[0]))
    if dists:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for name, d in dists:
            v = [max(x, 1) / 1000 for x in d["samples"]]
            ax.plot(v, [(i + 1) / len(v) for i in range(len(v))], drawstyle="steps-post",
                    label=f"{name.split('/')[1]} (p99 {d['p99'] / 1000:.0f} us)")
        ax.set_xscale("log")
        ax.set_xlabel(f"us past the {dists[0][1]['budget_us']} us budget (log)")
        ax.set_ylabel("fraction of stops")
        ax.legend(fontsize=8)
        ax.set_title("How late an endless loop is stopped, by context", fontsize=9)
        fig.tight_layout()
        figs.append(f"{prefix}-stop.svg")
        fig.savefig(figs[-1], metadata={"Date": None})
        plt.close(fig)

    if s.get("load_family"):
        figs.append(f"{prefix}-load.svg")
        plot_load_family(s["load_family"], figs[-1], meta, plt)
    elif "load" in s and s["load"]:
        ld = sorted(s["load"].values(), key=lambda d: d["size"] or 0)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        x = [d["insns"] for d in ld]
        ax.plot(x, [d["rax_ns"]["median"] / 1e6 for d in ld], "o-", label="Rax: signature, parse, relocation")
        ax.plot(x, [d["ebpf_ns"]["median"] / 1e6 for d in ld], "s-", label="eBPF: verifier and JIT")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("program size (eBPF twin's instructions)")
        ax.set_ylabel("ms per load")
        ax.legend()
        ax.set_title("Load time against program size", fontsize=9)
        fig.tight_layout()
        figs.append(f"{prefix}-load.svg")
        fig.savefig(figs[-1], metadata={"Date": None})
        plt.close(fig)
    # The SVGs go into the patch series: no trailing blanks.
    for f in figs:
        with open(f) as fh:
            text = "\n".join(line.rstrip() for line in fh.read().splitlines()) + "\n"
        with open(f, "w") as fh:
            fh.write(text)
    return figs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("perf", help="rax_perf's JSON lines")
    ap.add_argument("--loads", help="rax_load_bench --json lines")
    ap.add_argument("--loadfamily", help="rax_load_bench --family's JSON lines")
    ap.add_argument("--loads-insns",
                    help="rax_load_bench's JSON lines from a boot on an instruction clock")
    ap.add_argument("--insns", help="scripts/insn-profile.py's JSON")
    ap.add_argument("--bmc", help="bench/results/bmc-KERNEL.json")
    ap.add_argument("--kernel", default="release")
    ap.add_argument("--date", required=True)
    ap.add_argument("--machine", default="unknown")
    ap.add_argument("--emulator", default="QEMU TCG")
    ap.add_argument("--json", required=True)
    ap.add_argument("--rst")
    ap.add_argument("--svg-prefix", help="plots go to PREFIX-NAME.svg")
    ap.add_argument("--readme", help="README.md, whose summary table to rewrite")
    a = ap.parse_args()

    rows = read_jsonl(a.perf)
    rounds = next((r["value"] for r in rows if r.get("meta") == "rounds"), None)
    timed, samples, skipped = series(rows)
    if not timed:
        sys.exit(f"{a.perf}: no measurements")
    loads = read_jsonl(a.loads) if a.loads else []
    s = summarize(timed, samples, skipped, loads)
    if a.insns:
        s["insns"] = {k: {"total": v["total"], "iteration": v["iteration"],
                          "functions": v["functions"]}
                      for k, v in json.load(open(a.insns)).items()}
        s["insn_pairs"] = insn_pairs(s["insns"])
    if a.bmc and os.path.exists(a.bmc):
        b = json.load(open(a.bmc))
        r = b.get("ratios", {}).get("rax/ebpf", {}).get("throughput")
        if r:
            s["bmc"] = {"ratio": dict(r, p25=r["min"], p75=r["max"]), "date": b.get("date"),
                        "kernel": b.get("kernel"), "source": os.path.basename(a.bmc)}
    if a.loads_insns:
        li = read_jsonl(a.loads_insns)
        s["load_insns"] = load_summary(li)
        s["load_insns_loads"] = len({(r["round"]) for r in li})
    if a.loadfamily:
        s["load_family"] = load_family(read_jsonl(a.loadfamily))
    meta = {"date": a.date, "kernel": a.kernel, "machine": a.machine,
            "emulator": a.emulator, "rounds": rounds}
    s["meta"] = meta
    figs = plots(s, a.svg_prefix, meta) if a.svg_prefix else []
    with open(a.json, "w") as f:
        json.dump(s, f, indent=1, sort_keys=True)
        f.write("\n")
    if a.rst:
        write_rst(a.rst, s, meta, figs)
    if a.readme:
        write_readme(a.readme, s, meta, figs)
    for name, c in sorted(s["cases"].items(), key=order):
        print(f"{label(name, c):55s} Rax/eBPF {fmt_ratio(c['ratio'])}  {verdict(c['ratio'])}")


if __name__ == "__main__":
    main()
