#![no_std]
#![forbid(unsafe_code)]
//! What a tracing program learns of a task that opens a file: a kprobe on
//! `do_filp_open(dfd, pathname, op)` records, for the chosen process, its
//! ids, its parent, its cgroup, its name and the path (the kernel's copy,
//! read with `probe_read_kernel_str`, and the user's, read with
//! `probe_read_user_str`), and signals the process (`SIGUSR1`) when the
//! path ends in `signal-me`. Its eBPF twin is
//! `tools/testing/selftests/rax/twins/task_info.bpf.c`.
//!
//! Maps: `TARGET` (array, 1 x u32: the tgid, written by userspace),
//! `RECORDS` (array, 16 x [`Record`]), `COUNT` (array, 1 x u64: records
//! made; the 17th and later are counted, not kept).
//!
//! Entry `rax_entry_task_info` (kprobe on `do_filp_open`).

use core::sync::atomic::{AtomicU64, Ordering};

use rax::maps::BPF_ANY;
use rax::{ArrayMap, KprobeContext, TaskRef};

rax::pod! {
    /// One open.
    #[derive(Clone, Copy)]
    pub struct Record {
        /// The process.
        pub tgid: u32,
        /// Its parent.
        pub ppid: u32,
        /// Its cgroup (v2) id.
        pub cgroup_id: u64,
        /// The NUMA node it ran on.
        pub numa_node: u32,
        /// The kernel's copy of the path: its length with the NUL.
        pub path_len: u32,
        /// The user's copy: its length with the NUL.
        pub upath_len: u32,
        /// Whether the two copies are the same.
        pub same: u32,
        /// The kernel's copy of the path, NUL-terminated.
        pub path: [u8; 64],
        /// The process's name (its comm).
        pub comm: [u8; 16],
    }
}

rax::map!(static TARGET: ArrayMap<u32, 1>);
rax::map!(static RECORDS: ArrayMap<Record, 16>);
rax::map!(static COUNT: ArrayMap<AtomicU64, 1>);

const SIGUSR1: u32 = 10;

fn task_info(ctx: &KprobeContext) -> u32 {
    let tgid = (rax::current_pid_tgid() >> 32) as u32;
    if TARGET.read(0) != Some(tgid) {
        return 0;
    }
    let (Some(task), Some(count)) = (TaskRef::current(), COUNT.get(0)) else {
        return 0;
    };
    let mut r = Record {
        tgid,
        ppid: task.parent().map_or(0, |p| p.tgid()),
        cgroup_id: rax::current_cgroup_id(),
        numa_node: rax::numa_node_id(),
        path_len: 0,
        upath_len: 0,
        same: 0,
        path: [0; 64],
        comm: task.comm(),
    };
    // struct filename: the kernel's copy of the name, then the user's.
    let filename = ctx.arg1();
    let name = rax::probe_read_kernel(filename as *const u64).unwrap_or(0);
    let uptr = rax::probe_read_kernel((filename + 8) as *const u64).unwrap_or(0);
    let mut upath = [0u8; 64];
    r.path_len = rax::probe_read_kernel_str(name as *const u8, &mut r.path).unwrap_or(0) as u32;
    r.upath_len = rax::probe_read_user_str(uptr, &mut upath).unwrap_or(0) as u32;
    r.same = u32::from(r.path == upath);
    let len = (r.path_len as usize).saturating_sub(1).min(r.path.len());
    if r.path[..len].ends_with(b"signal-me") {
        let _ = rax::send_signal(SIGUSR1);
    }
    let n = count.fetch_add(1, Ordering::Relaxed);
    if let Ok(i) = u32::try_from(n) {
        let _ = RECORDS.update(i, &r, BPF_ANY);
    }
    0
}
rax::kprobe!(task_info);
