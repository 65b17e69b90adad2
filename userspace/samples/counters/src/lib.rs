#![no_std]
#![forbid(unsafe_code)]
//! Counts events of the three tracing program types in one map.
//!
//! Maps:
//! * `TARGET` (array, 1 x u32): the tgid whose kprobe and tracepoint hits
//!   are counted, written by userspace; 0 counts every task.
//! * `EVENTS` (array, 8 x u64), updated atomically:
//!   0 kprobe hits, 1 tracepoint hits, 2 perf_event samples.
//!
//! Entries:
//! 0. `rax_entry_count_kprobe` (kprobe): counts hits by the target task.
//! 1. `rax_entry_count_tracepoint` (tracepoint): the same, for any
//!    `syscalls:sys_enter_*` tracepoint; also prints the syscall number.
//! 2. `rax_entry_count_perf` (perf_event): counts samples.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, KprobeContext, PerfEventContext, TracepointContext};

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static EVENTS: ArrayMap<AtomicU64, 8>);

const KPROBE_HITS: u32 = 0;
const TRACEPOINT_HITS: u32 = 1;
const PERF_SAMPLES: u32 = 2;

fn bump(slot: u32) {
    if let Some(n) = EVENTS.get(slot) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

fn is_target() -> bool {
    let tgid = (rax::current_pid_tgid() >> 32) as u32;
    match TARGET.read(0) {
        Some(0) | None => true,
        Some(t) => t == tgid,
    }
}

fn count_kprobe(_ctx: &KprobeContext) -> u32 {
    if is_target() {
        bump(KPROBE_HITS);
    }
    0
}
rax::kprobe!(count_kprobe);

fn count_tracepoint(ctx: &TracepointContext) -> u32 {
    if is_target() {
        bump(TRACEPOINT_HITS);
        // __syscall_nr, an int at offset 8 of a sys_enter_* record.
        let nr: i32 = ctx.read(8).unwrap_or(-1);
        rax::println!("counters: syscall {} by the target task", nr);
    }
    0
}
rax::tracepoint!(count_tracepoint, record = 12);

fn count_perf(_ctx: &PerfEventContext) -> u32 {
    bump(PERF_SAMPLES);
    0
}
rax::perf_event!(count_perf);
