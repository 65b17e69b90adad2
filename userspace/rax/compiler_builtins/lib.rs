// SPDX-License-Identifier: GPL-2.0
//! The `compiler_builtins` crate of the Rax sysroot: deliberately empty.
//!
//! Every `no_std` crate implicitly links a `compiler_builtins` crate. Rax
//! objects may not carry their own runtime routines: the only functions an
//! object may import are the kernel's helper list (`kernel/rax/helpers.h`),
//! which provides `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`. Any
//! other routine the compiler needs (for example `__udivti3` for 128-bit
//! division) stays an undefined symbol, and the toolchain refuses the object
//! naming it.
// The attribute this crate exists for is internal to rustc.
#![allow(internal_features)]
#![feature(compiler_builtins)]
#![compiler_builtins]
#![no_builtins]
#![no_std]
