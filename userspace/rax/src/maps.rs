// SPDX-License-Identifier: GPL-2.0
//! Maps declared by the extension.
//!
//! A map is a `static` holding a `struct rax_map_def` in section
//! `.rax.maps`, declared with [`crate::map!`]:
//!
//! ```ignore
//! rax::map!(static COUNTS: rax::ArrayMap<u64, 16>);
//! rax::map!(static FLOWS: rax::HashMap<u32, u64, 1024>);
//! rax::map!(static EVENTS: rax::RingBuf<4096>);
//! ```
//!
//! The loader creates the maps (in section order) and the kernel writes each
//! map's address into the definition's `map` field at load time, which is
//! why that field is an atomic (interior mutability: the static is neither
//! constant-folded nor placed in read-only data). Map helpers receive a
//! pointer to the definition.
//!
//! Values are shared with other CPUs, eBPF programs and userspace, exactly
//! as eBPF map values are: they change under the program's feet. So the
//! value types decide the access:
//!
//! * `read` copies a value out (any [`Pod`]): a snapshot, which may mix
//!   bytes of two concurrent updates, as a copy does in eBPF;
//! * `update` copies a value in (the kernel's copy, as for eBPF);
//! * `get` hands out a reference into the map, and compiles only for
//!   values whose every byte is an atomic ([`core::sync::atomic::AtomicU64`],
//!   ...) or a [`crate::Locked`]: counters are
//!   atomics changed in place, and plain fields are changed in place only
//!   through a [`crate::Locked`] value's guard. A reference to a plain
//!   `u64` others write would be undefined behaviour in Rust.
//!
//! A value type holding a lock makes [`crate::map!`] declare it
//! (`RAX_MAP_SPIN_LOCK` and the lock's offset); the loader then creates the
//! map with BTF describing the lock, as eBPF does.
//!
//! A [`RingBuf`] (`BPF_MAP_TYPE_RINGBUF`) has no keys or values: records
//! are reserved in it, filled and submitted (or discarded), or copied into
//! it with [`RingBuf::output`]; userspace consumes them.

use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use core::sync::atomic::AtomicU64;

use crate::error::Error;
use crate::ffi::{
    rax_get_stackid, rax_map_delete_elem, rax_map_lookup_elem, rax_map_peek_elem, rax_map_pop_elem,
    rax_map_push_elem, rax_map_update_elem, rax_perf_event_output, rax_redirect_map,
    rax_ringbuf_discard, rax_ringbuf_output, rax_ringbuf_reserve, rax_ringbuf_submit,
};
use crate::pod::{MapValue, Pod};
use crate::sync::Locked;

/// `update` flag: create or replace.
pub const BPF_ANY: u64 = 0;
/// `update` flag: create only.
pub const BPF_NOEXIST: u64 = 1;
/// `update` flag: replace only.
pub const BPF_EXIST: u64 = 2;

const BPF_MAP_TYPE_HASH: u32 = 1;
const BPF_MAP_TYPE_ARRAY: u32 = 2;
const BPF_MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;
const BPF_MAP_TYPE_PERCPU_HASH: u32 = 5;
const BPF_MAP_TYPE_PERCPU_ARRAY: u32 = 6;
const BPF_MAP_TYPE_STACK_TRACE: u32 = 7;
const BPF_MAP_TYPE_LRU_HASH: u32 = 9;
const BPF_MAP_TYPE_LRU_PERCPU_HASH: u32 = 10;
const BPF_MAP_TYPE_DEVMAP: u32 = 14;
const BPF_MAP_TYPE_CPUMAP: u32 = 16;
const BPF_MAP_TYPE_QUEUE: u32 = 22;
const BPF_MAP_TYPE_STACK: u32 = 23;
const BPF_MAP_TYPE_RINGBUF: u32 = 27;

/// `perf_event_output` flag: the perf event of the current CPU.
const BPF_F_CURRENT_CPU: u64 = 0xffff_ffff;

/// Stack flag: the number of frames to skip, in the low 8 bits.
pub const BPF_F_SKIP_FIELD_MASK: u64 = 0xff;
/// Stack flag: the user stack instead of the kernel stack.
pub const BPF_F_USER_STACK: u64 = 1 << 8;
/// [`StackTraceMap::stack_id`] flag: compare stacks by hash only.
pub const BPF_F_FAST_STACK_CMP: u64 = 1 << 9;
/// [`StackTraceMap::stack_id`] flag: replace an older stack with the
/// same hash.
pub const BPF_F_REUSE_STACKID: u64 = 1 << 10;

/// `rax_map_def.flags`: the value holds a `struct bpf_spin_lock` at
/// `spin_lock_off`.
const RAX_MAP_SPIN_LOCK: u32 = 1 << 0;

/// The smallest ring buffer: one page.
const RINGBUF_MIN_SIZE: u32 = 4096;

/// Length of a map name, including the terminating NUL.
pub const MAP_NAME_LEN: usize = 16;

#[doc(hidden)]
/// The permission to construct a map definition, which only an `unsafe`
/// block can make: [`crate::map!`] makes one for the static it declares in
/// `.rax.maps`. Neither `Clone`, `Copy` nor `Default`.
pub struct MapToken(());

impl MapToken {
    /// # Safety
    ///
    /// The token is passed to the constructor of a map type whose result
    /// initialises a `static` in section `.rax.maps`, and nothing else: the
    /// loader creates a map for each definition there and the helpers take
    /// only definitions there.
    #[inline(always)]
    pub const unsafe fn new() -> MapToken {
        MapToken(())
    }
}

/// `struct rax_map_def` (include/uapi/linux/rax.h).
#[repr(C)]
pub struct MapDef {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    /// `RAX_MAP_*`.
    flags: u32,
    /// Written by the kernel at load time.
    map: AtomicU64,
    name: [u8; MAP_NAME_LEN],
    /// With `RAX_MAP_SPIN_LOCK`, else 0.
    spin_lock_off: u32,
    reserved: u32,
    reserved2: u64,
}

const _: () = assert!(size_of::<MapDef>() == 64);
const _: () = assert!(align_of::<MapDef>() == 8);

impl MapDef {
    /// A hash or array map definition; `flags` and `spin_lock_off` from
    /// the lock `V` holds, if any.
    const fn new<V: MapValue>(
        map_type: u32,
        key_size: usize,
        max_entries: u32,
        name: &str,
    ) -> MapDef {
        assert!(
            key_size > 0 && key_size <= u32::MAX as usize,
            "bad key size"
        );
        assert!(size_of::<V>() > 0, "map values may not be zero-sized");
        assert!(size_of::<V>() <= u32::MAX as usize, "map value too large");
        // Map values are 8-byte aligned in the kernel; `get` hands out
        // references to them.
        assert!(
            align_of::<V>() <= 8,
            "map values may be at most 8-byte aligned"
        );
        assert!(max_entries > 0, "a map needs at least one entry");
        let (flags, spin_lock_off) = match V::SPIN_LOCK {
            None => (0, 0),
            Some(off) => {
                assert!(
                    off % 4 == 0 && off + 4 <= size_of::<V>(),
                    "rax: the spin lock is outside the value or misaligned"
                );
                (RAX_MAP_SPIN_LOCK, off as u32)
            }
        };
        MapDef {
            map_type,
            key_size: key_size as u32,
            value_size: size_of::<V>() as u32,
            max_entries,
            map_flags: 0,
            flags,
            map: AtomicU64::new(0),
            name: map_name(name),
            spin_lock_off,
            reserved: 0,
            reserved2: 0,
        }
    }

    /// A definition of a map whose elements the program does not reach
    /// through lookups (a queue, a stack, a stack trace or perf event
    /// array): no lock, sizes as given.
    const fn plain(
        map_type: u32,
        key_size: usize,
        value_size: usize,
        max_entries: u32,
        name: &str,
    ) -> MapDef {
        assert!(
            key_size <= u32::MAX as usize && value_size > 0 && value_size <= u32::MAX as usize,
            "bad key or value size"
        );
        assert!(max_entries > 0, "a map needs at least one entry");
        MapDef {
            map_type,
            key_size: key_size as u32,
            value_size: value_size as u32,
            max_entries,
            map_flags: 0,
            flags: 0,
            map: AtomicU64::new(0),
            name: map_name(name),
            spin_lock_off: 0,
            reserved: 0,
            reserved2: 0,
        }
    }

    /// A ring buffer definition: no key or value, `size` bytes.
    const fn ring_buf(size: u32, name: &str) -> MapDef {
        MapDef {
            map_type: BPF_MAP_TYPE_RINGBUF,
            key_size: 0,
            value_size: 0,
            max_entries: size,
            map_flags: 0,
            flags: 0,
            map: AtomicU64::new(0),
            name: map_name(name),
            spin_lock_off: 0,
            reserved: 0,
            reserved2: 0,
        }
    }

    #[inline(always)]
    fn lookup<K, V: MapValue>(&self, key: &K) -> Option<&V> {
        const {
            assert!(
                V::SHARED,
                "rax: get() hands out a reference to a value others write: it needs a value \
                 of atomics and locks only; copy the value out with read(), or make it a \
                 rax::Locked<T> to change it in place"
            )
        };
        // SAFETY: as for `lookup_ptr`; `V::SHARED` (checked above) means every
        // byte of `V` is an atomic or a lock (interior mutability), so
        // writes by other CPUs while the reference lives are not undefined
        // behaviour. The reference borrows the map, which the program
        // cannot move out of its invocation.
        self.lookup_ptr::<K, V>(key)
            .map(|p| unsafe { &*p.as_ptr() })
    }

    #[inline(always)]
    fn lookup_copy<K, V: Pod>(&self, key: &K) -> Option<V> {
        // SAFETY: as for `lookup_ptr`: `size_of::<V>()` readable bytes,
        // aligned for `V`. A volatile read is the `READ_ONCE` of a value
        // other CPUs may write at the same time; `V: Pod` accepts whatever
        // bytes it finds, torn or not.
        self.lookup_ptr::<K, V>(key)
            .map(|p| unsafe { core::ptr::read_volatile(p.as_ptr()) })
    }

    /// The value for `key`, as a pointer: non-NULL results of the lookup
    /// helper point to a value of `value_size == size_of::<V>()` bytes,
    /// 8-byte aligned (`align_of::<V>() <= 8` is checked at compile time),
    /// that stays allocated until the program returns (RCU, as for eBPF).
    #[inline(always)]
    fn lookup_ptr<K, V>(&self, key: &K) -> Option<NonNull<V>> {
        // SAFETY: `self` is a map definition in `.rax.maps` (only `map!`
        // makes one: the constructors take a `MapToken`) whose key size is
        // `size_of::<K>()` (types fix both), and `key` is readable for it.
        let value = unsafe { rax_map_lookup_elem(self.raw(), (key as *const K).cast()) };
        NonNull::new(value.cast::<V>())
    }

    /// This definition as the helpers take it.
    #[inline(always)]
    fn raw(&self) -> *const c_void {
        (self as *const MapDef).cast()
    }

    #[inline(always)]
    fn update<K, V>(&self, key: &K, value: &V, flags: u64) -> Result<(), Error> {
        // SAFETY: `self` is a map definition in `.rax.maps` (see
        // `lookup_ptr`); key and value are readable for the sizes the
        // definition declares (`V` is the value type or, for `Locked<T>`
        // values, its staging layout of the same size); the helper copies
        // them.
        let ret = unsafe {
            rax_map_update_elem(
                self.raw(),
                (key as *const K).cast(),
                (value as *const V).cast::<c_void>(),
                flags,
            )
        };
        Error::check(ret)
    }

    #[inline(always)]
    fn delete<K>(&self, key: &K) -> Result<(), Error> {
        // SAFETY: `self` is a map definition in `.rax.maps` (see
        // `lookup_ptr`); the key is readable for the key size; the helper
        // copies it.
        let ret = unsafe { rax_map_delete_elem(self.raw(), (key as *const K).cast()) };
        Error::check(ret)
    }
}

/// A map name: `name` truncated to 15 bytes, NUL-padded.
const fn map_name(name: &str) -> [u8; MAP_NAME_LEN] {
    let bytes = name.as_bytes();
    let mut out = [0u8; MAP_NAME_LEN];
    let mut i = 0;
    while i < bytes.len() && i < MAP_NAME_LEN - 1 {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// `BPF_MAP_TYPE_ARRAY`: `N` values of type `V`, indexed by `u32`.
#[repr(C)]
pub struct ArrayMap<V: MapValue, const N: u32> {
    def: MapDef,
    _value: PhantomData<fn() -> V>,
}

impl<V: MapValue, const N: u32> ArrayMap<V, N> {
    /// A definition named `name`: only [`crate::map!`] can make the token.
    #[doc(hidden)]
    pub const fn new(name: &str, _token: MapToken) -> Self {
        ArrayMap {
            def: MapDef::new::<V>(BPF_MAP_TYPE_ARRAY, size_of::<u32>(), N, name),
            _value: PhantomData,
        }
    }

    /// The value at `index`, `None` if out of range. Compiles only for
    /// values of atomics and for [`crate::Locked`] values (see the module
    /// documentation).
    #[inline]
    pub fn get(&self, index: u32) -> Option<&V> {
        self.def.lookup::<u32, V>(&index)
    }
}

impl<V: Pod, const N: u32> ArrayMap<V, N> {
    /// A copy of the value at `index`, `None` if out of range.
    #[inline]
    pub fn read(&self, index: u32) -> Option<V> {
        self.def.lookup_copy::<u32, V>(&index)
    }

    /// Replaces the value at `index` (flags: [`BPF_ANY`] or [`BPF_EXIST`]).
    #[inline]
    pub fn update(&self, index: u32, value: &V, flags: u64) -> Result<(), Error> {
        self.def.update(&index, value, flags)
    }
}

impl<T: Pod, const N: u32> ArrayMap<Locked<T>, N> {
    /// Replaces the `T` at `index`; the lock word is left as it is (the
    /// kernel never copies it), as a plain update of a lock value from
    /// eBPF. A holder of the lock sees the change: take the lock and change
    /// the value in place instead where that matters.
    #[inline]
    pub fn update_value(&self, index: u32, value: &T, flags: u64) -> Result<(), Error> {
        self.def.update(&index, &Locked::staging(value), flags)
    }
}

/// `BPF_MAP_TYPE_PERCPU_ARRAY`: like [`ArrayMap`], one copy per CPU;
/// `get` and `update` act on the current CPU's copy.
///
/// The value may not be a [`crate::Locked`] (it fails to compile), as
/// in eBPF: each CPU has its own copy.
#[repr(C)]
pub struct PerCpuArray<V: MapValue, const N: u32> {
    def: MapDef,
    _value: PhantomData<fn() -> V>,
}

impl<V: MapValue, const N: u32> PerCpuArray<V, N> {
    /// A definition named `name`: only [`crate::map!`] can make the token.
    #[doc(hidden)]
    pub const fn new(name: &str, _token: MapToken) -> Self {
        const {
            assert!(
                V::SPIN_LOCK.is_none(),
                "rax: a per-CPU array value may not hold a spin lock"
            )
        };
        PerCpuArray {
            def: MapDef::new::<V>(BPF_MAP_TYPE_PERCPU_ARRAY, size_of::<u32>(), N, name),
            _value: PhantomData,
        }
    }

    /// This CPU's value at `index`, `None` if out of range. Compiles only
    /// for values of atomics (see the module documentation): a program in
    /// NMI on this CPU, or a system call, may write it too.
    #[inline]
    pub fn get(&self, index: u32) -> Option<&V> {
        self.def.lookup::<u32, V>(&index)
    }
}

impl<V: Pod, const N: u32> PerCpuArray<V, N> {
    /// A copy of this CPU's value at `index`, `None` if out of range.
    #[inline]
    pub fn read(&self, index: u32) -> Option<V> {
        self.def.lookup_copy::<u32, V>(&index)
    }

    /// Replaces this CPU's value at `index`.
    #[inline]
    pub fn update(&self, index: u32, value: &V, flags: u64) -> Result<(), Error> {
        self.def.update(&index, value, flags)
    }
}

/// `BPF_MAP_TYPE_HASH`: up to `N` entries from `K` to `V`.
#[repr(C)]
pub struct HashMap<K: Pod, V: MapValue, const N: u32> {
    def: MapDef,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K: Pod, V: MapValue, const N: u32> HashMap<K, V, N> {
    /// A definition named `name`: only [`crate::map!`] can make the token.
    #[doc(hidden)]
    pub const fn new(name: &str, _token: MapToken) -> Self {
        HashMap {
            def: MapDef::new::<V>(BPF_MAP_TYPE_HASH, size_of::<K>(), N, name),
            _types: PhantomData,
        }
    }

    /// The value for `key`, if any. Compiles only for values of atomics
    /// and for [`crate::Locked`] values (see the module documentation).
    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        self.def.lookup::<K, V>(key)
    }

    /// Removes `key`.
    #[inline]
    pub fn delete(&self, key: &K) -> Result<(), Error> {
        self.def.delete(key)
    }
}

impl<K: Pod, V: Pod, const N: u32> HashMap<K, V, N> {
    /// A copy of the value for `key`, if any.
    #[inline]
    pub fn read(&self, key: &K) -> Option<V> {
        self.def.lookup_copy::<K, V>(key)
    }

    /// Inserts or replaces (see [`BPF_ANY`], [`BPF_NOEXIST`],
    /// [`BPF_EXIST`]).
    #[inline]
    pub fn update(&self, key: &K, value: &V, flags: u64) -> Result<(), Error> {
        self.def.update(key, value, flags)
    }
}

impl<K: Pod, T: Pod, const N: u32> HashMap<K, Locked<T>, N> {
    /// Inserts or replaces the `T` for `key` (see [`BPF_ANY`],
    /// [`BPF_NOEXIST`], [`BPF_EXIST`]) with an unlocked lock: the kernel
    /// makes a new element, as for eBPF.
    #[inline]
    pub fn update_value(&self, key: &K, value: &T, flags: u64) -> Result<(), Error> {
        self.def.update(key, &Locked::staging(value), flags)
    }
}

/// The hash maps other than [`HashMap`]: the same API, without
/// [`crate::Locked`] values (as in eBPF, only hash and array values may
/// hold a spin lock; it fails to compile).
macro_rules! hash_map_like {
    ($(#[doc = $doc:literal])* $name:ident, $map_type:expr, $what:literal) => {
        $(#[doc = $doc])*
        #[repr(C)]
        pub struct $name<K: Pod, V: MapValue, const N: u32> {
            def: MapDef,
            _types: PhantomData<fn() -> (K, V)>,
        }

        impl<K: Pod, V: MapValue, const N: u32> $name<K, V, N> {
            /// A definition named `name`: only [`crate::map!`] can make the
            /// token.
            #[doc(hidden)]
            pub const fn new(name: &str, _token: MapToken) -> Self {
                const {
                    assert!(
                        V::SPIN_LOCK.is_none(),
                        concat!("rax: a value of ", $what, " may not hold a spin lock")
                    )
                };
                $name {
                    def: MapDef::new::<V>($map_type, size_of::<K>(), N, name),
                    _types: PhantomData,
                }
            }

            /// The value for `key`, if any. Compiles only for values of
            /// atomics (see the module documentation).
            #[inline]
            pub fn get(&self, key: &K) -> Option<&V> {
                self.def.lookup::<K, V>(key)
            }

            /// Removes `key`.
            #[inline]
            pub fn delete(&self, key: &K) -> Result<(), Error> {
                self.def.delete(key)
            }
        }

        impl<K: Pod, V: Pod, const N: u32> $name<K, V, N> {
            /// A copy of the value for `key`, if any.
            #[inline]
            pub fn read(&self, key: &K) -> Option<V> {
                self.def.lookup_copy::<K, V>(key)
            }

            /// Inserts or replaces (see [`BPF_ANY`], [`BPF_NOEXIST`],
            /// [`BPF_EXIST`]).
            #[inline]
            pub fn update(&self, key: &K, value: &V, flags: u64) -> Result<(), Error> {
                self.def.update(key, value, flags)
            }
        }
    };
}

hash_map_like!(
    /// `BPF_MAP_TYPE_PERCPU_HASH`: like [`HashMap`], with one value per
    /// CPU for each key; `get`, `read` and `update` act on the current
    /// CPU's value (userspace reads all of them).
    PerCpuHashMap,
    BPF_MAP_TYPE_PERCPU_HASH,
    "a per-CPU hash map"
);
hash_map_like!(
    /// `BPF_MAP_TYPE_LRU_HASH`: like [`HashMap`], but an insert into a full
    /// map evicts the least recently used entries instead of failing.
    LruHashMap,
    BPF_MAP_TYPE_LRU_HASH,
    "an LRU hash map"
);
hash_map_like!(
    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`: an [`LruHashMap`] with one value per
    /// CPU for each key, as [`PerCpuHashMap`].
    LruPerCpuHashMap,
    BPF_MAP_TYPE_LRU_PERCPU_HASH,
    "an LRU per-CPU hash map"
);

/// A queue or a stack of values, which [`Queue`] and [`Stack`] wrap.
#[repr(C)]
struct ValueList<V: Pod> {
    def: MapDef,
    _value: PhantomData<fn() -> V>,
}

impl<V: Pod> ValueList<V> {
    const fn new(map_type: u32, max_entries: u32, name: &str) -> Self {
        ValueList {
            def: MapDef::plain(map_type, 0, size_of::<V>(), max_entries, name),
            _value: PhantomData,
        }
    }

    #[inline(always)]
    fn push(&self, value: &V, flags: u64) -> Result<(), Error> {
        // SAFETY: `self.def` is a queue or stack definition in `.rax.maps`
        // (only `map!` makes one) whose value size is `size_of::<V>()`;
        // `value` is readable for it; the helper copies it.
        let ret = unsafe { rax_map_push_elem(self.def.raw(), (value as *const V).cast(), flags) };
        Error::check(ret)
    }

    #[inline(always)]
    fn take(&self, pop: bool) -> Result<V, Error> {
        let mut value = MaybeUninit::<V>::zeroed();
        // SAFETY: as in `push`; `value` is writable for the value size,
        // which the helper fills on success only (it was zeroed, so it is
        // a valid `V: Pod` either way).
        let ret = unsafe {
            if pop {
                rax_map_pop_elem(self.def.raw(), value.as_mut_ptr().cast())
            } else {
                rax_map_peek_elem(self.def.raw(), value.as_mut_ptr().cast())
            }
        };
        Error::check(ret)?;
        // SAFETY: zeroed, then possibly overwritten with a value's bytes:
        // initialised, and any bytes are a valid `V: Pod`.
        Ok(unsafe { value.assume_init() })
    }
}

/// `BPF_MAP_TYPE_QUEUE`: up to `N` values of type `V`, first in first
/// out, shared with userspace (which pushes with `BPF_MAP_UPDATE_ELEM`
/// and pops with `BPF_MAP_LOOKUP_AND_DELETE_ELEM`) and eBPF programs.
///
/// ```ignore
/// rax::map!(static WORK: rax::Queue<u64, 64>);
///
/// let _ = WORK.push(&42);
/// if let Ok(item) = WORK.pop() { /* ... */ }
/// ```
#[repr(C)]
pub struct Queue<V: Pod, const N: u32> {
    list: ValueList<V>,
}

/// `BPF_MAP_TYPE_STACK`: as [`Queue`], last in first out.
#[repr(C)]
pub struct Stack<V: Pod, const N: u32> {
    list: ValueList<V>,
}

macro_rules! value_list_api {
    ($name:ident, $map_type:expr, $oldest:literal) => {
        impl<V: Pod, const N: u32> $name<V, N> {
            /// A definition named `name`: only [`crate::map!`] can make the
            /// token.
            #[doc(hidden)]
            pub const fn new(name: &str, _token: MapToken) -> Self {
                $name {
                    list: ValueList::new($map_type, N, name),
                }
            }

            /// Adds `value`; `Err(E2BIG)` when the map is full.
            #[inline]
            pub fn push(&self, value: &V) -> Result<(), Error> {
                self.list.push(value, 0)
            }

            #[doc = concat!("Adds `value`, dropping the ", $oldest, " value when the map is full.")]
            #[inline]
            pub fn push_overwrite(&self, value: &V) -> Result<(), Error> {
                self.list.push(value, BPF_EXIST)
            }

            /// Takes the next value out; `Err(ENOENT)` when the map is
            /// empty, `Err(EBUSY)` when interrupting a context that holds
            /// the map's lock.
            #[inline]
            pub fn pop(&self) -> Result<V, Error> {
                self.list.take(true)
            }

            /// A copy of the next value, left in the map; errors as
            /// [`Self::pop`].
            #[inline]
            pub fn peek(&self) -> Result<V, Error> {
                self.list.take(false)
            }
        }
    };
}

value_list_api!(Queue, BPF_MAP_TYPE_QUEUE, "oldest");
value_list_api!(Stack, BPF_MAP_TYPE_STACK, "bottom (oldest)");

/// `BPF_MAP_TYPE_STACK_TRACE`: up to `N` stack traces of at most `DEPTH`
/// frames each (return addresses, `u64`), keyed by a stack id. A tracing
/// program records the current stack with [`StackTraceMap::stack_id`] and
/// keeps the id (in a map, a record); userspace reads the frames with
/// `BPF_MAP_LOOKUP_ELEM` on the id.
///
/// ```ignore
/// rax::map!(static STACKS: rax::StackTraceMap<127, 1024>);
///
/// let kernel = STACKS.stack_id(0);
/// let user = STACKS.stack_id(rax::maps::BPF_F_USER_STACK);
/// ```
#[repr(C)]
pub struct StackTraceMap<const DEPTH: usize, const N: u32> {
    def: MapDef,
}

impl<const DEPTH: usize, const N: u32> StackTraceMap<DEPTH, N> {
    /// A definition named `name`: only [`crate::map!`] can make the token.
    #[doc(hidden)]
    pub const fn new(name: &str, _token: MapToken) -> Self {
        StackTraceMap {
            def: MapDef::plain(
                BPF_MAP_TYPE_STACK_TRACE,
                size_of::<u32>(),
                DEPTH * size_of::<u64>(),
                N,
                name,
            ),
        }
    }

    /// Records the current stack (the kernel's, or with
    /// [`BPF_F_USER_STACK`] the user stack of the current task) and
    /// returns its id. `flags` may also skip frames
    /// ([`BPF_F_SKIP_FIELD_MASK`]) and hold [`BPF_F_FAST_STACK_CMP`] or
    /// [`BPF_F_REUSE_STACKID`]. `Err(EEXIST)` when another stack has the
    /// same hash (without `BPF_F_REUSE_STACKID`), `Err(EFAULT)` when
    /// there is no stack to record (a kernel thread's user stack).
    #[inline]
    pub fn stack_id(&self, flags: u64) -> Result<u32, Error> {
        // SAFETY: `self.def` is a stack trace map definition in
        // `.rax.maps` (only `map!` makes one); flags are checked by the
        // kernel.
        let ret = unsafe { rax_get_stackid(self.def.raw(), flags) };
        Error::check(ret).map(|()| ret as u32)
    }
}

/// `BPF_MAP_TYPE_PERF_EVENT_ARRAY`: `N` slots where userspace puts perf
/// events (a `PERF_COUNT_SW_BPF_OUTPUT` event per CPU, as libbpf's
/// `perf_buffer` does); a tracing program sends raw samples to them.
///
/// ```ignore
/// rax::map!(static EVENTS: rax::PerfEventArray<64>);
///
/// let _ = EVENTS.output(&Event { pid, latency_ns });
/// ```
#[repr(C)]
pub struct PerfEventArray<const N: u32> {
    def: MapDef,
}

impl<const N: u32> PerfEventArray<N> {
    /// A definition named `name`: only [`crate::map!`] can make the token.
    #[doc(hidden)]
    pub const fn new(name: &str, _token: MapToken) -> Self {
        PerfEventArray {
            def: MapDef::plain(
                BPF_MAP_TYPE_PERF_EVENT_ARRAY,
                size_of::<u32>(),
                size_of::<u32>(),
                N,
                name,
            ),
        }
    }

    /// Sends `value` as a raw sample to the current CPU's perf event.
    /// `Err(ENOENT)` when userspace put no event there.
    #[inline]
    pub fn output<T: Pod>(&self, value: &T) -> Result<(), Error> {
        self.output_flags(value, BPF_F_CURRENT_CPU)
    }

    /// Sends `value` as a raw sample to the perf event at `index`, which
    /// must be on the current CPU (`Err(EOPNOTSUPP)` otherwise).
    #[inline]
    pub fn output_at<T: Pod>(&self, index: u32, value: &T) -> Result<(), Error> {
        self.output_flags(value, u64::from(index))
    }

    #[inline(always)]
    fn output_flags<T: Pod>(&self, value: &T, flags: u64) -> Result<(), Error> {
        // SAFETY: `self.def` is a perf event array definition in
        // `.rax.maps` (only `map!` makes one); `value` is readable for
        // `size_of::<T>()` bytes, which the helper copies.
        let ret = unsafe {
            rax_perf_event_output(
                self.def.raw(),
                flags,
                (value as *const T).cast::<c_void>(),
                size_of::<T>() as u64,
            )
        };
        Error::check(ret)
    }
}

/// A map an XDP program redirects packets through: [`DevMap`] or
/// [`CpuMap`]. Sealed.
pub trait RedirectMap: redirect_sealed::Sealed {
    #[doc(hidden)]
    fn redirect(&self, key: u32, flags: u64) -> i64;
}

mod redirect_sealed {
    pub trait Sealed {}
}

macro_rules! redirect_map {
    ($(#[doc = $doc:literal])* $name:ident, $map_type:expr) => {
        $(#[doc = $doc])*
        #[repr(C)]
        pub struct $name<const N: u32> {
            def: MapDef,
        }

        impl<const N: u32> $name<N> {
            /// A definition named `name`: only [`crate::map!`] can make the
            /// token.
            #[doc(hidden)]
            pub const fn new(name: &str, _token: MapToken) -> Self {
                $name {
                    def: MapDef::plain($map_type, size_of::<u32>(), size_of::<u32>(), N, name),
                }
            }
        }

        impl<const N: u32> redirect_sealed::Sealed for $name<N> {}

        impl<const N: u32> RedirectMap for $name<N> {
            #[inline(always)]
            fn redirect(&self, key: u32, flags: u64) -> i64 {
                // SAFETY: `self.def` is a definition of this map type in
                // `.rax.maps` (only `map!` makes one); the kernel checks the
                // type and the key, and keeps the target for the return.
                unsafe { rax_redirect_map(self.def.raw(), u64::from(key), flags) }
            }
        }
    };
}

redirect_map!(
    /// `BPF_MAP_TYPE_DEVMAP`: `N` slots of devices (`u32` ifindex values,
    /// written by userspace) an XDP program redirects packets to with
    /// [`crate::XdpContext::redirect_map`].
    DevMap,
    BPF_MAP_TYPE_DEVMAP
);
redirect_map!(
    /// `BPF_MAP_TYPE_CPUMAP`: `N` slots of CPUs (`u32` queue sizes, written
    /// by userspace) an XDP program sends packets to, to build their
    /// `sk_buff` there, with [`crate::XdpContext::redirect_map`].
    CpuMap,
    BPF_MAP_TYPE_CPUMAP
);

/// `BPF_MAP_TYPE_RINGBUF`: a ring buffer of `SIZE` bytes (a power of 2, at
/// least 4096; other sizes fail to compile) of records that userspace
/// consumes.
///
/// ```ignore
/// rax::map!(static EVENTS: rax::RingBuf<4096>);
///
/// if let Some(mut event) = EVENTS.reserve::<Event>() {
///     event.len = 64;
///     event.submit();
/// }
/// // or, copying a value:
/// let _ = EVENTS.output(&Event { len: 64 });
/// ```
///
/// A reserved record ([`RingBufEntry`]) is entered in the kernel's
/// per-invocation cleanup log: if the program panics, or returns without
/// submitting or discarding it (`core::mem::forget`), the kernel discards
/// it (such a return is counted and logged like a panic).
#[repr(C)]
pub struct RingBuf<const SIZE: u32> {
    def: MapDef,
}

impl<const SIZE: u32> RingBuf<SIZE> {
    /// A definition named `name`: only [`crate::map!`] can make the token.
    #[doc(hidden)]
    pub const fn new(name: &str, _token: MapToken) -> Self {
        const {
            assert!(
                SIZE.is_power_of_two() && SIZE >= RINGBUF_MIN_SIZE,
                "rax: a ring buffer's size is a power of 2 of at least 4096 bytes"
            )
        };
        RingBuf {
            def: MapDef::ring_buf(SIZE, name),
        }
    }

    /// Reserves a record for a `T`, zero-filled; `None` if the buffer has
    /// no room.
    ///
    /// Fill it through the entry (it dereferences to `T`), then
    /// [`RingBufEntry::submit`] it; dropping the entry discards the record.
    /// `T` may be at most 8-byte aligned (it fails to compile otherwise):
    /// records are 8-byte aligned.
    #[inline]
    pub fn reserve<T: Pod>(&self) -> Option<RingBufEntry<'_, T>> {
        const {
            assert!(
                align_of::<T>() <= 8,
                "rax: ring buffer records may be at most 8-byte aligned"
            )
        };
        // SAFETY: `self.def` is a ring buffer definition in `.rax.maps`
        // (only `map!` makes one); the size is a `usize`, which fits a
        // `u64`.
        let rec = unsafe { rax_ringbuf_reserve(self.def.raw(), size_of::<T>() as u64, 0) };
        let rec = NonNull::new(rec.cast::<T>())?;
        // SAFETY: a non-NULL result is a record of `size_of::<T>()` writable
        // bytes that this program alone owns until it submits or discards
        // it; writing bytes needs no alignment.
        unsafe { core::ptr::write_bytes(rec.as_ptr().cast::<u8>(), 0, size_of::<T>()) };
        Some(RingBufEntry {
            rec,
            _borrow: PhantomData,
        })
    }

    /// Copies `value` into a new record (`rax_ringbuf_output`).
    #[inline]
    pub fn output<T: Pod>(&self, value: &T) -> Result<(), Error> {
        // SAFETY: `self.def` is a ring buffer definition in `.rax.maps`
        // (only `map!` makes one); `value` is readable for `size_of::<T>()` bytes, which the helper
        // copies.
        let ret = unsafe {
            rax_ringbuf_output(
                self.def.raw(),
                (value as *const T).cast::<c_void>(),
                size_of::<T>() as u64,
                0,
            )
        };
        Error::check(ret)
    }
}

/// A record reserved in a [`RingBuf`], dereferencing to `T`.
///
/// [`submit`](RingBufEntry::submit) makes it visible to userspace;
/// [`discard`](RingBufEntry::discard), or dropping the entry, drops it.
pub struct RingBufEntry<'a, T: Pod> {
    rec: NonNull<T>,
    _borrow: PhantomData<(&'a MapDef, &'a mut T)>,
}

impl<T: Pod> RingBufEntry<'_, T> {
    /// Submits the record: userspace can read it.
    #[inline]
    pub fn submit(self) {
        let rec = self.rec;
        core::mem::forget(self);
        // SAFETY: `rec` is a reserved record, not yet submitted or
        // discarded (the entry is consumed and its `Drop` does not run).
        unsafe { rax_ringbuf_submit(rec.as_ptr().cast(), 0) };
    }

    /// Discards the record (as dropping the entry does).
    #[inline]
    pub fn discard(self) {
        drop(self);
    }
}

impl<T: Pod> Deref for RingBufEntry<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `rec` is a reserved record of `size_of::<T>()` bytes,
        // 8-byte aligned (`align_of::<T>() <= 8` is checked at compile
        // time), initialised (zero-filled, then written only as a `T`), and
        // owned by this entry until it is submitted or discarded; `T: Pod`
        // accepts any bytes. The reference borrows the entry.
        unsafe { self.rec.as_ref() }
    }
}

impl<T: Pod> DerefMut for RingBufEntry<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the record is this entry's alone (the
        // consumer sees it only once submitted), and the reference borrows
        // the entry mutably.
        unsafe { self.rec.as_mut() }
    }
}

impl<T: Pod> Drop for RingBufEntry<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `rec` is a reserved record, not yet submitted or
        // discarded (`submit` consumes the entry without running this).
        unsafe { rax_ringbuf_discard(self.rec.as_ptr().cast(), 0) };
    }
}

/// Declares a map: a `static` in section `.rax.maps`, named after the
/// static (truncated to 15 bytes).
///
/// ```ignore
/// rax::map!(static COUNTS: rax::ArrayMap<u64, 16>);
/// rax::map!(pub static FLOWS: rax::HashMap<u32, u64, 1024>);
/// ```
///
/// The type must be one of [`ArrayMap`], [`PerCpuArray`], [`HashMap`],
/// [`PerCpuHashMap`], [`LruHashMap`], [`LruPerCpuHashMap`], [`Queue`],
/// [`Stack`], [`StackTraceMap`], [`PerfEventArray`], [`DevMap`],
/// [`CpuMap`], [`RingBuf`]
/// (anything else fails to compile: the macro checks a sealed trait). Only `///` doc comments may precede the item: the expansion is
/// allowed internal unsafe (for the `link_section` attribute and the
/// `MapToken` the constructors take), so a caller's other attributes, such
/// as `#[unsafe(export_name = "...")]`, would be let through with it. The
/// caller's other tokens (visibility, name, type) appear only in the safe
/// static item and the sealed-trait check, never in an `unsafe` block.
///
/// A map is only ever declared through this macro: the constructors take a
/// `MapToken`, which only an `unsafe` block can make, so a map built as a
/// local or as a plain `static` outside `.rax.maps` does not compile. (The
/// kernel checks every map definition a helper is given, too.)
#[macro_export]
#[allow_internal_unsafe]
macro_rules! map {
    ($(#[doc = $doc:literal])* $vis:vis static $name:ident : $ty:ty $(;)?) => {
        $(#[doc = $doc])*
        #[unsafe(link_section = ".rax.maps")]
        $vis static $name: $ty = <$ty>::new(
            ::core::stringify!($name),
            // SAFETY: the token is for this static, which is in `.rax.maps`.
            unsafe { $crate::__private::MapToken::new() },
        );
        const _: fn() = $crate::__private::assert_map::<$ty>;
    };
}
