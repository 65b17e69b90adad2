// SPDX-License-Identifier: GPL-2.0
//! `SpinLock`: a `struct bpf_spin_lock` inside a map value.
//!
//! ```ignore
//! rax::pod! {
//!     pub struct Stats { pub lock: rax::SpinLock, pub pad: u32, pub packets: AtomicU64 }
//! }
//! rax::map!(static STATS: rax::ArrayMap<Stats, 1>);
//!
//! if let Some(stats) = STATS.get(0) {
//!     let _guard = stats.lock.lock();
//!     stats.packets.store(stats.packets.load(Relaxed) + 1, Relaxed);
//! } // unlocked here
//! ```
//!
//! A map value (hash or array map, not per-CPU) may hold one lock, as a
//! field of a [`crate::pod!`] struct or nested in one (a second lock, or an
//! array of more than one element holding locks, fails to compile, and so
//! does a [`crate::PerCpuArray`] of such values). [`crate::map!`] declares
//! the lock's offset in the map definition (`RAX_MAP_SPIN_LOCK`,
//! `spin_lock_off`); the loader creates the map with BTF that places a
//! `struct bpf_spin_lock` there, so the kernel treats the lock word as
//! eBPF does (skipped when values are copied, `BPF_F_LOCK` lookups and
//! updates from userspace). Locks are for XDP and tc programs only, as in
//! eBPF: `rax_spin_lock` and `rax_spin_unlock` are `NET` helpers, so `rax
//! build` refuses a tracing entry (kprobe, tracepoint, perf_event) that
//! takes a lock, and the kernel refuses lock maps to tracing programs (a
//! program in NMI could spin on the lock of the program it interrupted).
//!
//! [`SpinLock::lock`] takes the lock with `rax_spin_lock`; dropping the
//! guard releases it with `rax_spin_unlock`. The kernel keeps a
//! per-invocation cleanup log of what a program holds: a program that
//! panics while holding the lock, or returns while holding it (a guard
//! leaked with `core::mem::forget`), has it released by the kernel (such a
//! return is counted and logged like a panic, and the program type's
//! default verdict is returned). Taking a second lock while one is held
//! (the same lock or another) stops the program like a panic, instead of
//! deadlocking.

use core::cell::UnsafeCell;

use crate::helpers::{rax_spin_lock, rax_spin_unlock};
use crate::pod::Pod;

/// A `struct bpf_spin_lock` (one `u32`), for use inside map values.
#[repr(transparent)]
pub struct SpinLock {
    val: UnsafeCell<u32>,
}

const _: () = assert!(core::mem::size_of::<SpinLock>() == 4);

// SAFETY: the lock word is only changed by the kernel's spin-lock helpers,
// which are atomic; sharing it between CPUs is its purpose.
unsafe impl Sync for SpinLock {}

// SAFETY: a `u32` (through `UnsafeCell`, same layout): any bit pattern, no
// padding, no pointers. It is a lock, at offset 0 of itself. Map values
// are copied by the kernel, which skips the lock word (the map's BTF
// places a `struct bpf_spin_lock` there), as for eBPF.
unsafe impl Pod for SpinLock {
    const SPIN_LOCK: Option<usize> = Some(0);
}

impl SpinLock {
    /// An unlocked lock.
    pub const fn new() -> Self {
        SpinLock {
            val: UnsafeCell::new(0),
        }
    }

    /// Takes the lock; it is released when the guard is dropped.
    ///
    /// A program holds at most one lock at a time: taking one while
    /// holding one (this or another) stops the program like a panic, and
    /// the kernel releases the lock already held.
    #[inline]
    pub fn lock(&self) -> SpinLockGuard<'_> {
        // SAFETY: `val` is a live, 4-byte aligned `u32` lock word; the
        // helper spins until it owns it.
        unsafe { rax_spin_lock(self.val.get()) };
        SpinLockGuard { lock: self }
    }
}

impl Default for SpinLock {
    fn default() -> Self {
        Self::new()
    }
}

/// Holds a [`SpinLock`]; dropping it releases the lock.
///
/// A guard that is never dropped (`core::mem::forget`, or a panic while it
/// is alive) leaves the lock in the kernel's cleanup log, which releases it
/// when the program stops or returns.
pub struct SpinLockGuard<'a> {
    lock: &'a SpinLock,
}

impl Drop for SpinLockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this guard owns the lock (taken in `SpinLock::lock`).
        unsafe { rax_spin_unlock(self.lock.val.get()) };
    }
}
