#![no_std]
#![forbid(unsafe_code)]
//! Takes task references (`rax::TaskRef`) from a tracepoint and a kprobe,
//! and releases them normally, by a panic, or by a return that leaked one
//! (the kernel's per-invocation cleanup log releases what the program did
//! not).
//!
//! Maps:
//! * `TARGET` (array, 1 x u32): the tgid whose hits are handled, written by
//!   userspace; 0 handles every task.
//! * `MODE` (array, 1 x u32): what to do after recording a hit (below),
//!   written by userspace.
//! * `SEEN` (array, 1 x `Seen`, 56 bytes): the last hit: `pid_tgid` (u64,
//!   of the current task), `init_pid_tgid` (u64, of pid 1, 0 if it cannot
//!   be found), `comm` (16 bytes, of the current task), `init_comm` (16
//!   bytes, of pid 1, zeroes if it cannot be found) and `hits` (u64, the
//!   number of hits recorded).
//!
//! Entries, both doing the same:
//! 0. `rax_entry_task_tp` (tracepoint): attach to any tracepoint.
//! 1. `rax_entry_task_kprobe` (kprobe): attach to any kernel function.
//!
//! For a hit by the target task, the program takes a reference to the
//! current task (`TaskRef::current`; nothing more is done if that fails)
//! and one to pid 1 (`TaskRef::from_pid(1)`), writes `SEEN[0]` with `hits`
//! one more than before, then, by `MODE[0]`:
//! * 1: panics while holding both references: the kernel releases them.
//! * 2: leaks the current task's reference (`core::mem::forget`), releases
//!   pid 1's and returns 0: the kernel releases the leaked one at return,
//!   and treats it like a panic.
//! * 0 or any other: releases both and returns 0.

use rax::maps::BPF_ANY;
use rax::{ArrayMap, KprobeContext, TaskRef, TracepointContext};

rax::pod! {
    #[derive(Clone, Copy)]
    pub struct Seen {
        pub pid_tgid: u64,
        pub init_pid_tgid: u64,
        pub comm: [u8; 16],
        pub init_comm: [u8; 16],
        pub hits: u64,
    }
}

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static MODE: ArrayMap<u32, 1>);
rax::map!(static SEEN: ArrayMap<Seen, 1>);

const MODE_PANIC: u32 = 1;
const MODE_LEAK: u32 = 2;

fn is_target() -> bool {
    let tgid = (rax::current_pid_tgid() >> 32) as u32;
    match TARGET.read(0) {
        Some(0) | None => true,
        Some(t) => t == tgid,
    }
}

fn observe() -> u32 {
    if !is_target() {
        return 0;
    }
    let Some(current) = TaskRef::current() else {
        return 0;
    };
    let init = TaskRef::from_pid(1);
    let hits = SEEN.read(0).map_or(0, |seen| seen.hits);
    let seen = Seen {
        pid_tgid: current.pid_tgid(),
        init_pid_tgid: init.as_ref().map_or(0, TaskRef::pid_tgid),
        comm: current.comm(),
        init_comm: init.as_ref().map_or([0; 16], TaskRef::comm),
        hits: hits.wrapping_add(1),
    };
    let _ = SEEN.update(0, &seen, BPF_ANY);
    match MODE.read(0).unwrap_or(0) {
        MODE_PANIC => panic!("task_ref: mode 1"),
        MODE_LEAK => {
            core::mem::forget(current);
            0
        }
        _ => 0,
    }
}

fn task_tp(_ctx: &TracepointContext) -> u32 {
    observe()
}
rax::tracepoint!(task_tp);

fn task_kprobe(_ctx: &KprobeContext) -> u32 {
    observe()
}
rax::kprobe!(task_kprobe);
