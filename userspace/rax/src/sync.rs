// SPDX-License-Identifier: GPL-2.0
//! `Locked<T>`: a map value made of a `struct bpf_spin_lock` and a `T` that
//! only the lock's holder reaches, like a mutex.
//!
//! ```ignore
//! rax::pod! {
//!     #[derive(Clone, Copy)]
//!     pub struct Flow { pub packets: u64, pub bytes: u64 }
//! }
//! rax::map!(static FLOWS: rax::HashMap<u32, rax::Locked<Flow>, 1024>);
//!
//! if FLOWS.get(&key).is_none() {
//!     let _ = FLOWS.update_value(&key, &Flow { packets: 0, bytes: 0 }, BPF_NOEXIST);
//! }
//! if let Some(flow) = FLOWS.get(&key) {
//!     let mut f = flow.lock();
//!     f.packets += 1;
//!     f.bytes += len;
//! } // unlocked here
//! ```
//!
//! A lock is a word in kernel memory that `rax_spin_lock` spins on with
//! interrupts off; a lock word the program made itself (from constant
//! bytes, from a packet, or copied out of a map) would let it hang a CPU
//! or, with queue bits set, make the qspinlock slow path write through a
//! pointer it computes from them. So a lock is reachable only through a
//! reference into a map value that the kernel handed out:
//!
//! * the lock type is private to this crate; the only lock an extension
//!   sees is the one inside a [`Locked<T>`];
//! * a [`Locked<T>`] has no constructor, is neither `Clone` nor `Copy`, and
//!   is not [`crate::Pod`]: it cannot be read from a packet or a kernel
//!   address, copied out of a map (`read`), reserved in a ring buffer, or
//!   be a field of a [`crate::pod!`] struct. Maps of `Locked<T>` values get
//!   new values with `update_value(&key, &T, flags)`, which stores a `T`
//!   beside an unlocked lock word (the kernel skips the lock word when it
//!   copies a value, as for eBPF);
//! * `get` on a map of `Locked<T>` values is the only way to a
//!   `&Locked<T>`.
//!
//! The kernel does not take the crate's word for it: `rax_spin_lock` stops
//! the program unless the address is the lock of a value of one of the
//! program's own lock maps, at the map's `spin_lock_off`.
//!
//! Locks are for XDP and tc programs only, as in eBPF: `rax_spin_lock` and
//! `rax_spin_unlock` are `NET` helpers, so `rax build` refuses a tracing
//! entry (kprobe, tracepoint, perf_event) that takes a lock, and the
//! kernel refuses lock maps to tracing programs (a program in NMI could
//! spin on the lock of the program it interrupted). A per-CPU array of
//! `Locked<T>` values fails to compile, as in eBPF.
//!
//! The kernel keeps a per-invocation cleanup log of what a program holds:
//! a program that panics while holding the lock, or returns while holding
//! it (a guard leaked with `core::mem::forget`), has it released by the
//! kernel (such a return is counted and logged like a panic, and the
//! program type's default verdict is returned). Taking a second lock while
//! one is held (the same lock or another) stops the program like a panic,
//! instead of deadlocking.
//!
//! Writers outside programs take the same lock with `BPF_F_LOCK` (lookups
//! and updates from userspace), as for eBPF; a plain update from userspace
//! or another program that ignores the lock is as racy as it is for eBPF,
//! and only ever stores bytes that are a valid `T` (`T: Pod`).

use core::cell::UnsafeCell;
use core::mem::{align_of, size_of};
use core::ops::{Deref, DerefMut};

use crate::ffi::{rax_spin_lock, rax_spin_unlock};
use crate::pod::{MapValue, Pod};

/// A `struct bpf_spin_lock` (one `u32`) inside a [`Locked`] map value.
///
/// Private to the crate and never constructed by it: the only ones that
/// exist are in map values in kernel memory, reached through a
/// `&Locked<T>` that a map lookup returned.
#[repr(transparent)]
pub(crate) struct SpinLock {
    val: UnsafeCell<u32>,
}

const _: () = assert!(core::mem::size_of::<SpinLock>() == 4);

// SAFETY: the lock word is only changed by the kernel's spin-lock helpers,
// which are atomic; sharing it between CPUs is its purpose.
unsafe impl Sync for SpinLock {}

impl SpinLock {
    /// Takes the lock; it is released when the guard is dropped.
    ///
    /// A program holds at most one lock at a time: taking one while
    /// holding one (this or another) stops the program like a panic, and
    /// the kernel releases the lock already held.
    #[inline]
    fn lock(&self) -> SpinLockGuard<'_> {
        // SAFETY: `self` is the lock word of a map value in kernel memory:
        // a `SpinLock` is only ever reached through a `&Locked<T>`, which
        // only a map lookup hands out (`Locked` has no constructor and is
        // not `Pod`, see the module documentation), and the lock is at
        // offset 0 of it, where `map!` declared the map's lock
        // (`MapValue::SPIN_LOCK`). The kernel checks the address again.
        unsafe { rax_spin_lock(self.val.get()) };
        SpinLockGuard { lock: self }
    }
}

/// Holds a [`SpinLock`]; dropping it releases the lock.
///
/// A guard that is never dropped (`core::mem::forget`, or a panic while it
/// is alive) leaves the lock in the kernel's cleanup log, which releases it
/// when the program stops or returns.
struct SpinLockGuard<'a> {
    lock: &'a SpinLock,
}

impl Drop for SpinLockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this guard owns the lock (taken in `SpinLock::lock`, the
        // only constructor of a guard) and releases it once, here.
        unsafe { rax_spin_unlock(self.lock.val.get()) };
    }
}

/// A map value of a lock and a `T` that only the lock's holder reaches.
///
/// Reached only through `get` on a map of `Locked<T>` values; see the
/// module documentation for why it has no constructor and is not `Pod`.
///
/// Laid out as `struct { struct bpf_spin_lock lock; u32 pad; T value; }`:
/// the lock at offset 0 (declared to the kernel like any value's lock),
/// `T` at offset 8. `T` is `Pod`, so it holds no lock itself; it may be at
/// most 8-byte aligned and must leave no padding after it (its size a
/// multiple of 4 bytes when it is 4-byte aligned or less); each fails to
/// compile.
#[repr(C)]
pub struct Locked<T: Pod> {
    lock: SpinLock,
    pad: UnsafeCell<u32>,
    value: UnsafeCell<T>,
}

// SAFETY: `value` is reached only through a `LockedGuard`, which holds the
// lock, so at most one program on one CPU uses it at a time (writers
// outside programs must take the lock too, `BPF_F_LOCK`); `pad` is never
// reached. The lock word itself is `Sync`.
unsafe impl<T: Pod> Sync for Locked<T> {}

// SAFETY: `Locked<T>` is `#[repr(C)]`: a `u32` lock word at offset 0, a
// `u32` and a `T: Pod` at offset 8, holding no pointers; the layout checks
// in `SPIN_LOCK` (evaluated by `map!` for every map of it) make `T`
// at most 8-byte aligned and leave no padding (the size is exactly 8 +
// size_of::<T>()), so the kernel's copy of a value (which skips the lock
// word) and `update_value`'s staging value cover every byte. The lock is
// at offset 0. Every byte is the lock, never reached, or reached only
// under the lock: `SHARED`.
unsafe impl<T: Pod> MapValue for Locked<T> {
    const SPIN_LOCK: Option<usize> = {
        assert!(
            align_of::<T>() <= 8,
            "rax: the value of a Locked<T> may be at most 8-byte aligned"
        );
        assert!(
            size_of::<Self>() == 8 + size_of::<T>(),
            "rax: Locked<T> would have padding after T: make T's size a multiple of 4 bytes"
        );
        Some(0)
    };
    const SHARED: bool = true;
}

impl<T: Pod> Locked<T> {
    /// The bytes of an unlocked `Locked<T>` holding `value`, for the
    /// kernel to copy into a map (`update_value`). Not a `Locked<T>`: the
    /// staging value never becomes a lock anything can take.
    #[inline(always)]
    pub(crate) fn staging(value: &T) -> LockedStaging<T> {
        let _: Option<usize> = const { <Self as MapValue>::SPIN_LOCK };
        LockedStaging {
            lock: 0,
            pad: 0,
            value: crate::pod::copy(value),
        }
    }

    /// Takes the lock; the guard gives the value, and releases the lock
    /// when dropped. The same rules as [`SpinLock::lock`]: at most one lock
    /// at a time, XDP and tc programs only.
    #[inline]
    pub fn lock(&self) -> LockedGuard<'_, T> {
        LockedGuard {
            _guard: self.lock.lock(),
            value: &self.value,
        }
    }
}

/// What `update_value` passes the kernel for a [`Locked<T>`]: the same
/// layout, with a plain (never locked) lock word of 0. `T: Pod` is `Copy`
/// through its bytes only, so the value is copied in `staging`.
#[repr(C)]
pub(crate) struct LockedStaging<T: Pod> {
    lock: u32,
    pad: u32,
    value: T,
}

/// The value of a [`Locked`], while its lock is held.
pub struct LockedGuard<'a, T: Pod> {
    // Released when the guard is dropped; `value` borrows the guard, so no
    // reference to the value outlives the lock.
    _guard: SpinLockGuard<'a>,
    value: &'a UnsafeCell<T>,
}

impl<T: Pod> Deref for LockedGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the lock is held for the guard's life, so no other program
        // reaches the value; the reference borrows the guard.
        unsafe { &*self.value.get() }
    }
}

impl<T: Pod> DerefMut for LockedGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the only
        // reference derived from the guard.
        unsafe { &mut *self.value.get() }
    }
}
