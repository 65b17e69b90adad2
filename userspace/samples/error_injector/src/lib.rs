#![no_std]
#![forbid(unsafe_code)]
//! Makes a function fail for one process: a kprobe on the entry of a
//! function that allows error injection (a system call, for example
//! `__x64_sys_getpgid`) that has it return a chosen value at once for
//! the chosen process. Its eBPF twin is
//! `tools/testing/selftests/rax/twins/error_injector.bpf.c`.
//!
//! Maps: `TARGET` (array, 1 x [`Target`]), written by userspace (a tgid
//! of 0 injects nothing); `INJECTED` (array, 1 x u64): how many calls
//! were made to fail.
//!
//! Entry `rax_entry_error_injector` (kprobe). The kernel refuses to
//! attach it to a function that does not allow error injection.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, KprobeContext};

rax::pod! {
    /// Whom to fail, and with what.
    pub struct Target {
        /// The process (tgid); 0 for none.
        pub tgid: u32,
        /// Padding.
        pub pad: u32,
        /// What the function returns instead (a negative errno).
        pub rc: i64,
    }
}

rax::map!(static TARGET: ArrayMap<Target, 1>);
rax::map!(static INJECTED: ArrayMap<AtomicU64, 1>);

fn error_injector(ctx: &KprobeContext) -> u32 {
    let Some(target) = TARGET.read(0) else {
        return 0;
    };
    if target.tgid == 0 || target.tgid != (rax::current_pid_tgid() >> 32) as u32 {
        return 0;
    }
    ctx.override_return(target.rc as u64);
    if let Some(n) = INJECTED.get(0) {
        n.fetch_add(1, Ordering::Relaxed);
    }
    0
}
rax::kprobe!(error_injector);
