// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers of the kernel's plain helpers (clock, random numbers,
//! current task, kernel reads, printing); the declarations are in the
//! crate's bottom module, `ffi`.
//!
//! Some helpers may only be imported by some program types (`RAX_HT_*` in
//! helpers.h): `current_*`, [`probe_read_kernel`] and the task helpers
//! behind [`crate::TaskRef`] are for tracing programs (kprobe, tracepoint,
//! perf_event). The toolchain refuses an object whose entry imports a
//! helper its program type may not use.
//!
//! The ring-buffer, task and spin-lock helpers enter what they hand out
//! (a reserved record, a task reference, a held lock) in the kernel's
//! per-invocation cleanup log and remove it when it is given back; a panic
//! or a return with anything left in the log releases it.

use core::mem::{MaybeUninit, size_of};

use crate::error::Error;
use crate::ffi::{
    rax_csum_diff, rax_fib_lookup, rax_get_current_cgroup_id, rax_get_current_comm,
    rax_get_current_pid_tgid, rax_get_current_uid_gid, rax_get_numa_node_id, rax_get_prandom_u32,
    rax_get_smp_processor_id, rax_get_stack, rax_jiffies64, rax_ktime_get_boot_ns,
    rax_ktime_get_ns, rax_override_return, rax_probe_read_kernel, rax_probe_read_kernel_str,
    rax_probe_read_user, rax_probe_read_user_str, rax_redirect, rax_send_signal, rax_throw,
    rax_trace_print,
};
use crate::pod::Pod;

/// Monotonic time in nanoseconds (`ktime_get_ns`).
#[inline]
pub fn ktime_get_ns() -> u64 {
    // SAFETY: no arguments; the helper only reads the clock.
    unsafe { rax_ktime_get_ns() }
}

/// Time since boot, including suspend, in nanoseconds.
#[inline]
pub fn ktime_get_boot_ns() -> u64 {
    // SAFETY: no arguments; the helper only reads the clock.
    unsafe { rax_ktime_get_boot_ns() }
}

/// A pseudo-random `u32` (not for cryptography).
#[inline]
pub fn prandom_u32() -> u32 {
    // SAFETY: no arguments, no memory access on our side.
    unsafe { rax_get_prandom_u32() }
}

/// The CPU the program runs on.
#[inline]
pub fn smp_processor_id() -> u32 {
    // SAFETY: no arguments, no memory access on our side.
    unsafe { rax_get_smp_processor_id() }
}

/// `tgid << 32 | pid` of the current task (tracing programs only).
#[inline]
pub fn current_pid_tgid() -> u64 {
    // SAFETY: no arguments, no memory access on our side.
    unsafe { rax_get_current_pid_tgid() }
}

/// `gid << 32 | uid` of the current task (tracing programs only).
#[inline]
pub fn current_uid_gid() -> u64 {
    // SAFETY: no arguments, no memory access on our side.
    unsafe { rax_get_current_uid_gid() }
}

/// The current task's `comm`, NUL-padded (tracing programs only).
#[inline]
pub fn current_comm() -> Result<[u8; 16], Error> {
    let mut comm = [0u8; 16];
    // SAFETY: `comm` is a writable buffer of exactly the size passed.
    let ret = unsafe { rax_get_current_comm(comm.as_mut_ptr(), comm.len() as u32) };
    Error::check(ret).map(|()| comm)
}

/// Reads a `T` from kernel memory at `src` (tracing programs only).
///
/// `src` may be any address: the helper checks it and fails with an error
/// instead of faulting. Creating the pointer is safe; nothing dereferences
/// it on the Rust side.
#[inline]
pub fn probe_read_kernel<T: Pod>(src: *const T) -> Result<T, Error> {
    let size = u32::try_from(size_of::<T>()).map_err(|_| Error::E2BIG)?;
    let mut dst = MaybeUninit::<T>::zeroed();
    // SAFETY: `dst` is writable for `size` bytes; the helper checks `src`
    // and writes at most `size` bytes to `dst` (zeroes on error).
    let ret = unsafe { rax_probe_read_kernel(dst.as_mut_ptr().cast(), size, src.cast()) };
    Error::check(ret)?;
    // SAFETY: every byte of `dst` is initialised (zeroed, then written) and
    // `T: Pod` accepts any bit pattern.
    Ok(unsafe { dst.assume_init() })
}

/// Writes `line` to the trace pipe; used by [`crate::println!`].
#[inline]
pub(crate) fn trace_print(line: &[u8]) {
    // SAFETY: `line` is readable for `line.len()` bytes (at most the size
    // of the print buffer, which fits a u32).
    unsafe {
        rax_trace_print(line.as_ptr(), line.len() as u32);
    }
}

/// Stops the program, reporting a source location.
#[inline]
pub(crate) fn throw(file: &str, line: u32, column: u32) -> ! {
    // SAFETY: `file` is readable for `file.len()` bytes; the helper does
    // not return.
    unsafe { rax_throw(file.as_ptr(), file.len(), line, column) }
}

/// The 64-bit jiffies counter (`rax_jiffies64`).
#[inline]
pub fn jiffies64() -> u64 {
    // SAFETY: no arguments.
    unsafe { rax_jiffies64() }
}

/// The NUMA node of the CPU the program runs on (0 without NUMA).
#[inline]
pub fn numa_node_id() -> u32 {
    // SAFETY: no arguments.
    unsafe { rax_get_numa_node_id() as u32 }
}

/// The current task's cgroup id on the cgroup v2 hierarchy: the inode
/// number of its directory in cgroupfs (tracing programs only).
#[inline]
pub fn current_cgroup_id() -> u64 {
    // SAFETY: no arguments.
    unsafe { rax_get_current_cgroup_id() }
}

/// Reads a `T` from the current task's user memory at `addr` (an address
/// a system call got, for example), without faulting: `Err(EFAULT)` when
/// it is not mapped (tracing programs only).
#[inline]
pub fn probe_read_user<T: Pod>(addr: u64) -> Result<T, Error> {
    let size = u32::try_from(size_of::<T>()).map_err(|_| Error::E2BIG)?;
    let mut dst = MaybeUninit::<T>::zeroed();
    // SAFETY: `dst` is writable for `size` bytes; the helper reads user
    // memory without faulting and zeroes `dst` on failure.
    let ret = unsafe {
        rax_probe_read_user(
            dst.as_mut_ptr().cast(),
            size,
            addr as *const core::ffi::c_void,
        )
    };
    Error::check(ret)?;
    // SAFETY: zeroed, then overwritten with bytes: a valid `T: Pod`.
    Ok(unsafe { dst.assume_init() })
}

/// Copies the NUL-terminated string at user address `addr` into `buf`
/// (truncated to fit, always NUL-terminated); returns its length with the
/// NUL (tracing programs only). An empty `buf` reads nothing.
#[inline]
pub fn probe_read_user_str(addr: u64, buf: &mut [u8]) -> Result<usize, Error> {
    let size = u32::try_from(buf.len()).map_err(|_| Error::E2BIG)?;
    // SAFETY: `buf` is writable for `size` bytes; the helper writes at
    // most that many.
    let ret = unsafe {
        rax_probe_read_user_str(
            buf.as_mut_ptr().cast(),
            size,
            addr as *const core::ffi::c_void,
        )
    };
    Error::check(ret).map(|()| ret as usize)
}

/// As [`probe_read_user_str`], from kernel memory (tracing programs only;
/// refused under lockdown).
#[inline]
pub fn probe_read_kernel_str(src: *const u8, buf: &mut [u8]) -> Result<usize, Error> {
    let size = u32::try_from(buf.len()).map_err(|_| Error::E2BIG)?;
    // SAFETY: `buf` is writable for `size` bytes; the helper reads kernel
    // memory without faulting and writes at most `size` bytes.
    let ret = unsafe { rax_probe_read_kernel_str(buf.as_mut_ptr().cast(), size, src.cast()) };
    Error::check(ret).map(|()| ret as usize)
}

/// Fills `frames` with the current kernel stack's return addresses,
/// innermost first, skipping `skip` frames (at most 255); returns how
/// many were written (tracing programs only).
#[inline]
pub fn kernel_stack(frames: &mut [u64], skip: u8) -> Result<usize, Error> {
    stack(frames, u64::from(skip))
}

/// As [`kernel_stack`], for the current task's user stack
/// (`Err(EFAULT)` for a kernel thread).
#[inline]
pub fn user_stack(frames: &mut [u64], skip: u8) -> Result<usize, Error> {
    stack(frames, u64::from(skip) | crate::maps::BPF_F_USER_STACK)
}

#[inline(always)]
fn stack(frames: &mut [u64], flags: u64) -> Result<usize, Error> {
    let size = frames
        .len()
        .checked_mul(size_of::<u64>())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(Error::E2BIG)?;
    // SAFETY: `frames` is writable for `size` bytes; the helper writes at
    // most that many (whole `u64`s) and zeroes the rest.
    let ret = unsafe { rax_get_stack(frames.as_mut_ptr().cast(), size, flags) };
    Error::check(ret).map(|()| ret as usize / size_of::<u64>())
}

/// Sends signal `sig` to the current process (its thread group), as
/// `bpf_send_signal` (tracing programs only): `Err(EPERM)` for a kernel
/// thread, an exiting task or init, `Err(EBUSY)` when a signal sent from
/// a context with interrupts off is still pending.
#[inline]
pub fn send_signal(sig: u32) -> Result<(), Error> {
    // SAFETY: the signal is passed by value and checked by the kernel.
    Error::check(unsafe { rax_send_signal(sig) })
}

/// `rax_override_return`, for [`crate::KprobeContext::override_return`]
/// only (the helper list allows it to kprobe programs alone).
#[inline(always)]
pub(crate) fn override_return(rc: u64) {
    // SAFETY: `rc` is passed by value; the kernel keeps it for when the
    // program returns and writes no memory the program can see.
    unsafe { rax_override_return(rc) };
}

/// `rax_redirect`, for [`crate::XdpContext::redirect`] and
/// [`crate::TcContext::redirect`]: the verdict the program must return.
#[inline(always)]
pub(crate) fn redirect(ifindex: u32, flags: u64) -> i64 {
    // SAFETY: arguments by value, checked by the kernel.
    unsafe { rax_redirect(ifindex, flags) }
}

/// `BPF_FIB_LKUP_RET_SUCCESS`: the route and the next hop were found.
pub const FIB_LKUP_SUCCESS: u32 = 0;
/// `BPF_FIB_LKUP_RET_NO_NEIGH`: the route, but no neighbour entry.
pub const FIB_LKUP_NO_NEIGH: u32 = 7;
/// `AF_INET`.
pub const AF_INET: u8 = 2;
/// `AF_INET6`.
pub const AF_INET6: u8 = 10;

crate::pod! {
    /// `struct bpf_fib_lookup` (include/uapi/linux/bpf.h), 64 bytes:
    /// filled in by the program, completed by [`crate::XdpContext::fib_lookup`]
    /// or [`crate::TcContext::fib_lookup`]. Addresses and ports in network
    /// order.
    #[derive(Clone, Copy)]
    pub struct FibLookup {
        /// `AF_INET` or `AF_INET6`.
        pub family: u8,
        /// The L4 protocol (`IPPROTO_*`).
        pub l4_protocol: u8,
        /// Source port.
        pub sport: u16,
        /// Destination port.
        pub dport: u16,
        /// In: the packet's total length; out: the route's MTU.
        pub tot_len: u16,
        /// In: the ingress device; out: the egress device.
        pub ifindex: u32,
        /// In: the IPv4 TOS or the IPv6 flow label; out: the route metric.
        pub flowinfo: u32,
        /// The source address (IPv4 in word 0).
        pub src: [u32; 4],
        /// The destination address (IPv4 in word 0).
        pub dst: [u32; 4],
        /// Out: the VLAN protocol.
        pub vlan_proto: u16,
        /// Out: the VLAN tag.
        pub vlan_tci: u16,
        /// In: the mark for policy routing (bytes 0..4); out: the source
        /// and destination MAC addresses (bytes 0..6 and 6..12).
        pub macs: [u8; 12],
    }
}

const _: () = assert!(size_of::<FibLookup>() == 64);

impl FibLookup {
    /// The next hop's source MAC address, after a successful lookup.
    #[inline]
    pub fn smac(&self) -> [u8; 6] {
        let mut m = [0u8; 6];
        m.copy_from_slice(&self.macs[..6]);
        m
    }

    /// The next hop's destination MAC address, after a successful lookup.
    #[inline]
    pub fn dmac(&self) -> [u8; 6] {
        let mut m = [0u8; 6];
        m.copy_from_slice(&self.macs[6..]);
        m
    }
}

/// `rax_fib_lookup` on the running program's packet.
#[inline(always)]
pub(crate) fn fib_lookup(params: &mut FibLookup, flags: u32) -> Result<u32, Error> {
    // SAFETY: `params` is a writable `struct bpf_fib_lookup` of exactly
    // the size passed; the kernel uses the program's own packet.
    let ret = unsafe {
        rax_fib_lookup(
            (params as *mut FibLookup).cast(),
            size_of::<FibLookup>() as u32,
            u64::from(flags),
        )
    };
    Error::check(ret).map(|()| ret as u32)
}

/// The checksum difference between `from` and `to` (their lengths
/// multiples of 4, at most 512 bytes), added to `seed`, as
/// `bpf_csum_diff` (XDP and tc programs): fold it into a checksum to
/// update it for a change of those bytes. `Err(EINVAL)` for other lengths.
#[inline]
pub fn csum_diff(from: &[u8], to: &[u8], seed: u32) -> Result<u32, Error> {
    let (Ok(from_size), Ok(to_size)) = (u32::try_from(from.len()), u32::try_from(to.len())) else {
        return Err(Error::EINVAL);
    };
    // SAFETY: both slices are readable for the sizes passed; the helper
    // reads them only.
    let ret = unsafe {
        rax_csum_diff(
            from.as_ptr().cast(),
            from_size,
            to.as_ptr().cast(),
            to_size,
            seed,
        )
    };
    Error::check(ret).map(|()| ret as u32)
}
