// SPDX-License-Identifier: GPL-2.0
//! `SpinLock`: a `struct bpf_spin_lock` inside a map value.
//!
//! ```ignore
//! rax::pod! {
//!     pub struct Stats { pub lock: rax::SpinLock, pub packets: u32, pub bytes: u64 }
//! }
//! ```
//!
//! [`SpinLock::lock`] takes the lock with `rax_spin_lock`; dropping the
//! guard releases it with `rax_spin_unlock`. A program that stops while
//! holding a lock (panic, or a guard leaked with `core::mem::forget`) must
//! have it released by the kernel: the per-invocation cleanup log that does
//! this on the kernel side is a later step and not yet implemented.

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
// padding, no pointers. Map values are copied byte-wise by the kernel,
// which handles the lock word itself, as for eBPF.
unsafe impl Pod for SpinLock {}

impl SpinLock {
    /// An unlocked lock.
    pub const fn new() -> Self {
        SpinLock {
            val: UnsafeCell::new(0),
        }
    }

    /// Takes the lock; it is released when the guard is dropped.
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
