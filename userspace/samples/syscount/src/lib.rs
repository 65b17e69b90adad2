#![no_std]
#![forbid(unsafe_code)]
//! Counts the system calls of one process, with their errors and their
//! time, per system call number, as libbpf-tools' `syscount -L` does, from
//! the raw syscall tracepoints. Its eBPF twin is
//! `tools/testing/selftests/rax/twins/syscount.bpf.c`.
//!
//! Maps:
//! * `TARGET` (array, 1 x u32): the tgid to count, written by userspace;
//!   0 counts every process.
//! * `START` (hash, u64 pid_tgid -> u64 ns, 4096 entries): when each
//!   thread's current call entered.
//! * `STATS` (hash, u32 syscall number -> [`Stats`], 512 entries).
//!
//! Entries (tracepoint): `rax_entry_syscount_enter` for
//! `raw_syscalls:sys_enter`, `rax_entry_syscount_exit` for
//! `raw_syscalls:sys_exit`. A call counts once both were seen.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::maps::BPF_NOEXIST;
use rax::{ArrayMap, HashMap, TracepointContext};

rax::pod! {
    /// What is known of one system call number.
    pub struct Stats {
        /// Calls that returned.
        pub count: AtomicU64,
        /// Of them, calls that returned an error.
        pub errors: AtomicU64,
        /// Their time from entry to exit, in ns.
        pub total_ns: AtomicU64,
    }
}

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static START: HashMap<u64, u64, 4096>);
rax::map!(static STATS: HashMap<u32, Stats, 512>);

/// Offsets in a `raw_syscalls:sys_exit` record: the number, the return
/// value (both longs).
const ID: usize = 8;
const RET: usize = 16;

fn is_target(pid_tgid: u64) -> bool {
    match TARGET.read(0) {
        Some(0) | None => true,
        Some(t) => t == (pid_tgid >> 32) as u32,
    }
}

fn syscount_enter(_ctx: &TracepointContext) -> u32 {
    let id = rax::current_pid_tgid();
    if is_target(id) {
        let _ = START.update(&id, &rax::ktime_get_ns(), 0);
    }
    0
}
rax::tracepoint!(syscount_enter, record = 16);

/// The statistics of `nr`, made empty the first time.
fn stats(nr: u32) -> Option<&'static Stats> {
    if let Some(s) = STATS.get(&nr) {
        return Some(s);
    }
    let empty = Stats {
        count: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        total_ns: AtomicU64::new(0),
    };
    // Another CPU may have made it meanwhile: either way, it is there now.
    let _ = STATS.update(&nr, &empty, BPF_NOEXIST);
    STATS.get(&nr)
}

fn syscount_exit(ctx: &TracepointContext) -> u32 {
    let id = rax::current_pid_tgid();
    if !is_target(id) {
        return 0;
    }
    let Some(start) = START.read(&id) else {
        return 0;
    };
    let _ = START.delete(&id);
    let (Ok(nr), Ok(ret)) = (ctx.read::<i64>(ID), ctx.read::<i64>(RET)) else {
        return 0;
    };
    if let Some(s) = u32::try_from(nr).ok().and_then(stats) {
        s.count.fetch_add(1, Ordering::Relaxed);
        if ret < 0 {
            s.errors.fetch_add(1, Ordering::Relaxed);
        }
        let took = rax::ktime_get_ns().wrapping_sub(start);
        s.total_ns.fetch_add(took, Ordering::Relaxed);
    }
    0
}
rax::tracepoint!(syscount_exit, record = 24);
