// SPDX-License-Identifier: GPL-2.0
//! Recursion, with the stack checked at run time.
//!
//! A program runs on a fixed-size Rax stack, and the toolchain refuses a
//! call graph whose worst-case stack it cannot bound. Recursion is allowed
//! only through [`recurse`]: before each step it has the kernel check that
//! [`RECURSION_STEP`] bytes of stack are still free, and the toolchain
//! checks that no step, from one call of `recurse` to the next, needs more.
//! When the stack runs short the program stops as if it had panicked (its
//! resources are released and it returns its type's default verdict); it
//! never reaches the guard page below the stack.
//!
//! ```ignore
//! fn depth(n: u32) -> u32 {
//!     if n == 0 { 0 } else { 1 + rax::recurse(|| depth(n - 1)) }
//! }
//! ```

use crate::ffi::rax_stack_check;

/// Stack one step of recursion may use below [`recurse`]'s frame, in
/// bytes (`RAX_RECURSION_STEP` of `include/uapi/linux/rax.h`).
pub const RECURSION_STEP: u64 = 4096;

/// Runs `f` once the kernel has checked that the stack has
/// [`RECURSION_STEP`] bytes free; stops the program otherwise. Every cycle
/// in a program's call graph must go through this function.
#[inline(never)]
pub fn recurse<R, F: FnOnce() -> R>(f: F) -> R {
    // SAFETY: the helper takes a plain integer and either returns or stops
    // the program through the kernel's throw path.
    unsafe { rax_stack_check(RECURSION_STEP) };
    f()
}
