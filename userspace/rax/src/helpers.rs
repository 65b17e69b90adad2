// SPDX-License-Identifier: GPL-2.0
//! The kernel's helper list and safe wrappers around it.
//!
//! The `unsafe extern "C"` block below declares exactly the helpers of
//! `kernel/rax/helpers.h`: same symbol names, same number of arguments, in
//! the same order. The userspace test suite compares the two; keep them in
//! step (appending is the only compatible change). The contracts are the
//! helper table of `Documentation/rax/format.rst`; all helpers use the
//! x86-64 SysV calling convention. Helpers that return "0 or -errno" are
//! declared returning `i64` (the kernel returns a 64-bit `rax`, as for
//! eBPF helpers).
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

use core::ffi::{c_int, c_void};
use core::mem::{MaybeUninit, size_of};

use crate::error::Error;
use crate::maps::MapDef;
use crate::pod::Pod;
use crate::raw::RaxTcCtx;
use crate::task::Task;

unsafe extern "C" {
    /// `(def, key)`: pointer to the value or NULL.
    pub(crate) fn rax_map_lookup_elem(def: *const MapDef, key: *const c_void) -> *mut c_void;
    /// `(def, key, value, flags)`: 0 or -errno.
    pub(crate) fn rax_map_update_elem(
        def: *const MapDef,
        key: *const c_void,
        value: *const c_void,
        flags: u64,
    ) -> i64;
    /// `(def, key)`: 0 or -errno.
    pub(crate) fn rax_map_delete_elem(def: *const MapDef, key: *const c_void) -> i64;
    /// Monotonic time in ns.
    pub(crate) fn rax_ktime_get_ns() -> u64;
    /// Boot time in ns.
    pub(crate) fn rax_ktime_get_boot_ns() -> u64;
    /// A pseudo-random `u32`.
    pub(crate) fn rax_get_prandom_u32() -> u32;
    /// The current CPU.
    pub(crate) fn rax_get_smp_processor_id() -> u32;
    /// `(buf, len)`: writes a line to the trace pipe.
    pub(crate) fn rax_trace_print(buf: *const u8, len: u32) -> i64;
    /// `tgid << 32 | pid` of current.
    pub(crate) fn rax_get_current_pid_tgid() -> u64;
    /// `gid << 32 | uid` of current.
    pub(crate) fn rax_get_current_uid_gid() -> u64;
    /// `(buf, size)`: current's comm, 0 or -errno.
    pub(crate) fn rax_get_current_comm(buf: *mut u8, size: u32) -> i64;
    /// `(dst, size, src)`: 0 or -errno, `dst` zeroed on error.
    pub(crate) fn rax_probe_read_kernel(dst: *mut c_void, size: u32, src: *const c_void) -> i64;
    /// `(lock)`: takes a `struct bpf_spin_lock`.
    pub(crate) fn rax_spin_lock(lock: *mut u32);
    /// `(lock)`: releases a `struct bpf_spin_lock`.
    pub(crate) fn rax_spin_unlock(lock: *mut u32);
    /// `(file, file_len, line, column)`: stops the program, never returns.
    pub(crate) fn rax_throw(file: *const u8, file_len: usize, line: u32, column: u32) -> !;
    // The compiler's ABI symbols (RAX_ABI in the list, not helpers): code
    // generation calls them on its own; they are declared so that this
    // block is the complete list.
    #[allow(dead_code)]
    pub(crate) fn memcpy(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    #[allow(dead_code)]
    pub(crate) fn memmove(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    #[allow(dead_code)]
    pub(crate) fn memset(dst: *mut c_void, c: c_int, n: usize) -> *mut c_void;
    #[allow(dead_code)]
    pub(crate) fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int;
    #[allow(dead_code)]
    pub(crate) fn bcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int;
    /// `(def, size, flags)`: a record of `size` bytes in a ring buffer,
    /// 8-byte aligned, entered in the cleanup log; NULL on failure.
    pub(crate) fn rax_ringbuf_reserve(def: *const MapDef, size: u64, flags: u64) -> *mut c_void;
    /// `(rec, flags)`: makes a reserved record visible to the consumer.
    pub(crate) fn rax_ringbuf_submit(rec: *mut c_void, flags: u64);
    /// `(rec, flags)`: drops a reserved record.
    pub(crate) fn rax_ringbuf_discard(rec: *mut c_void, flags: u64);
    /// `(def, data, size, flags)`: copies a record into a ring buffer, 0 or
    /// -errno.
    pub(crate) fn rax_ringbuf_output(
        def: *const MapDef,
        data: *const c_void,
        size: u64,
        flags: u64,
    ) -> i64;
    /// A reference to current (tracing programs only); NULL in NMI context
    /// or on failure.
    pub(crate) fn rax_task_acquire_current() -> *mut Task;
    /// `(pid)`: a reference to the task with that pid in the initial pid
    /// namespace (tracing programs only); NULL if there is none.
    pub(crate) fn rax_task_from_pid(pid: i32) -> *mut Task;
    /// `(task)`: releases a reference from the two helpers above.
    pub(crate) fn rax_task_release(task: *mut Task);
    /// `(task)`: `tgid << 32 | pid` of the task.
    pub(crate) fn rax_task_pid_tgid(task: *mut Task) -> u64;
    /// `(task, buf, size)`: the task's comm, NUL-terminated; 0 or -errno.
    pub(crate) fn rax_task_comm(task: *mut Task, buf: *mut u8, size: u32) -> i64;
    /// `(need)`: stops the program unless `need` bytes of stack are left.
    pub(crate) fn rax_stack_check(need: u64);
    // The toolchain's termination pass calls it at every function entry
    // and loop back-edge; the crate never does.
    #[allow(dead_code)]
    pub(crate) fn rax_budget_check();
    /// `(tc, ifindex, flags)`: sends a clone of a tc program's packet to a
    /// device (`bpf_clone_redirect`); updates the context's packet bounds;
    /// 0 or -errno (tc programs only).
    pub(crate) fn rax_clone_redirect(tc: *mut RaxTcCtx, ifindex: u32, flags: u64) -> i64;
}

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
