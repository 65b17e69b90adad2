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
/// and that `SPIN_LOCK` (a hidden associated constant) is `Some(offset)`
/// exactly when the type contains a [`crate::SpinLock`], at that byte
/// offset, and `None` when it contains none. A type contains at most one
/// lock: a map value holds at most one `struct bpf_spin_lock`, whose offset
/// the map definition gives the kernel. Evaluating `SPIN_LOCK` must fail to
/// compile for a type that breaks these rules (generic types check their
/// parameters there); [`read`] and [`write`] evaluate it.
///
/// `SHARED` (hidden too) is `true` only when every byte of the type is
/// inside an atomic, a [`crate::SpinLock`] or a [`crate::Locked`]: a type
/// that other CPUs, eBPF programs and system calls may write while the
/// program holds a reference to it. Map `get` (a reference into the map)
/// requires it; other values are copied out with `read`.
///
/// `rax` implements it for the integers, their atomics, [`crate::SpinLock`],
/// [`crate::Locked`] and arrays of `Pod`. Extension crates implement it for
/// their structs with [`crate::pod!`], which checks these properties at
/// compile time.
pub unsafe trait Pod: Sized + 'static {
    /// The offset of the [`crate::SpinLock`] the type contains, if any;
    /// [`crate::map!`] declares it to the kernel (`RAX_MAP_SPIN_LOCK`).
    #[doc(hidden)]
    const SPIN_LOCK: Option<usize> = None;

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
// the element size) and accepts any bit pattern in each element. It holds
// the lock of its only element if `N == 1`, none if `N == 0` or `T` has
// none; more than one fails to compile.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {
    const SPIN_LOCK: Option<usize> = if N == 0 {
        None
    } else if N == 1 {
        T::SPIN_LOCK
    } else if T::SPIN_LOCK.is_some() {
        panic!("rax: an array of more than one element may not hold spin locks")
    } else {
        None
    };
    const SHARED: bool = N == 0 || T::SHARED;
}

/// Reads a `T` from the start of `bytes`, any alignment.
#[inline]
pub(crate) fn read<T: Pod>(bytes: &[u8]) -> Option<T> {
    let _: Option<usize> = const { T::SPIN_LOCK };
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
    let _: Option<usize> = const { T::SPIN_LOCK };
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
/// The struct may hold one [`crate::SpinLock`], as a field or inside a
/// field (a second one fails to compile); a map whose value is the struct
/// is declared to the kernel with the lock's offset (see [`crate::sync`]).
/// A struct whose fields are all atomics and locks is `SHARED`: maps hand
/// out references to it (`get`); any other struct is copied out (`read`).
///
/// Why the generated `unsafe impl` is sound: the macro itself writes the
/// struct definition with `#[repr(C)]` (so field order and offsets are
/// fixed), accepts no generics, and the anonymous constant only compiles if
/// every field type is `Pod` and the size equals the sum of the field sizes,
/// i.e. there is no padding anywhere (a `repr(align)` the caller adds shows
/// up as extra size; `repr(packed)` keeps it padding-free). A struct whose
/// fields all accept any bit pattern and which has no padding accepts any
/// bit pattern; `Pod` fields hold no references. The lock offset
/// (`Pod::SPIN_LOCK`) is computed by the macro in a hidden inherent
/// constant of the struct, from each field's own `Pod::SPIN_LOCK` plus the
/// field's `core::mem::offset_of!`, and fails to compile for a second lock;
/// the anonymous constant forces its evaluation, and the `unsafe impl` only
/// names it. The only caller tokens in the `unsafe impl` are the struct's
/// own name; the caller's attributes, field names and types appear only in
/// the (safe) struct definition, the inherent constant and the checks,
/// never in an `unsafe` block.
#[macro_export]
#[allow_internal_unsafe]
macro_rules! pod {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $($(#[$fattr:meta])* $fvis:vis $field:ident : $fty:ty),* $(,)?
        }
    ) => {
        $(#[$attr])*
        #[repr(C)]
        $vis struct $name {
            $($(#[$fattr])* $fvis $field: $fty),*
        }

        impl $name {
            #[doc(hidden)]
            const __RAX_SPIN_LOCK: ::core::option::Option<usize> = {
                #[allow(unused_mut)]
                let mut lock = ::core::option::Option::None;
                $(
                    if let ::core::option::Option::Some(inner) =
                        <$fty as $crate::Pod>::SPIN_LOCK
                    {
                        ::core::assert!(
                            lock.is_none(),
                            "rax::pod!: a struct may hold at most one spin lock",
                        );
                        lock = ::core::option::Option::Some(
                            ::core::mem::offset_of!($name, $field) + inner,
                        );
                    }
                )*
                lock
            };

            #[doc(hidden)]
            const __RAX_SHARED: bool = true $(&& <$fty as $crate::Pod>::SHARED)*;
        }

        const _: () = {
            const fn assert_pod<T: $crate::Pod>() {}
            $(assert_pod::<$fty>();)*
            ::core::assert!(
                ::core::mem::size_of::<$name>() == 0 $(+ ::core::mem::size_of::<$fty>())*,
                "rax::pod!: the struct has padding",
            );
            let _ = <$name>::__RAX_SPIN_LOCK;
        };

        // SAFETY: see the documentation of `rax::pod!`: repr(C), no
        // generics, every field `Pod` and no padding, checked above; the
        // lock offset is the one the macro computed from the fields.
        unsafe impl $crate::Pod for $name {
            const SPIN_LOCK: ::core::option::Option<usize> = <$name>::__RAX_SPIN_LOCK;
            const SHARED: bool = <$name>::__RAX_SHARED;
        }
    };
}
