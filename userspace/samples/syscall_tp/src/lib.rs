#![no_std]
#![forbid(unsafe_code)]
//! Counts the `open` and `openat` system calls of one process, at entry
//! and at exit, and the calls that failed, from the syscall tracepoints.
//! Its eBPF twin is `tools/testing/selftests/rax/twins/syscall_tp.bpf.c`.
//!
//! Maps:
//! * `TARGET` (array, 1 x u32): the tgid to count, written by userspace;
//!   0 counts every process.
//! * `COUNTS` (array, 6 x u64), updated atomically: 0 `open` entries,
//!   1 `openat` entries, 2 `open` exits, 3 `openat` exits, 4 `open`
//!   failures, 5 `openat` failures.
//!
//! Entries (tracepoint): `rax_entry_syscall_enter` for
//! `syscalls:sys_enter_open` and `syscalls:sys_enter_openat`,
//! `rax_entry_syscall_exit` for the two `sys_exit_*` tracepoints.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, TracepointContext};

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static COUNTS: ArrayMap<AtomicU64, 6>);

/// x86-64 system call numbers.
const NR_OPEN: i32 = 2;
const NR_OPENAT: i32 = 257;

/// Offsets in a `sys_enter_*` or `sys_exit_*` record (its `format`): the
/// number (an int), then at exit the return value (a long).
const SYSCALL_NR: usize = 8;
const RET: usize = 16;

fn is_target() -> bool {
    let tgid = (rax::current_pid_tgid() >> 32) as u32;
    match TARGET.read(0) {
        Some(0) | None => true,
        Some(t) => t == tgid,
    }
}

/// The slot of a call among `open`, `openat`: 0 or 1.
fn which(ctx: &TracepointContext) -> Option<u32> {
    match ctx.read::<i32>(SYSCALL_NR).ok()? {
        NR_OPEN => Some(0),
        NR_OPENAT => Some(1),
        _ => None,
    }
}

fn bump(slot: u32) {
    if let Some(n) = COUNTS.get(slot) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

fn syscall_enter(ctx: &TracepointContext) -> u32 {
    if let Some(call) = which(ctx).filter(|_| is_target()) {
        bump(call);
    }
    0
}
rax::tracepoint!(syscall_enter, record = 12);

fn syscall_exit(ctx: &TracepointContext) -> u32 {
    if let Some(call) = which(ctx).filter(|_| is_target()) {
        bump(2 + call);
        if ctx.read::<i64>(RET).is_ok_and(|ret| ret < 0) {
            bump(4 + call);
        }
    }
    0
}
rax::tracepoint!(syscall_exit, record = 24);
