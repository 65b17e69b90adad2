// SPDX-License-Identifier: GPL-2.0
//! The typed contexts the entry points receive.
//!
//! Contexts are created only by the entry-point macros from the pointer the
//! kernel passes; extension code sees them by reference, and they give
//! bounds-checked access only: no raw pointer ever reaches the extension.

use core::mem::size_of;

use crate::error::Error;
use crate::pod::{self, Pod};
use crate::raw::{Kernel, PerfEventDataKern, RaxTcCtx, XdpBuffHead};

/// The verdict of an XDP program (`enum xdp_action`).
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum XdpAction {
    /// `XDP_ABORTED`: drop and raise the `xdp_exception` tracepoint.
    Aborted = 0,
    /// `XDP_DROP`.
    Drop = 1,
    /// `XDP_PASS`: hand the packet to the stack.
    Pass = 2,
    /// `XDP_TX`: bounce the packet out of the interface it came in on.
    Tx = 3,
    /// `XDP_REDIRECT`: send it where [`XdpContext::redirect`] or
    /// [`XdpContext::redirect_map`] said.
    Redirect = 4,
}

impl XdpAction {
    /// The action a redirect helper returned.
    fn from_helper(ret: i64) -> XdpAction {
        match ret {
            1 => XdpAction::Drop,
            2 => XdpAction::Pass,
            3 => XdpAction::Tx,
            4 => XdpAction::Redirect,
            _ => XdpAction::Aborted,
        }
    }
}

/// The verdict of a tc (SCHED_CLS) program (`TC_ACT_*`).
#[repr(i32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TcAction {
    /// `TC_ACT_UNSPEC`: use the default action.
    Unspec = -1,
    /// `TC_ACT_OK`: let the packet through.
    Ok = 0,
    /// `TC_ACT_SHOT`: drop the packet.
    Shot = 2,
    /// `TC_ACT_PIPE`: continue with the next action.
    Pipe = 3,
    /// `TC_ACT_REDIRECT`: send it where [`TcContext::redirect`] said.
    Redirect = 7,
}

/// Packet access shared by [`XdpContext`] and [`TcContext`].
macro_rules! packet_methods {
    () => {
        /// Bytes of packet data (`data_end - data`).
        #[inline]
        pub fn len(&self) -> usize {
            self.raw.packet().len()
        }

        /// Whether the packet has no data.
        #[inline]
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// The packet data, `[data, data_end)`.
        #[inline]
        pub fn data(&self) -> &[u8] {
            self.raw.packet()
        }

        /// Reads a `T` at `offset` (any alignment); `None` if it does not
        /// fit in the packet.
        #[inline]
        pub fn load<T: Pod>(&self, offset: usize) -> Option<T> {
            let end = offset.checked_add(size_of::<T>())?;
            pod::read(self.data().get(offset..end)?)
        }

        /// Writes `value` at `offset`; `None` (and nothing written) if it
        /// does not fit in the packet.
        #[inline]
        pub fn store<T: Pod>(&mut self, offset: usize, value: &T) -> Option<()> {
            let end = offset.checked_add(size_of::<T>())?;
            pod::write(self.data_mut().get_mut(offset..end)?, value)
        }
    };
}

/// The context of an XDP entry: the kernel's `struct xdp_buff`.
pub struct XdpContext {
    raw: Kernel<XdpBuffHead>,
}

impl XdpContext {
    pub(crate) fn new(raw: Kernel<XdpBuffHead>) -> Self {
        XdpContext { raw }
    }

    packet_methods!();

    /// The packet data, writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        self.raw.packet_mut()
    }

    /// The metadata in front of the packet (`[data_meta, data)`, which
    /// [`XdpContext::adjust_meta`] makes room for); empty when there is
    /// none or the driver gives none.
    #[inline]
    pub fn meta(&self) -> &[u8] {
        self.raw.meta()
    }

    /// The metadata, writable.
    #[inline]
    pub fn meta_mut(&mut self) -> &mut [u8] {
        self.raw.meta_mut()
    }

    /// Takes `delta` bytes off the front of the packet (a negative `delta`
    /// adds bytes from the headroom, uninitialised: write them);
    /// `Err(EINVAL)` when the packet would leave its buffer or become
    /// shorter than an Ethernet header (`bpf_xdp_adjust_head`).
    #[inline]
    pub fn adjust_head(&mut self, delta: i32) -> Result<(), Error> {
        Error::check(self.raw.adjust(0, delta))
    }

    /// Adds `delta` bytes at the end of the packet (negative: cuts them;
    /// `bpf_xdp_adjust_tail`).
    #[inline]
    pub fn adjust_tail(&mut self, delta: i32) -> Result<(), Error> {
        Error::check(self.raw.adjust(1, delta))
    }

    /// Takes `delta` bytes off the front of the metadata (negative: adds
    /// them; at most 32 bytes in all, a multiple of 4;
    /// `bpf_xdp_adjust_meta`). `Err(ENOTSUPP)` when the driver gives no
    /// metadata.
    #[inline]
    pub fn adjust_meta(&mut self, delta: i32) -> Result<(), Error> {
        Error::check(self.raw.adjust(2, delta))
    }

    /// Sends the packet out of device `ifindex` once the program returns
    /// the action this returns ([`XdpAction::Redirect`]; `bpf_redirect`).
    #[inline]
    pub fn redirect(&self, ifindex: u32) -> XdpAction {
        XdpAction::from_helper(crate::helpers::redirect(ifindex, 0))
    }

    /// Sends the packet through slot `key` of a [`crate::DevMap`] or
    /// [`crate::CpuMap`] once the program returns the action this returns:
    /// [`XdpAction::Redirect`], or `empty` when the slot is empty
    /// (`bpf_redirect_map`; `empty` is at most [`XdpAction::Tx`]).
    #[inline]
    pub fn redirect_map<M: crate::maps::RedirectMap>(
        &self,
        map: &M,
        key: u32,
        empty: XdpAction,
    ) -> XdpAction {
        let fallback = match empty {
            XdpAction::Redirect => XdpAction::Aborted,
            a => a,
        };
        XdpAction::from_helper(map.redirect(key, fallback as u64))
    }

    /// Looks the route of `params` up in the FIB of the packet's network
    /// namespace (`bpf_fib_lookup`): on [`crate::helpers::FIB_LKUP_SUCCESS`] it holds
    /// the egress `ifindex` and the next hop's MAC addresses.
    #[inline]
    pub fn fib_lookup(
        &self,
        params: &mut crate::helpers::FibLookup,
        flags: u32,
    ) -> Result<u32, Error> {
        crate::helpers::fib_lookup(params, flags)
    }
}

/// The context of a tc (SCHED_CLS) entry: `struct rax_tc_ctx`, which the
/// dispatcher fills from the `sk_buff`.
///
/// [`TcContext::len`] is the linear data the program can access; the
/// whole packet's length, including non-linear parts, is
/// [`TcContext::skb_len`].
pub struct TcContext {
    raw: Kernel<RaxTcCtx>,
    /// Whether the kernel made the packet data writable in this run.
    writable: bool,
}

impl TcContext {
    pub(crate) fn new(raw: Kernel<RaxTcCtx>) -> Self {
        TcContext {
            raw,
            writable: false,
        }
    }

    packet_methods!();

    /// The packet data, writable.
    ///
    /// The packet may share its data with clones (a packet socket's copy,
    /// for example), which must not change: the first call in a run has
    /// the kernel copy the data if it is shared (`rax_tc_make_writable`,
    /// as an eBPF program that writes the packet gets an unclone
    /// prologue), which may move it. A program that never calls it pays
    /// nothing. If the kernel cannot copy the data (no memory), the slice
    /// is empty and [`TcContext::store`] returns `None`.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        if !self.writable {
            if self.raw.make_writable() != 0 {
                return &mut [];
            }
            self.writable = true;
        }
        self.raw.packet_mut()
    }

    /// `skb->len`: the packet's total length.
    #[inline]
    pub fn skb_len(&self) -> u32 {
        self.raw.get().len
    }

    /// `skb->protocol`, converted to host order (an ethertype, for example
    /// `0x0800` for IPv4).
    #[inline]
    pub fn protocol(&self) -> u16 {
        u16::from_be(self.raw.get().protocol as u16)
    }

    /// The index of the device the packet is on.
    #[inline]
    pub fn ifindex(&self) -> u32 {
        self.raw.get().ifindex
    }

    /// `skb->mark`.
    #[inline]
    pub fn mark(&self) -> u32 {
        self.raw.get().mark
    }

    /// `skb->priority`.
    #[inline]
    pub fn priority(&self) -> u32 {
        self.raw.get().priority
    }

    /// Whether the packet is on ingress (else egress).
    #[inline]
    pub fn is_ingress(&self) -> bool {
        self.raw.get().ingress != 0
    }

    /// Sends a clone of the packet to the device `ifindex`, as
    /// `bpf_clone_redirect`: transmitted on it (its tc egress programs run
    /// first, nested in this one) or, with `ingress`, received on it. This
    /// packet goes on as the program's verdict says.
    ///
    /// The kernel may move the packet's data to make it writable again,
    /// so the call takes the context exclusively: no slice of the packet
    /// lives across it, and [`TcContext::data`] afterwards gives the new
    /// bytes.
    ///
    /// [`Error::EINVAL`] for an unknown device; other errors as the
    /// kernel's helper.
    #[inline]
    pub fn clone_redirect(&mut self, ifindex: u32, ingress: bool) -> Result<(), Error> {
        let flags = if ingress { BPF_F_INGRESS } else { 0 };
        Error::check(self.raw.clone_redirect(ifindex, flags))
    }

    /// Sends the packet to device `ifindex` (out of it, or with `ingress`
    /// into it) once the program returns the action this returns:
    /// [`TcAction::Redirect`], or [`TcAction::Shot`] if the kernel refuses
    /// (`bpf_redirect`).
    #[inline]
    pub fn redirect(&self, ifindex: u32, ingress: bool) -> TcAction {
        let flags = if ingress { BPF_F_INGRESS } else { 0 };
        match crate::helpers::redirect(ifindex, flags) {
            7 => TcAction::Redirect,
            _ => TcAction::Shot,
        }
    }

    /// Looks the route of `params` up in the FIB of the packet's network
    /// namespace (`bpf_fib_lookup`), as [`XdpContext::fib_lookup`].
    #[inline]
    pub fn fib_lookup(
        &self,
        params: &mut crate::helpers::FibLookup,
        flags: u32,
    ) -> Result<u32, Error> {
        crate::helpers::fib_lookup(params, flags)
    }

    /// Copies `buf.len()` bytes of the packet from `offset` into `buf`,
    /// from the linear data or beyond it (`bpf_skb_load_bytes`);
    /// `Err(EFAULT)` past the packet's end.
    #[inline]
    pub fn load_bytes(&self, offset: u32, buf: &mut [u8]) -> Result<(), Error> {
        Error::check(self.raw.load_bytes(offset, buf))
    }

    /// Writes `bytes` into the packet at `offset` (`bpf_skb_store_bytes`;
    /// `flags` [`BPF_F_RECOMPUTE_CSUM`], [`BPF_F_INVALIDATE_HASH`]). The
    /// kernel may move the data: the call takes the context exclusively.
    #[inline]
    pub fn store_bytes(&mut self, offset: u32, bytes: &[u8], flags: u64) -> Result<(), Error> {
        Error::check(self.raw.store_bytes(offset, bytes, flags))
    }

    /// Updates the IP header checksum at `offset` for a field changed from
    /// `from` to `to`, `size` (2 or 4) bytes wide (`bpf_l3_csum_replace`).
    #[inline]
    pub fn l3_csum_replace(
        &mut self,
        offset: u32,
        from: u64,
        to: u64,
        size: u64,
    ) -> Result<(), Error> {
        Error::check(self.raw.csum_replace(false, offset, from, to, size))
    }

    /// Updates the TCP or UDP checksum at `offset` for a field changed
    /// from `from` to `to` (`bpf_l4_csum_replace`; `flags` holds the size
    /// and [`BPF_F_PSEUDO_HDR`] for an address of the pseudo-header).
    #[inline]
    pub fn l4_csum_replace(
        &mut self,
        offset: u32,
        from: u64,
        to: u64,
        flags: u64,
    ) -> Result<(), Error> {
        Error::check(self.raw.csum_replace(true, offset, from, to, flags))
    }

    /// Grows (with zeroes) or cuts the packet to `len` bytes
    /// (`bpf_skb_change_tail`).
    #[inline]
    pub fn change_tail(&mut self, len: u32) -> Result<(), Error> {
        Error::check(self.raw.change_tail(len))
    }

    /// Sets the packet's mark (`skb->mark`); [`TcContext::mark`] follows.
    #[inline]
    pub fn set_mark(&mut self, mark: u32) {
        self.raw.set(RAX_TC_MARK, mark);
    }

    /// Sets the packet's priority; [`TcContext::priority`] follows.
    #[inline]
    pub fn set_priority(&mut self, priority: u32) {
        self.raw.set(RAX_TC_PRIORITY, priority);
    }

    /// Sets the class id the classifier reports (for a `cls_bpf` filter
    /// in direct-action mode, the class of `TC_ACT_OK`).
    #[inline]
    pub fn set_classid(&mut self, classid: u32) {
        self.raw.set(RAX_TC_CLASSID, classid);
    }

    /// Sets `skb->tc_index`.
    #[inline]
    pub fn set_tc_index(&mut self, index: u16) {
        self.raw.set(RAX_TC_INDEX, u32::from(index));
    }
}

/// `store_bytes` flag: update `skb->csum` for the change.
pub const BPF_F_RECOMPUTE_CSUM: u64 = 1;
/// `store_bytes` flag: forget the packet's hash.
pub const BPF_F_INVALIDATE_HASH: u64 = 2;
/// `l4_csum_replace` flag: the field is part of the pseudo-header.
pub const BPF_F_PSEUDO_HDR: u64 = 1 << 4;
/// `l4_csum_replace` flag: a UDP checksum of 0 stays 0 ("no checksum").
pub const BPF_F_MARK_MANGLED_0: u64 = 1 << 5;

/// `enum rax_tc_field` (include/uapi/linux/rax.h).
const RAX_TC_MARK: u32 = 0;
const RAX_TC_PRIORITY: u32 = 1;
const RAX_TC_CLASSID: u32 = 2;
const RAX_TC_INDEX: u32 = 3;

/// `BPF_F_INGRESS` of `bpf_clone_redirect`.
const BPF_F_INGRESS: u64 = 1;

/// The x86-64 kernel's `struct pt_regs`: the registers at a probe or at a
/// perf event sample, laid out as the target kernel's BTF says
/// (`crate::btf`). Read it through the accessors.
#[repr(transparent)]
pub struct PtRegs(crate::btf::pt_regs);

impl PtRegs {
    /// First argument (`rdi`).
    #[inline]
    pub fn arg0(&self) -> u64 {
        self.0.di
    }
    /// Second argument (`rsi`).
    #[inline]
    pub fn arg1(&self) -> u64 {
        self.0.si
    }
    /// Third argument (`rdx`).
    #[inline]
    pub fn arg2(&self) -> u64 {
        self.0.dx
    }
    /// Fourth argument (`rcx`).
    #[inline]
    pub fn arg3(&self) -> u64 {
        self.0.cx
    }
    /// Fifth argument (`r8`).
    #[inline]
    pub fn arg4(&self) -> u64 {
        self.0.r8
    }
    /// Sixth argument (`r9`).
    #[inline]
    pub fn arg5(&self) -> u64 {
        self.0.r9
    }
    /// Return value (`rax`), meaningful in a kretprobe.
    #[inline]
    pub fn ret(&self) -> u64 {
        self.0.ax
    }
    /// Instruction pointer.
    #[inline]
    pub fn ip(&self) -> u64 {
        self.0.ip
    }
    /// Stack pointer.
    #[inline]
    pub fn sp(&self) -> u64 {
        self.0.sp
    }
    /// Frame pointer (`rbp`).
    #[inline]
    pub fn bp(&self) -> u64 {
        self.0.bp
    }
    /// `orig_ax` (the system call number at a system call entry).
    #[inline]
    pub fn orig_ax(&self) -> u64 {
        self.0.orig_ax
    }
    /// The flags register.
    #[inline]
    pub fn flags(&self) -> u64 {
        self.0.flags
    }
}

/// The context of a kprobe entry: the probed function's registers.
pub struct KprobeContext {
    raw: Kernel<PtRegs>,
}

impl KprobeContext {
    pub(crate) fn new(raw: Kernel<PtRegs>) -> Self {
        KprobeContext { raw }
    }

    /// Makes the probed function return `rc` without running, once the
    /// program returns (`bpf_override_return`; the last call wins, and a
    /// program that panics overrides nothing). Only for a kprobe on the
    /// entry of a function that allows error injection
    /// (`ALLOW_ERROR_INJECTION`): the kernel refuses to attach a program
    /// that uses it anywhere else.
    #[inline]
    pub fn override_return(&self, rc: u64) {
        crate::helpers::override_return(rc);
    }

    /// All registers.
    #[inline]
    pub fn regs(&self) -> &PtRegs {
        self.raw.get()
    }
    /// First argument (`rdi`).
    #[inline]
    pub fn arg0(&self) -> u64 {
        self.regs().arg0()
    }
    /// Second argument (`rsi`).
    #[inline]
    pub fn arg1(&self) -> u64 {
        self.regs().arg1()
    }
    /// Third argument (`rdx`).
    #[inline]
    pub fn arg2(&self) -> u64 {
        self.regs().arg2()
    }
    /// Fourth argument (`rcx`).
    #[inline]
    pub fn arg3(&self) -> u64 {
        self.regs().arg3()
    }
    /// Fifth argument (`r8`).
    #[inline]
    pub fn arg4(&self) -> u64 {
        self.regs().arg4()
    }
    /// Sixth argument (`r9`).
    #[inline]
    pub fn arg5(&self) -> u64 {
        self.regs().arg5()
    }
    /// Return value (`rax`), meaningful in a kretprobe.
    #[inline]
    pub fn ret(&self) -> u64 {
        self.regs().ret()
    }
    /// Instruction pointer.
    #[inline]
    pub fn ip(&self) -> u64 {
        self.regs().ip()
    }
    /// Stack pointer.
    #[inline]
    pub fn sp(&self) -> u64 {
        self.regs().sp()
    }
}

/// The context of a tracepoint entry: the raw trace record.
///
/// The record's layout is the tracepoint's format
/// (`/sys/kernel/tracing/events/<sys>/<event>/format`); fields are read by
/// offset with `probe_read_kernel`, so a wrong offset or size yields an
/// error or wrong data, never a fault.
pub struct TracepointContext {
    record: usize,
    /// The bytes of the record the entry declared it reads
    /// (`rax::tracepoint!(f, record = N)`), which the kernel checked the
    /// tracepoint's records have.
    size: usize,
}

impl TracepointContext {
    pub(crate) fn new(record: usize, size: usize) -> Self {
        TracepointContext { record, size }
    }

    /// Reads a `T` at `offset` bytes into the record; [`Error::EFAULT`] if
    /// it does not fit in the bytes the entry declared it reads.
    #[inline]
    pub fn read<T: Pod>(&self, offset: usize) -> Result<T, Error> {
        let end = offset.checked_add(size_of::<T>()).ok_or(Error::EFAULT)?;
        if end > self.size {
            return Err(Error::EFAULT);
        }
        let addr = self.record.checked_add(offset).ok_or(Error::EFAULT)?;
        crate::helpers::probe_read_kernel(addr as *const T)
    }

    /// Like [`TracepointContext::read`], `None` on error.
    #[inline]
    pub fn load<T: Pod>(&self, offset: usize) -> Option<T> {
        self.read(offset).ok()
    }
}

/// The context of a perf_event entry: the kernel's
/// `struct bpf_perf_event_data_kern`.
pub struct PerfEventContext {
    raw: Kernel<PerfEventDataKern>,
}

impl PerfEventContext {
    pub(crate) fn new(raw: Kernel<PerfEventDataKern>) -> Self {
        PerfEventContext { raw }
    }

    /// The registers at the sample.
    #[inline]
    pub fn regs(&self) -> &PtRegs {
        self.raw.regs()
    }
    /// Instruction pointer at the sample.
    #[inline]
    pub fn ip(&self) -> u64 {
        self.regs().ip()
    }
    /// Stack pointer at the sample.
    #[inline]
    pub fn sp(&self) -> u64 {
        self.regs().sp()
    }
}
