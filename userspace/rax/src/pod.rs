// SPDX-License-Identifier: GPL-2.0
//! Plain old data: types that can be made from any bytes.

use core::mem::size_of;
use core::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64};

/// A type every bit pattern of which is a valid value.
///
/// # Safety
///
/// Implementors guarantee that the type
/// * accepts any bit pattern of its size (no `bool`, `char`, enums,
///   niches),
/// * has no padding bytes (every byte is part of a field),
/// * holds no references or pointers (hence `'static`).
///
/// `rax` implements it for the integers, their atomics, [`crate::SpinLock`]
/// and arrays of `Pod`. Extension crates implement it for their structs
/// with [`crate::pod!`], which checks these properties at compile time.
pub unsafe trait Pod: Sized + 'static {
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
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, AtomicU32, AtomicU64,
    AtomicI32, AtomicI64,
);

// SAFETY: an array of `Pod` has no padding between elements (the stride is
// the element size) and accepts any bit pattern in each element.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

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
/// Why the generated `unsafe impl` is sound: the macro itself writes the
/// struct definition with `#[repr(C)]` (so field order and offsets are
/// fixed), accepts no generics, and the anonymous constant only compiles if
/// every field type is `Pod` and the size equals the sum of the field sizes,
/// i.e. there is no padding anywhere (a `repr(align)` the caller adds shows
/// up as extra size; `repr(packed)` keeps it padding-free). A struct whose
/// fields all accept any bit pattern and which has no padding accepts any
/// bit pattern; `Pod` fields hold no references. The only caller tokens in
/// the `unsafe impl` are the struct's own name; the caller's attributes,
/// field names and types appear only in the (safe) struct definition and
/// the checks, never in an `unsafe` block.
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

        const _: () = {
            const fn assert_pod<T: $crate::Pod>() {}
            $(assert_pod::<$fty>();)*
            ::core::assert!(
                ::core::mem::size_of::<$name>() == 0 $(+ ::core::mem::size_of::<$fty>())*,
                "rax::pod!: the struct has padding",
            );
        };

        // SAFETY: see the documentation of `rax::pod!`: repr(C), no
        // generics, every field `Pod` and no padding, checked above.
        unsafe impl $crate::Pod for $name {}
    };
}
