// SPDX-License-Identifier: GPL-2.0
//! Every access to kernel memory the contexts make.
//!
//! A [`Kernel<T>`] is a pointer to a kernel structure that the kernel
//! guarantees valid for the whole invocation of the program. Only the
//! unsafe constructors in `crate::__private`, called from the entry-point
//! macros with the context pointer the kernel passed, create one. The
//! structures here mirror the prefixes of the kernel's own context
//! structures that the contexts read (format.rst, "Entry points").

use core::ptr::NonNull;

/// The kernel's `struct xdp_buff`, from the target kernel's BTF.
pub(crate) use crate::btf::xdp_buff as XdpBuffHead;

/// `struct rax_tc_ctx` (include/uapi/linux/rax.h).
#[repr(C)]
pub(crate) struct RaxTcCtx {
    pub(crate) data: u64,
    pub(crate) data_end: u64,
    pub(crate) len: u32,
    pub(crate) protocol: u32,
    pub(crate) ifindex: u32,
    pub(crate) mark: u32,
    pub(crate) priority: u32,
    pub(crate) ingress: u32,
}

/// The kernel's `struct bpf_perf_event_data_kern`, from the target kernel's
/// BTF.
pub(crate) use crate::btf::bpf_perf_event_data_kern as PerfEventDataKern;

/// A kernel structure valid for reads for the whole invocation.
pub(crate) struct Kernel<T> {
    ptr: NonNull<T>,
}

impl<T> Kernel<T> {
    /// # Safety
    ///
    /// `ptr` points to a `T` (a prefix of the kernel's structure) that is
    /// valid for reads, and for the packet contexts also writes, until the
    /// program returns, and that nothing else writes while it runs, except
    /// the helpers this module passes it to (`rax_clone_redirect` rewrites
    /// a tc context's packet bounds).
    #[inline(always)]
    pub(crate) unsafe fn new(ptr: *mut T) -> Self {
        // SAFETY: the kernel never passes a NULL context (caller contract).
        let ptr = unsafe { NonNull::new_unchecked(ptr) };
        Kernel { ptr }
    }

    #[inline(always)]
    pub(crate) fn get(&self) -> &T {
        // SAFETY: valid for reads for the invocation (constructor contract);
        // the returned reference cannot outlive `self`, which the entry
        // function owns for the invocation only.
        unsafe { self.ptr.as_ref() }
    }
}

/// A packet `[data, data_end)` in kernel memory, readable and writable for
/// the invocation.
pub(crate) trait PacketBounds {
    fn bounds(&self) -> (usize, usize);
}

impl PacketBounds for XdpBuffHead {
    #[inline(always)]
    fn bounds(&self) -> (usize, usize) {
        (self.data as usize, self.data_end as usize)
    }
}

impl PacketBounds for RaxTcCtx {
    #[inline(always)]
    fn bounds(&self) -> (usize, usize) {
        (self.data as usize, self.data_end as usize)
    }
}

impl<T: PacketBounds> Kernel<T> {
    #[inline(always)]
    pub(crate) fn packet(&self) -> &[u8] {
        let (start, end) = self.get().bounds();
        let len = end.saturating_sub(start);
        if len == 0 {
            return &[];
        }
        // SAFETY: for XDP and SCHED_CLS entries the kernel guarantees that
        // `[data, data_end)` is mapped, readable and writable packet memory
        // for the invocation, owned by this program while it runs
        // (format.rst, rax.h). The slice borrows `self`, so it ends with the
        // context, and `packet_mut` needs `&mut self`, so the two never
        // overlap.
        unsafe { core::slice::from_raw_parts(start as *const u8, len) }
    }

    #[inline(always)]
    pub(crate) fn packet_mut(&mut self) -> &mut [u8] {
        let (start, end) = self.get().bounds();
        let len = end.saturating_sub(start);
        if len == 0 {
            return &mut [];
        }
        // SAFETY: as in `packet`; `&mut self` makes the slice exclusive.
        unsafe { core::slice::from_raw_parts_mut(start as *mut u8, len) }
    }
}

impl Kernel<RaxTcCtx> {
    /// `rax_clone_redirect` on this context: 0 or -errno.
    #[inline(always)]
    pub(crate) fn clone_redirect(&mut self, ifindex: u32, flags: u64) -> i64 {
        // SAFETY: the pointer is this invocation's tc context, which the
        // helper checks. `&mut self` means no reference into the context
        // or the packet (`get`, `packet`, `packet_mut` all borrow `self`)
        // is alive while the helper moves the packet and rewrites its
        // bounds.
        unsafe { crate::ffi::rax_clone_redirect(self.ptr.as_ptr().cast(), ifindex, flags) }
    }

    /// `rax_tc_make_writable` on this context: 0 or -errno.
    #[inline(always)]
    pub(crate) fn make_writable(&mut self) -> i64 {
        // SAFETY: as for `clone_redirect`: this invocation's context, which
        // the helper checks, and no reference into it or the packet alive
        // while the helper may move the packet and rewrite its bounds.
        unsafe { crate::ffi::rax_tc_make_writable(self.ptr.as_ptr().cast()) }
    }
}

impl Kernel<PerfEventDataKern> {
    #[inline(always)]
    pub(crate) fn regs(&self) -> &crate::ctx::PtRegs {
        // SAFETY: the kernel's `bpf_perf_event_data_kern.regs` points to the
        // sampled `struct pt_regs`, valid for the invocation.
        unsafe { &*self.get().regs.cast::<crate::ctx::PtRegs>() }
    }
}
