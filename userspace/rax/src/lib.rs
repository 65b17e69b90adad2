// SPDX-License-Identifier: GPL-2.0
//! `rax`: the kernel crate of Rax, safe Rust kernel extensions.
//!
//! An extension crate is compiled with `-F unsafe_code` and may use only
//! `core` and this crate. Everything that needs `unsafe` lives here, in a
//! few internal modules:
//!
//! * `ffi`, the bottom: the kernel's helper list (`kernel/rax/helpers.h`)
//!   as one `unsafe extern "C"` block, depending on nothing else;
//! * `pod`: the [`Pod`] trait and byte-level reads of `Pod` values;
//! * on top of `ffi` and `pod`, each wrapping the helpers it needs:
//!   [`helpers`] (clock, random numbers, current task, kernel reads,
//!   printing), `raw` (every access to kernel context memory: contexts,
//!   packets), [`maps`] (map definitions, values and ring-buffer
//!   records), `sync` ([`Locked`] and its lock), [`task`] ([`TaskRef`],
//!   counted task references), [`stack`] (the recursion guard);
//! * `__private`: what the macros expand to;
//! * [`net`]: network headers and checksum arithmetic, with no `unsafe` of
//!   its own (`Pod` structs through [`pod!`], read and written with the
//!   contexts' bounds-checked `load` and `store`).
//!
//! No module imports one above it, and there is no cycle: `ffi` and `pod`
//! import no other module of the crate; `sync` imports `ffi` and `pod`;
//! `maps` imports `ffi`, `pod` and `sync` (`Locked` for `update_value`);
//! the contexts (`ctx`, over `raw`) use the safe `helpers`.
//!
//! Every `unsafe` block carries a `// SAFETY:` comment. The macros are
//! `#[allow_internal_unsafe]`; none of them places a caller's tokens inside
//! an `unsafe` block.
//!
//! See `userspace/rax/README.md` for the API in brief and the exact build.
#![no_std]
// `allow_internal_unsafe` is internal to rustc; this crate is built with
// RUSTC_BOOTSTRAP=1, extension crates with `-Zallow-features=`.
#![allow(internal_features)]
#![feature(allow_internal_unsafe)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod btf;
pub mod ctx;
mod entry;
mod error;
mod ffi;
pub mod helpers;
pub mod maps;
pub mod net;
mod panic;
pub mod pod;
mod print;
mod raw;
pub mod stack;
pub mod sync;
pub mod task;

#[doc(hidden)]
pub mod __private;

pub use ctx::{
    KprobeContext, PerfEventContext, PtRegs, TcAction, TcContext, TracepointContext, XdpAction,
    XdpContext,
};
pub use error::Error;
pub use helpers::{
    FibLookup, csum_diff, current_cgroup_id, current_comm, current_pid_tgid, current_uid_gid,
    jiffies64, kernel_stack, ktime_get_boot_ns, ktime_get_ns, numa_node_id, prandom_u32,
    probe_read_kernel, probe_read_kernel_str, probe_read_user, probe_read_user_str, send_signal,
    smp_processor_id, user_stack,
};
pub use maps::{
    ArrayMap, CpuMap, DevMap, HashMap, LruHashMap, LruPerCpuHashMap, PerCpuArray, PerCpuHashMap,
    PerfEventArray, Queue, RingBuf, RingBufEntry, Stack, StackTraceMap,
};
pub use pod::Pod;
pub use print::{Arg, PRINT_BUF_LEN, ToArg};
pub use stack::recurse;
pub use sync::{Locked, LockedGuard};
pub use task::TaskRef;
