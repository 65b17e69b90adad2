// SPDX-License-Identifier: GPL-2.0
//! Maps declared by the extension.
//!
//! A map is a `static` holding a `struct rax_map_def` in section
//! `.rax.maps`, declared with [`crate::map!`]:
//!
//! ```ignore
//! rax::map!(static COUNTS: rax::ArrayMap<u64, 16>);
//! rax::map!(static FLOWS: rax::HashMap<u32, u64, 1024>);
//! ```
//!
//! The loader creates the maps (in section order) and the kernel writes each
//! map's address into the definition's `map` field at load time, which is
//! why that field is an atomic (interior mutability: the static is neither
//! constant-folded nor placed in read-only data). Map helpers receive a
//! pointer to the definition.
//!
//! Values are shared with other CPUs and with userspace, exactly as eBPF
//! map values are: a value obtained by `get` may change under the program's
//! feet. Use atomic value types ([`core::sync::atomic::AtomicU64`], ...) or
//! a [`crate::SpinLock`] inside the value for coherent updates.

use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::sync::atomic::AtomicU64;

use crate::error::Error;
use crate::helpers::{rax_map_delete_elem, rax_map_lookup_elem, rax_map_update_elem};
use crate::pod::Pod;

/// `update` flag: create or replace.
pub const BPF_ANY: u64 = 0;
/// `update` flag: create only.
pub const BPF_NOEXIST: u64 = 1;
/// `update` flag: replace only.
pub const BPF_EXIST: u64 = 2;

const BPF_MAP_TYPE_HASH: u32 = 1;
const BPF_MAP_TYPE_ARRAY: u32 = 2;
const BPF_MAP_TYPE_PERCPU_ARRAY: u32 = 6;

/// Length of a map name, including the terminating NUL.
pub const MAP_NAME_LEN: usize = 16;

/// `struct rax_map_def` (include/uapi/linux/rax.h).
#[repr(C)]
pub struct MapDef {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    reserved: u32,
    /// Written by the kernel at load time.
    map: AtomicU64,
    name: [u8; MAP_NAME_LEN],
    reserved2: [u64; 2],
}

const _: () = assert!(size_of::<MapDef>() == 64);
const _: () = assert!(align_of::<MapDef>() == 8);

impl MapDef {
    const fn new<V>(map_type: u32, key_size: usize, max_entries: u32, name: &str) -> MapDef {
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
        MapDef {
            map_type,
            key_size: key_size as u32,
            value_size: size_of::<V>() as u32,
            max_entries,
            map_flags: 0,
            reserved: 0,
            map: AtomicU64::new(0),
            name: map_name(name),
            reserved2: [0; 2],
        }
    }

    #[inline(always)]
    fn lookup<K, V>(&self, key: &K) -> Option<&V> {
        // SAFETY: `self` is a map definition in `.rax.maps` whose key size is
        // `size_of::<K>()` (types fix both), and `key` is readable for it.
        let value = unsafe { rax_map_lookup_elem(self, (key as *const K).cast()) };
        if value.is_null() {
            return None;
        }
        // SAFETY: a non-NULL result points to a value of `value_size ==
        // size_of::<V>()` bytes, 8-byte aligned (`align_of::<V>() <= 8` is
        // checked at compile time), that stays allocated until the program
        // returns (RCU, as for eBPF); `V: Pod` accepts whatever bytes it
        // holds. The reference borrows the map, which the program cannot
        // move out of its invocation.
        Some(unsafe { &*value.cast::<V>() })
    }

    #[inline(always)]
    fn update<K, V>(&self, key: &K, value: &V, flags: u64) -> Result<(), Error> {
        // SAFETY: key and value are readable for the sizes the definition
        // declares; the helper copies them.
        let ret = unsafe {
            rax_map_update_elem(
                self,
                (key as *const K).cast(),
                (value as *const V).cast::<c_void>(),
                flags,
            )
        };
        Error::check(ret)
    }

    #[inline(always)]
    fn delete<K>(&self, key: &K) -> Result<(), Error> {
        // SAFETY: the key is readable for the key size; the helper copies it.
        let ret = unsafe { rax_map_delete_elem(self, (key as *const K).cast()) };
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
pub struct ArrayMap<V: Pod, const N: u32> {
    def: MapDef,
    _value: PhantomData<fn() -> V>,
}

impl<V: Pod, const N: u32> ArrayMap<V, N> {
    /// A definition named `name`; use [`crate::map!`].
    pub const fn new(name: &str) -> Self {
        ArrayMap {
            def: MapDef::new::<V>(BPF_MAP_TYPE_ARRAY, size_of::<u32>(), N, name),
            _value: PhantomData,
        }
    }

    /// The value at `index`, `None` if out of range.
    #[inline]
    pub fn get(&self, index: u32) -> Option<&V> {
        self.def.lookup::<u32, V>(&index)
    }

    /// Replaces the value at `index` (flags: [`BPF_ANY`] or [`BPF_EXIST`]).
    #[inline]
    pub fn update(&self, index: u32, value: &V, flags: u64) -> Result<(), Error> {
        self.def.update(&index, value, flags)
    }
}

/// `BPF_MAP_TYPE_PERCPU_ARRAY`: like [`ArrayMap`], one copy per CPU;
/// `get` and `update` act on the current CPU's copy.
#[repr(C)]
pub struct PerCpuArray<V: Pod, const N: u32> {
    def: MapDef,
    _value: PhantomData<fn() -> V>,
}

impl<V: Pod, const N: u32> PerCpuArray<V, N> {
    /// A definition named `name`; use [`crate::map!`].
    pub const fn new(name: &str) -> Self {
        PerCpuArray {
            def: MapDef::new::<V>(BPF_MAP_TYPE_PERCPU_ARRAY, size_of::<u32>(), N, name),
            _value: PhantomData,
        }
    }

    /// This CPU's value at `index`, `None` if out of range.
    #[inline]
    pub fn get(&self, index: u32) -> Option<&V> {
        self.def.lookup::<u32, V>(&index)
    }

    /// Replaces this CPU's value at `index`.
    #[inline]
    pub fn update(&self, index: u32, value: &V, flags: u64) -> Result<(), Error> {
        self.def.update(&index, value, flags)
    }
}

/// `BPF_MAP_TYPE_HASH`: up to `N` entries from `K` to `V`.
#[repr(C)]
pub struct HashMap<K: Pod, V: Pod, const N: u32> {
    def: MapDef,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K: Pod, V: Pod, const N: u32> HashMap<K, V, N> {
    /// A definition named `name`; use [`crate::map!`].
    pub const fn new(name: &str) -> Self {
        HashMap {
            def: MapDef::new::<V>(BPF_MAP_TYPE_HASH, size_of::<K>(), N, name),
            _types: PhantomData,
        }
    }

    /// The value for `key`, if any.
    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        self.def.lookup::<K, V>(key)
    }

    /// Inserts or replaces (see [`BPF_ANY`], [`BPF_NOEXIST`],
    /// [`BPF_EXIST`]).
    #[inline]
    pub fn update(&self, key: &K, value: &V, flags: u64) -> Result<(), Error> {
        self.def.update(key, value, flags)
    }

    /// Removes `key`.
    #[inline]
    pub fn delete(&self, key: &K) -> Result<(), Error> {
        self.def.delete(key)
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
/// The type must be one of [`ArrayMap`], [`PerCpuArray`], [`HashMap`]
/// (anything else fails to compile: the macro checks a sealed trait). The
/// caller's tokens appear only in the (safe) static item; the only unsafe
/// piece is the macro's own `link_section` attribute.
#[macro_export]
#[allow_internal_unsafe]
macro_rules! map {
    ($(#[$attr:meta])* $vis:vis static $name:ident : $ty:ty $(;)?) => {
        $(#[$attr])*
        #[unsafe(link_section = ".rax.maps")]
        $vis static $name: $ty = <$ty>::new(::core::stringify!($name));
        const _: fn() = $crate::__private::assert_map::<$ty>;
    };
}
