# SPDX-License-Identifier: GPL-2.0
# Instruction counts of BPF program runs, taken through QEMU's gdb stub:
# what TCG does not distort. Run by scripts/bench.sh inside gdb:
#
#   gdb -q -batch -ex 'py insn_args = {...}' -x scripts/insn-profile.py VMLINUX
#
# insn_args: port (the stub's), progs ({"prog id" or "prog id packet-hex":
# label}), stop (the guest
# address of the spinning program's stop flag, set when done), samples (runs
# followed per program), out (the JSON file to write) and, optionally,
# detail (more functions to count by source line).
#
# The guest runs each program a test run of two runs at a time (rax_perf
# --spin). At
# every entry of bpf_dispatcher_xdp_func (the XDP dispatcher every test run
# of an XDP program goes through) the script reads the program's id from
# its insnsi argument (%rsi), then single-steps the CPU until the
# dispatcher returns, counting the instructions by function (vmlinux
# symbols; code with no symbol is the program's image) and, within the
# functions in DETAIL, by source line; then on to the next run of the same
# test run: that count, "iteration", is one turn of the kernel's test-run
# loop, program included. QEMU's stub single-steps with
# interrupts and timers masked, so a count is of the run alone. Runs of
# most programs always execute the same instructions; where they do not
# (a hash map's element allocation), the middle sample is kept and every
# sample's count is recorded beside it.
import json

import gdb

# Steps from a run's return to the next run beyond which the test run was
# rescheduled (cond_resched()) in between: the sample is dropped.
LOOP_MAX = 5000

DETAIL = ("rax_run", "rax_budget_check", "rax_stack_enter", "rax_stack_leave")

args = insn_args  # noqa: F821 (set by the caller with -ex)
DETAIL += tuple(args.get("detail", ()))
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute(f"target remote 127.0.0.1:{args['port']}")
gdb.execute("hbreak bpf_dispatcher_xdp_func")
dispatcher = int(gdb.parse_and_eval("(unsigned long)&bpf_dispatcher_xdp_func"))

symcache = {}


def where(pc):
    """(function, source line or None) of @pc."""
    if pc in symcache:
        return symcache[pc]
    out = gdb.execute(f"info symbol {pc:#x}", to_string=True)
    fn = out.split()[0] if not out.startswith("No symbol") else "(program image)"
    line = None
    if fn in DETAIL:
        sal = gdb.find_pc_line(pc)
        if sal.symtab:
            line = f"{sal.symtab.filename.split('/')[-1]}:{sal.line}"
    symcache[pc] = (fn, line)
    return symcache[pc]


def reg(name):
    return int(gdb.parse_and_eval(f"(unsigned long)${name}"))


def prog_id():
    """The program's id, with the first bytes of its packet when asked."""
    pid = int(gdb.parse_and_eval(
        "((struct bpf_prog *)((char *)$rsi - "
        "(unsigned long)&((struct bpf_prog *)0)->insnsi))->aux->id"))
    if not keyed:
        return pid
    data = int(gdb.parse_and_eval("(unsigned long)((struct xdp_buff *)$rdi)->data"))
    mem = gdb.selected_inferior().read_memory(data, keyed)
    return f"{pid} {bytes(mem).hex()}"


def step(limit):
    gdb.execute("stepi", to_string=True)
    if limit <= 0:
        raise gdb.GdbError("more than 2000000 instructions: lost")
    return reg("pc")


def follow():
    """
    Step from the dispatcher's entry to its return: the run's profile.
    Then on to the dispatcher's next entry (the test run's second run):
    the instructions of one iteration of the test-run loop around it.
    """
    sp0 = reg("rsp")
    ret = int(gdb.parse_and_eval("*(unsigned long *)$rsp"))
    total, funcs, lines = 0, {}, {}
    while True:
        pc = step(2000000 - total)
        total += 1
        if pc == ret and reg("rsp") > sp0:
            break
        fn, line = where(pc)
        funcs[fn] = funcs.get(fn, 0) + 1
        if line:
            lines[line] = lines.get(line, 0) + 1
    loop, around = 0, {}
    while True:
        pc = step(2000000 - loop)
        loop += 1
        if pc == dispatcher:
            break
        if loop > LOOP_MAX:
            return None  # rescheduled between the runs: not a sample
        fn = where(pc)[0]
        around[fn] = around.get(fn, 0) + 1
    return {"total": total, "functions": funcs, "lines": lines,
            "iteration": total + loop, "loop": around}


# Keys "ID" name a program; keys "ID HEX" a program on a packet that
# starts with the bytes HEX (one program run on several packets).
keyed = max((len(k.split()[1]) // 2 for k in args["progs"] if " " in k), default=0)
progs = {k if keyed else int(k): v for k, v in args["progs"].items()}
want = args.get("samples", 3)
seen = {k: [] for k in progs}
while any(len(v) < want for v in seen.values()):
    gdb.execute("continue", to_string=True)
    pid = prog_id()
    if pid not in seen or len(seen[pid]) >= want:
        continue
    sample = follow()
    if sample:
        seen[pid].append(sample)

result = {}
for pid, samples in seen.items():
    samples.sort(key=lambda s: s["total"])
    pick = dict(samples[len(samples) // 2])
    pick["samples"] = [s["total"] for s in samples]
    result[progs[pid]] = pick
with open(args["out"], "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)

gdb.execute(f"set var *(int *){args['stop']:#x} = 1")
gdb.execute("delete")
gdb.execute("detach")
