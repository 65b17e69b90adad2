#![no_std]
#![forbid(unsafe_code)]
//! A sampling profiler: a perf_event program (on a CPU-clock event, for
//! example) counts the samples of the chosen process per pair of kernel
//! and user stacks, which it records in a stack trace map. Its eBPF twin
//! is `tools/testing/selftests/rax/twins/trace_event.bpf.c`.
//!
//! Maps: `TARGET` (array, 1 x u32: the tgid, written by userspace),
//! `STACKS` (stack trace map, 1024 stacks of up to 64 frames), `COUNTS`
//! (hash, [`Key`] -> u64, 1024 entries).
//!
//! Entry `rax_entry_trace_event` (perf_event).

use core::sync::atomic::{AtomicU64, Ordering};

use rax::maps::{BPF_F_USER_STACK, BPF_NOEXIST};
use rax::{ArrayMap, HashMap, PerfEventContext, StackTraceMap};

rax::pod! {
    /// What the samples are counted by: the stacks' ids, or minus the
    /// errno when there was none (a sample in user mode has no kernel
    /// stack: -EFAULT).
    #[derive(Clone, Copy)]
    pub struct Key {
        /// The process.
        pub tgid: u32,
        /// The kernel stack's id.
        pub kernel_stack: i32,
        /// The user stack's id.
        pub user_stack: i32,
        /// Padding.
        pub pad: u32,
    }
}

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static STACKS: StackTraceMap<64, 1024>);
rax::map!(static COUNTS: HashMap<Key, AtomicU64, 1024>);

fn stack(flags: u64) -> i32 {
    match STACKS.stack_id(flags) {
        Ok(id) => id as i32,
        Err(e) => -e.errno(),
    }
}

fn trace_event(_ctx: &PerfEventContext) -> u32 {
    let tgid = (rax::current_pid_tgid() >> 32) as u32;
    if TARGET.read(0) != Some(tgid) {
        return 0;
    }
    let key = Key {
        tgid,
        kernel_stack: stack(0),
        user_stack: stack(BPF_F_USER_STACK),
        pad: 0,
    };
    if COUNTS.get(&key).is_none() {
        let _ = COUNTS.update(&key, &AtomicU64::new(0), BPF_NOEXIST);
    }
    if let Some(n) = COUNTS.get(&key) {
        n.fetch_add(1, Ordering::Relaxed);
    }
    0
}
rax::perf_event!(trace_event);
