#![no_std]
#![forbid(unsafe_code)]
//! Traces the system calls that pass through a seccomp filter: a kprobe
//! on `__seccomp_filter(nr, sd, recheck)` sends one record per call of
//! the chosen process to userspace through a perf event array, with the
//! call's number and first three arguments (read from the `struct
//! seccomp_data` the caller passes; the system call entry of 6.12 passes
//! none, and they are 0), and counts the calls per number. Its
//! eBPF twin is `tools/testing/selftests/rax/twins/tracex5.bpf.c`.
//!
//! Maps: `TARGET` (array, 1 x u32: the tgid, written by userspace; 0
//! traces every process), `EVENTS` (perf event array, a slot per CPU,
//! records [`Event`]), `COUNTS` (hash, syscall number -> u64, 512
//! entries).
//!
//! Entry `rax_entry_tracex5` (kprobe on `__seccomp_filter`).

use core::sync::atomic::{AtomicU64, Ordering};

use rax::maps::BPF_NOEXIST;
use rax::{ArrayMap, HashMap, KprobeContext, PerfEventArray};

rax::pod! {
    /// One record: who made which call, with which arguments.
    pub struct Event {
        /// The process.
        pub tgid: u32,
        /// The system call number.
        pub nr: u32,
        /// Its first three arguments.
        pub args: [u64; 3],
    }
}

rax::pod! {
    /// `struct seccomp_data` (include/uapi/linux/seccomp.h).
    struct SeccompData {
        nr: i32,
        arch: u32,
        instruction_pointer: u64,
        args: [u64; 6],
    }
}

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static EVENTS: PerfEventArray<8>);
rax::map!(static COUNTS: HashMap<u32, AtomicU64, 512>);

fn count(nr: u32) {
    if COUNTS.get(&nr).is_none() {
        let _ = COUNTS.update(&nr, &AtomicU64::new(0), BPF_NOEXIST);
    }
    if let Some(n) = COUNTS.get(&nr) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

fn tracex5(ctx: &KprobeContext) -> u32 {
    let tgid = (rax::current_pid_tgid() >> 32) as u32;
    match TARGET.read(0) {
        Some(0) | None => {}
        Some(t) if t == tgid => {}
        Some(_) => return 0,
    }
    let nr = ctx.arg0() as u32;
    count(nr);
    let args = match rax::probe_read_kernel(ctx.arg1() as *const SeccompData) {
        Ok(sd) => [sd.args[0], sd.args[1], sd.args[2]],
        Err(_) => [0; 3],
    };
    let _ = EVENTS.output(&Event { tgid, nr, args });
    0
}
rax::kprobe!(tracex5);
