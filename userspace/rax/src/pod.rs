// SPDX-License-Identifier: GPL-2.0
//! Plain old data: types that can be made from any bytes.

use core::mem::size_of;
use core::sync::atomic::{
    AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicU8, AtomicU16, AtomicU32, AtomicU64,
};

/// A type every bit pattern of which is a valid value.
///
/// # Safety
///
/// Implementors guarantee that the type
/// * accepts any bit pattern of its size (no `bool`, `char`, enums,
///   niches),
/// * has no padding bytes (every byte is part of a field),
/// * holds no references or pointers (hence `'static`),
///
/// * holds no lock: a `Pod` value can be made from any bytes (a packet, a
///   kernel read, a copy of a map value), and a lock word made that way
///   is not a lock the kernel handed out (see [`crate::Locked`]).
///
/// `SHARED` (a hidden associated constant) is `true` only when every byte
/// of the type is inside an atomic: a type that other CPUs, eBPF programs
/// and system calls may write while the program holds a reference to it.
/// Map `get` (a reference into the map) requires it; other values are
/// copied out with `read`.
///
/// `rax` implements it for the integers, their atomics and arrays of
/// `Pod`. Extension crates implement it for their structs with
/// [`crate::pod!`], which checks these properties at compile time.
pub unsafe trait Pod: Sized + 'static {
    /// Whether a shared reference to the type stays sound while others
    /// write it: atomics and locks only.
    #[doc(hidden)]
    const SHARED: bool = false;

    /// Reads a `Self` from the first `size_of::<Self>()` bytes of `bytes`
    /// (any alignment); `None` if `bytes` is too short.
    #[inline]
    fn read_from(bytes: &[u8]) -> Option<Self> {
        read(bytes)
    }
}

/// What a map may hold: a [`Pod`] (any bytes, no lock) or a
/// [`crate::Locked`] (a lock and a `Pod` under it). Hidden; only this crate
/// implements it.
///
/// # Safety
///
/// `SPIN_LOCK` is `Some(offset)` exactly when the type holds a
/// `struct bpf_spin_lock`, at that byte offset, and `None` otherwise;
/// evaluating it fails to compile for a type that breaks the layout rules
/// of a map value. `SHARED` is `true` only when every byte of the type is
/// an atomic, a lock, or reached only under the lock: a reference to it
/// stays sound while other CPUs, eBPF programs and system calls write it.
#[doc(hidden)]
pub unsafe trait MapValue: Sized + 'static {
    /// The offset of the lock the value holds, if any; [`crate::map!`]
    /// declares it to the kernel (`RAX_MAP_SPIN_LOCK`).
    const SPIN_LOCK: Option<usize>;
    /// Whether `get` may hand out a reference to the value.
    const SHARED: bool;
}

// SAFETY: a `Pod` holds no lock (the `Pod` contract), and is `SHARED`
// exactly when the `Pod` says so.
unsafe impl<T: Pod> MapValue for T {
    const SPIN_LOCK: Option<usize> = None;
    const SHARED: bool = T::SHARED;
}

macro_rules! impl_pod {
    ($($t:ty),* $(,)?) => {
        $(
            // SAFETY: integers (and their atomics, which have the same
            // layout) accept any bit pattern, have no padding and hold no
            // pointers.
            unsafe impl Pod for $t {}
        )*
    };
}

impl_pod!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

macro_rules! impl_pod_atomic {
    ($($t:ty),* $(,)?) => {
        $(
            // SAFETY: as for the integers they wrap (same size, alignment
            // and bit validity); every access is atomic, so a reference
            // stays sound while other CPUs write them.
            unsafe impl Pod for $t {
                const SHARED: bool = true;
            }
        )*
    };
}

impl_pod_atomic!(
    AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicI8, AtomicI16, AtomicI32, AtomicI64,
);

// SAFETY: an array of `Pod` has no padding between elements (the stride is
// the element size), accepts any bit pattern in each element and holds no
// lock or pointer, as its elements do not.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {
    const SHARED: bool = N == 0 || T::SHARED;
}

/// Reads a `T` from the start of `bytes`, any alignment.
#[inline]
pub(crate) fn read<T: Pod>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: `bytes` is readable for `size_of::<T>()` bytes (checked
    // above), `read_unaligned` has no alignment requirement, and `T: Pod`
    // accepts any bit pattern.
    Some(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

/// Copies `value` into the start of `bytes`; `None` if too short.
#[inline]
pub(crate) fn write<T: Pod>(bytes: &mut [u8], value: &T) -> Option<()> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: `bytes` is writable for `size_of::<T>()` bytes (checked
    // above) and cannot overlap `value` (`&mut` is exclusive); every byte
    // of a `Pod` is initialised (no padding), so copying them as `u8` is
    // defined.
    unsafe {
        core::ptr::copy_nonoverlapping(
            (value as *const T).cast::<u8>(),
            bytes.as_mut_ptr(),
            size_of::<T>(),
        );
    }
    Some(())
}

/// A bitwise copy of `value`.
#[inline(always)]
pub(crate) fn copy<T: Pod>(value: &T) -> T {
    // SAFETY: `value` is a valid, aligned `T`; every byte of a `Pod` is
    // initialised (no padding) and any bit pattern is a valid `T` holding
    // no pointer, lock or other resource, so the copy is a valid `T` that
    // owns nothing the original owns.
    unsafe { core::ptr::read(value) }
}

/// Declares a `#[repr(C)]` struct and implements [`Pod`] for it after
/// checking at compile time that every field is `Pod` and that the struct
/// has no padding (its size is the sum of its fields' sizes).
///
/// ```ignore
/// rax::pod! {
///     #[derive(Clone, Copy)]
///     pub struct Event {
///         pub pid: u32,
///         pub cpu: u32,
///         pub ts: u64,
///     }
/// }
/// ```
///
/// The struct may not hold a lock (locks are not `Pod`; a map value with
/// a lock is a [`crate::Locked`]). A struct whose fields are all atomics
/// is `SHARED`: maps hand out references to it (`get`); any other struct
/// is copied out (`read`).
///
/// Attributes: on the struct only doc comments, `#[derive(...)]` and
/// `#[allow(...)]`; on fields only doc comments and `#[allow(...)]`
/// (anything else fails to compile). The expansion is allowed internal
/// unsafe, so a caller's attribute there must not be an unsafe one, and a
/// `#[cfg]` on a field would remove it from the struct but not from the
/// padding check.
///
/// Why the generated `unsafe impl` is sound: the macro itself writes the
/// struct definition with `#[repr(C)]` (so field order and offsets are
/// fixed), accepts no generics, and the anonymous constant only compiles if
/// the struct has exactly the fields the macro was given (an exhaustive
/// destructuring), every field type is `Pod` and the size equals the sum
/// of the field sizes,
/// i.e. there is no padding anywhere (a `repr(align)` the caller adds shows
/// up as extra size; `repr(packed)` keeps it padding-free). A struct whose
/// fields all accept any bit pattern and which has no padding accepts any
/// bit pattern; `Pod` fields hold no references and no locks. `SHARED` is
/// computed by the macro in a hidden inherent constant of the struct from
/// the fields' own, and the `unsafe impl` only names it. The only caller
/// tokens in the `unsafe impl` are the struct's
/// own name; the caller's attributes, field names and types appear only in
/// the (safe) struct definition, the inherent constant and the checks,
/// never in an `unsafe` block.
#[macro_export]
#[allow_internal_unsafe]
macro_rules! pod {
    (
        $(#[$($attr:tt)*])*
        $vis:vis struct $name:ident {
            $($(#[$($fattr:tt)*])* $fvis:vis $field:ident : $fty:ty),* $(,)?
        }
    ) => {
        $($crate::__pod_attr! { struct $($attr)* })*
        $($($crate::__pod_attr! { field $($fattr)* })*)*

        $(#[$($attr)*])*
        #[repr(C)]
        $vis struct $name {
            $($(#[$($fattr)*])* $fvis $field: $fty),*
        }

        impl $name {
            #[doc(hidden)]
            const __RAX_SHARED: bool = true $(&& <$fty as $crate::Pod>::SHARED)*;
        }

        const _: () = {
            // Exactly the fields the checks below count: a field the
            // macro was given but the struct does not have (removed by
            // an attribute) fails to compile here.
            #[allow(dead_code)]
            fn fields(v: &$name) {
                let $name { $($field: _),* } = v;
            }
            const fn assert_pod<T: $crate::Pod>() {}
            $(assert_pod::<$fty>();)*
            ::core::assert!(
                ::core::mem::size_of::<$name>() == 0 $(+ ::core::mem::size_of::<$fty>())*,
                "rax::pod!: the struct has padding",
            );
        };

        // SAFETY: see the documentation of `rax::pod!`: repr(C), no
        // generics, every field `Pod` and no padding, checked above;
        // `SHARED` is the one the macro computed from the fields.
        unsafe impl $crate::Pod for $name {
            const SHARED: bool = <$name>::__RAX_SHARED;
        }
    };
}

/// The attributes [`crate::pod!`] passes on: doc comments, derives and lint
/// levels. Not part of the API.
#[doc(hidden)]
#[macro_export]
macro_rules! __pod_attr {
    (struct doc = $doc:literal) => {};
    (struct derive($($path:path),* $(,)?)) => {};
    (struct allow($($lint:ident),* $(,)?)) => {};
    (field doc = $doc:literal) => {};
    (field allow($($lint:ident),* $(,)?)) => {};
}
