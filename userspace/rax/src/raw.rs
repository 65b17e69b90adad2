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

impl Kernel<XdpBuffHead> {
    /// The metadata in front of the packet, `[data_meta, data)`; empty
    /// when the driver gives none (`data_meta` past `data`).
    #[inline(always)]
    pub(crate) fn meta_bounds(&self) -> (usize, usize) {
        let xdp = self.get();
        (xdp.data_meta as usize, xdp.data as usize)
    }

    /// The metadata, read-only.
    #[inline(always)]
    pub(crate) fn meta(&self) -> &[u8] {
        let (start, end) = self.meta_bounds();
        let len = end.saturating_sub(start);
        if len == 0 {
            return &[];
        }
        // SAFETY: when the driver supports metadata, the kernel keeps
        // `[data_meta, data)` inside the packet's buffer, before the
        // packet, for the invocation (`bpf_xdp_adjust_meta`); when it does
        // not, `data_meta` is past `data` and the slice is empty. The
        // slice borrows `self`; `meta_mut` and the adjustments need `&mut
        // self`.
        unsafe { core::slice::from_raw_parts(start as *const u8, len) }
    }

    /// The metadata, writable.
    #[inline(always)]
    pub(crate) fn meta_mut(&mut self) -> &mut [u8] {
        let (start, end) = self.meta_bounds();
        let len = end.saturating_sub(start);
        if len == 0 {
            return &mut [];
        }
        // SAFETY: as in `meta`; `&mut self` makes the slice exclusive (and
        // keeps it apart from `packet_mut`, which also needs `&mut self`).
        unsafe { core::slice::from_raw_parts_mut(start as *mut u8, len) }
    }

    /// `rax_xdp_adjust_head` (`which` 0), `_tail` (1) or `_meta` (2) on
    /// this context.
    #[inline(always)]
    pub(crate) fn adjust(&mut self, which: u8, delta: i32) -> i64 {
        let xdp = self.ptr.as_ptr().cast();
        // SAFETY: `xdp` is the context the kernel passed this entry (the
        // kernel checks it is); `&mut self` means no slice of the packet
        // or the metadata lives across the call, which moves their bounds.
        unsafe {
            match which {
                0 => crate::ffi::rax_xdp_adjust_head(xdp, delta),
                1 => crate::ffi::rax_xdp_adjust_tail(xdp, delta),
                _ => crate::ffi::rax_xdp_adjust_meta(xdp, delta),
            }
        }
    }
}

impl Kernel<RaxTcCtx> {
    /// `rax_skb_store_bytes` on this context.
    #[inline(always)]
    pub(crate) fn store_bytes(&mut self, offset: u32, bytes: &[u8], flags: u64) -> i64 {
        let Ok(len) = u32::try_from(bytes.len()) else {
            return -7;
        };
        // SAFETY: the context the kernel passed (checked by the kernel);
        // `bytes` is readable for `len`; `&mut self` means no packet slice
        // lives across the call, which may move the data.
        unsafe {
            crate::ffi::rax_skb_store_bytes(
                self.ptr.as_ptr().cast(),
                offset,
                bytes.as_ptr().cast(),
                len,
                flags,
            )
        }
    }

    /// `rax_skb_load_bytes` on this context.
    #[inline(always)]
    pub(crate) fn load_bytes(&self, offset: u32, buf: &mut [u8]) -> i64 {
        let Ok(len) = u32::try_from(buf.len()) else {
            return -7;
        };
        // SAFETY: the context the kernel passed; `buf` is writable for
        // `len`; the helper copies the packet and moves nothing.
        unsafe {
            crate::ffi::rax_skb_load_bytes(
                self.ptr.as_ptr().cast(),
                offset,
                buf.as_mut_ptr().cast(),
                len,
            )
        }
    }

    /// `rax_l3_csum_replace` (`l4` false) or `rax_l4_csum_replace`.
    #[inline(always)]
    pub(crate) fn csum_replace(
        &mut self,
        l4: bool,
        offset: u32,
        from: u64,
        to: u64,
        flags: u64,
    ) -> i64 {
        let tc = self.ptr.as_ptr().cast();
        // SAFETY: as for `store_bytes`; the values are passed by value.
        unsafe {
            if l4 {
                crate::ffi::rax_l4_csum_replace(tc, offset, from, to, flags)
            } else {
                crate::ffi::rax_l3_csum_replace(tc, offset, from, to, flags)
            }
        }
    }

    /// `rax_skb_change_tail` on this context.
    #[inline(always)]
    pub(crate) fn change_tail(&mut self, len: u32) -> i64 {
        // SAFETY: as for `store_bytes`.
        unsafe { crate::ffi::rax_skb_change_tail(self.ptr.as_ptr().cast(), len, 0) }
    }

    /// `rax_tc_set` on this context.
    #[inline(always)]
    pub(crate) fn set(&mut self, field: u32, value: u32) -> i64 {
        // SAFETY: the context the kernel passed; the kernel writes the
        // packet's field and this context's copy of it, which no reference
        // borrows across the call (`&mut self`).
        unsafe { crate::ffi::rax_tc_set(self.ptr.as_ptr().cast(), field, value) }
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
