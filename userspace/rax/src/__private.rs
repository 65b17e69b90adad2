// SPDX-License-Identifier: GPL-2.0
//! What the macros expand to. Not part of the API.
//!
//! The context constructors are the `unsafe fn make` of the sealed
//! [`Kind`] trait: an extension crate, compiled with `-F unsafe_code`,
//! cannot call them or implement the trait; only the entry-point macros
//! do, from `#[allow_internal_unsafe]` expansions, and the kind that picks
//! the constructor also picks the program type in the entry table.

use core::ffi::c_void;

use crate::ctx::{
    KprobeContext, PerfEventContext, TcAction, TcContext, TracepointContext, XdpAction, XdpContext,
};
use crate::pod::MapValue;
use crate::raw::Kernel;

pub use crate::entry::{EntryDef, prog_type};
pub use crate::print::print;

mod sealed_kind {
    pub trait Sealed {}
}

/// An entry's program type. It fixes the program type written to the
/// entry table, the context the entry gets and how its verdict is
/// returned, together: an expansion of [`crate::__rax_entry!`] cannot pair
/// one type's context with another type's table entry. Sealed: only this
/// crate implements it.
///
/// # Safety
///
/// `make` is called only with the context pointer the kernel passes to an
/// entry of type `PROG_TYPE`, and builds `Ctx` from exactly that structure.
pub unsafe trait Kind: sealed_kind::Sealed {
    /// The `BPF_PROG_TYPE_*` of the entry table.
    const PROG_TYPE: u32;
    /// The entry table's `max_ctx_offset`: how far into its context the
    /// entry reads, which the kernel checks at attach (0: no check).
    const MAX_CTX_OFFSET: u32 = 0;
    /// The context the extension's function receives.
    type Ctx;
    /// What the extension's function returns.
    type Verdict;
    /// What the entry returns to the kernel.
    type Ret;
    /// # Safety
    ///
    /// `ctx` is the pointer the kernel passed to an entry of `PROG_TYPE`.
    unsafe fn make(ctx: *mut c_void) -> Self::Ctx;
    /// The verdict as the kernel reads it.
    fn ret(verdict: Self::Verdict) -> Self::Ret;
}

/// Kprobe entries: `struct pt_regs *`.
/// The size of the fields every trace record starts with
/// (`struct trace_entry`).
pub const COMMON_FIELDS: u32 = 8;

/// The most a tracepoint entry may declare it reads of its record (the
/// kernel refuses more).
pub const RECORD_MAX: u32 = 65536;

pub struct Kprobe;
/// Tracepoint entries: the trace record.
/// A tracepoint entry that reads the first `RECORD` bytes of its record.
pub struct Tracepoint<const RECORD: u32>;
/// Perf event entries: `struct bpf_perf_event_data_kern *`.
pub struct PerfEvent;
/// XDP entries: `struct xdp_buff *`.
pub struct Xdp;
/// SCHED_CLS entries: `struct rax_tc_ctx *`.
pub struct Tc;

impl sealed_kind::Sealed for Kprobe {}
impl<const RECORD: u32> sealed_kind::Sealed for Tracepoint<RECORD> {}
impl sealed_kind::Sealed for PerfEvent {}
impl sealed_kind::Sealed for Xdp {}
impl sealed_kind::Sealed for Tc {}

// SAFETY: the kernel passes a kprobe entry the probed `struct pt_regs`,
// valid for the call.
unsafe impl Kind for Kprobe {
    const PROG_TYPE: u32 = prog_type::KPROBE;
    type Ctx = KprobeContext;
    type Verdict = u32;
    type Ret = u32;
    #[inline(always)]
    unsafe fn make(ctx: *mut c_void) -> KprobeContext {
        // SAFETY: the trait's contract, which `__rax_entry!` (the only
        // caller) keeps: `ctx` is the pointer the kernel passed to an entry
        // of `PROG_TYPE` (established by the entry table it writes).
        KprobeContext::new(unsafe { Kernel::new(ctx.cast()) })
    }
    #[inline(always)]
    fn ret(verdict: u32) -> u32 {
        verdict
    }
}

// SAFETY: the record's address is kept and only ever read through
// probe_read_kernel.
unsafe impl<const RECORD: u32> Kind for Tracepoint<RECORD> {
    const PROG_TYPE: u32 = prog_type::TRACEPOINT;
    // At least the common fields (8 bytes), which every record has: the
    // kernel refuses a tracepoint entry that says less.
    const MAX_CTX_OFFSET: u32 = if RECORD > COMMON_FIELDS {
        RECORD
    } else {
        COMMON_FIELDS
    };
    type Ctx = TracepointContext;
    type Verdict = u32;
    type Ret = u32;
    #[inline(always)]
    unsafe fn make(ctx: *mut c_void) -> TracepointContext {
        TracepointContext::new(ctx as usize, RECORD as usize)
    }
    #[inline(always)]
    fn ret(verdict: u32) -> u32 {
        verdict
    }
}

// SAFETY: the kernel passes a perf_event entry its
// `struct bpf_perf_event_data_kern`, valid for the call.
unsafe impl Kind for PerfEvent {
    const PROG_TYPE: u32 = prog_type::PERF_EVENT;
    type Ctx = PerfEventContext;
    type Verdict = u32;
    type Ret = u32;
    #[inline(always)]
    unsafe fn make(ctx: *mut c_void) -> PerfEventContext {
        // SAFETY: the trait's contract, which `__rax_entry!` (the only
        // caller) keeps: `ctx` is the pointer the kernel passed to an entry
        // of `PROG_TYPE` (established by the entry table it writes).
        PerfEventContext::new(unsafe { Kernel::new(ctx.cast()) })
    }
    #[inline(always)]
    fn ret(verdict: u32) -> u32 {
        verdict
    }
}

// SAFETY: the kernel passes an XDP entry its `struct xdp_buff`, whose
// packet bounds are the kernel's, valid for the call.
unsafe impl Kind for Xdp {
    const PROG_TYPE: u32 = prog_type::XDP;
    type Ctx = XdpContext;
    type Verdict = XdpAction;
    type Ret = u32;
    #[inline(always)]
    unsafe fn make(ctx: *mut c_void) -> XdpContext {
        // SAFETY: the trait's contract, which `__rax_entry!` (the only
        // caller) keeps: `ctx` is the pointer the kernel passed to an entry
        // of `PROG_TYPE` (established by the entry table it writes).
        XdpContext::new(unsafe { Kernel::new(ctx.cast()) })
    }
    #[inline(always)]
    fn ret(verdict: XdpAction) -> u32 {
        verdict as u32
    }
}

// SAFETY: the kernel's dispatcher passes a SCHED_CLS entry the
// `struct rax_tc_ctx` it filled from the sk_buff, valid for the call.
unsafe impl Kind for Tc {
    const PROG_TYPE: u32 = prog_type::SCHED_CLS;
    type Ctx = TcContext;
    type Verdict = TcAction;
    type Ret = i32;
    #[inline(always)]
    unsafe fn make(ctx: *mut c_void) -> TcContext {
        // SAFETY: the trait's contract, which `__rax_entry!` (the only
        // caller) keeps: `ctx` is the pointer the kernel passed to an entry
        // of `PROG_TYPE` (established by the entry table it writes).
        TcContext::new(unsafe { Kernel::new(ctx.cast()) })
    }
    #[inline(always)]
    fn ret(verdict: TcAction) -> i32 {
        verdict as i32
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Implemented by the map types only; [`crate::map!`] requires it.
pub trait MapType: sealed::Sealed {}

impl<V: MapValue, const N: u32> sealed::Sealed for crate::ArrayMap<V, N> {}
impl<V: MapValue, const N: u32> MapType for crate::ArrayMap<V, N> {}
impl<V: MapValue, const N: u32> sealed::Sealed for crate::PerCpuArray<V, N> {}
impl<V: MapValue, const N: u32> MapType for crate::PerCpuArray<V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> sealed::Sealed for crate::HashMap<K, V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> MapType for crate::HashMap<K, V, N> {}
impl<const SIZE: u32> sealed::Sealed for crate::RingBuf<SIZE> {}
impl<const SIZE: u32> MapType for crate::RingBuf<SIZE> {}
impl<K: crate::Pod, V: MapValue, const N: u32> sealed::Sealed for crate::PerCpuHashMap<K, V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> MapType for crate::PerCpuHashMap<K, V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> sealed::Sealed for crate::LruHashMap<K, V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> MapType for crate::LruHashMap<K, V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> sealed::Sealed for crate::LruPerCpuHashMap<K, V, N> {}
impl<K: crate::Pod, V: MapValue, const N: u32> MapType for crate::LruPerCpuHashMap<K, V, N> {}
impl<V: crate::Pod, const N: u32> sealed::Sealed for crate::Queue<V, N> {}
impl<V: crate::Pod, const N: u32> MapType for crate::Queue<V, N> {}
impl<V: crate::Pod, const N: u32> sealed::Sealed for crate::Stack<V, N> {}
impl<V: crate::Pod, const N: u32> MapType for crate::Stack<V, N> {}
impl<const DEPTH: usize, const N: u32> sealed::Sealed for crate::StackTraceMap<DEPTH, N> {}
impl<const DEPTH: usize, const N: u32> MapType for crate::StackTraceMap<DEPTH, N> {}
impl<const N: u32> sealed::Sealed for crate::PerfEventArray<N> {}
impl<const N: u32> MapType for crate::PerfEventArray<N> {}
impl<const N: u32> sealed::Sealed for crate::DevMap<N> {}
impl<const N: u32> MapType for crate::DevMap<N> {}
impl<const N: u32> sealed::Sealed for crate::CpuMap<N> {}
impl<const N: u32> MapType for crate::CpuMap<N> {}

pub use crate::maps::MapToken;

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
