// SPDX-License-Identifier: GPL-2.0
//! `SpinLock`: a `struct bpf_spin_lock` inside a map value.
//!
//! ```ignore
//! rax::pod! {
//!     pub struct Stats { pub lock: rax::SpinLock, pub pad: AtomicU32, pub packets: AtomicU64 }
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
//!
//! A [`SpinLock`] beside atomic fields orders their updates; for plain
//! fields changed in place, use [`Locked<T>`] as the map value: the lock
//! and a `T` only reachable through the guard, like a mutex.
//!
//! ```ignore
//! rax::pod! {
//!     #[derive(Clone, Copy)]
//!     pub struct Flow { pub packets: u64, pub bytes: u64 }
//! }
//! rax::map!(static FLOWS: rax::HashMap<u32, rax::Locked<Flow>, 1024>);
//!
//! if let Some(flow) = FLOWS.get(&key) {
//!     let mut f = flow.lock();
//!     f.packets += 1;
//!     f.bytes += len;
//! } // unlocked here
//! ```
//!
//! Writers outside programs take the same lock with `BPF_F_LOCK` (lookups
//! and updates from userspace), as for eBPF; a plain update from userspace
//! or another program that ignores the lock is as racy as it is for eBPF,
//! and only ever stores bytes that are a valid `T` (`T: Pod`).

use core::cell::UnsafeCell;
use core::mem::{align_of, size_of};
use core::ops::{Deref, DerefMut};

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
    const SHARED: bool = true;
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

/// A map value of a lock and a `T` that only the lock's holder reaches.
///
/// Laid out as `struct { struct bpf_spin_lock lock; u32 pad; T value; }`:
/// the lock at offset 0 (declared to the kernel like any value's lock),
/// `T` at offset 8. `T` may not hold a lock itself, may be at most 8-byte
/// aligned, and must leave no padding after it (its size a multiple of 4
/// bytes when it is 4-byte aligned or less); each fails to compile.
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

// SAFETY: the fields are a `u32` lock word, a `u32` and a `T: Pod`, all
// accepting any bit pattern and holding no pointers; the layout checks in
// `SPIN_LOCK` (evaluated for every map of it and by every copy of it, see
// `Pod`) make `T` lock-free and leave no padding (the size is exactly
// 8 + size_of::<T>(), and `T` starts at 8 whatever its alignment up to
// 8). The lock is at offset 0. Every byte is the lock, never reached, or
// reached only under the lock: `SHARED`.
unsafe impl<T: Pod> Pod for Locked<T> {
    const SPIN_LOCK: Option<usize> = {
        assert!(
            T::SPIN_LOCK.is_none(),
            "rax: the value of a Locked<T> may not hold a spin lock itself"
        );
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
    /// An unlocked value, for `update`.
    pub const fn new(value: T) -> Self {
        let _: Option<usize> = const { <Self as Pod>::SPIN_LOCK };
        Locked {
            lock: SpinLock::new(),
            pad: UnsafeCell::new(0),
            value: UnsafeCell::new(value),
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
