// SPDX-License-Identifier: GPL-2.0
//! What the macros expand to. Not part of the API.
//!
//! The context constructors are `unsafe fn`s: an extension crate, compiled
//! with `-F unsafe_code`, cannot call them; only the entry-point macros do,
//! from `#[allow_internal_unsafe]` expansions.

use core::ffi::c_void;

use crate::ctx::{
    KprobeContext, PerfEventContext, TcAction, TcContext, TracepointContext, XdpAction, XdpContext,
};
use crate::raw::Kernel;

pub use crate::entry::{EntryDef, prog_type};
pub use crate::print::print;

/// # Safety
///
/// `ctx` is the `struct xdp_buff *` the kernel passed to an XDP entry.
#[inline(always)]
pub unsafe fn xdp_context(ctx: *mut c_void) -> XdpContext {
    // SAFETY: caller contract; the packet bounds are the kernel's.
    XdpContext::new(unsafe { Kernel::new(ctx.cast()) })
}

/// # Safety
///
/// `ctx` is the `struct rax_tc_ctx *` the kernel passed to a SCHED_CLS
/// entry.
#[inline(always)]
pub unsafe fn tc_context(ctx: *mut c_void) -> TcContext {
    // SAFETY: caller contract.
    TcContext::new(unsafe { Kernel::new(ctx.cast()) })
}

/// # Safety
///
/// `ctx` is the `struct pt_regs *` the kernel passed to a KPROBE entry.
#[inline(always)]
pub unsafe fn kprobe_context(ctx: *mut c_void) -> KprobeContext {
    // SAFETY: caller contract.
    KprobeContext::new(unsafe { Kernel::new(ctx.cast()) })
}

/// # Safety
///
/// `ctx` is the trace record the kernel passed to a TRACEPOINT entry.
#[inline(always)]
pub unsafe fn tracepoint_context(ctx: *mut c_void) -> TracepointContext {
    // The record is only ever read through probe_read_kernel, so the
    // address alone is kept.
    TracepointContext::new(ctx as usize)
}

/// # Safety
///
/// `ctx` is the `struct bpf_perf_event_data_kern *` the kernel passed to a
/// PERF_EVENT entry.
#[inline(always)]
pub unsafe fn perf_event_context(ctx: *mut c_void) -> PerfEventContext {
    // SAFETY: caller contract.
    PerfEventContext::new(unsafe { Kernel::new(ctx.cast()) })
}

/// The return value of an XDP entry.
#[inline(always)]
pub fn xdp_verdict(action: XdpAction) -> u32 {
    action as u32
}

/// The return value of a SCHED_CLS entry.
#[inline(always)]
pub fn tc_verdict(action: TcAction) -> i32 {
    action as i32
}

/// The return value of a tracing entry.
#[inline(always)]
pub fn trace_verdict(ret: u32) -> u32 {
    ret
}

mod sealed {
    pub trait Sealed {}
}

/// Implemented by the map types only; [`crate::map!`] requires it.
pub trait MapType: sealed::Sealed {}

impl<V: crate::Pod, const N: u32> sealed::Sealed for crate::ArrayMap<V, N> {}
impl<V: crate::Pod, const N: u32> MapType for crate::ArrayMap<V, N> {}
impl<V: crate::Pod, const N: u32> sealed::Sealed for crate::PerCpuArray<V, N> {}
impl<V: crate::Pod, const N: u32> MapType for crate::PerCpuArray<V, N> {}
impl<K: crate::Pod, V: crate::Pod, const N: u32> sealed::Sealed for crate::HashMap<K, V, N> {}
impl<K: crate::Pod, V: crate::Pod, const N: u32> MapType for crate::HashMap<K, V, N> {}
impl<const SIZE: u32> sealed::Sealed for crate::RingBuf<SIZE> {}
impl<const SIZE: u32> MapType for crate::RingBuf<SIZE> {}

/// Compiles only for a map type.
pub fn assert_map<T: MapType>() {}

/// Keeps an entry definition in the object: the entry function refers to
/// its `rax_entry_def` through this (one `lea`/`mov` and no call).
///
/// `#[used]` would do without code, but rustc 1.96 lowers it to
/// `llvm.used`, for which LLVM marks the section `SHF_GNU_RETAIN` and gives
/// every such static a section of its own: several `.rax.entries`
/// sections, flags `"aR"`, which the format does not allow.
#[inline(always)]
pub fn keep<T>(def: &'static T) {
    core::hint::black_box(def);
}
