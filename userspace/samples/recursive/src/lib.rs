#![no_std]
#![forbid(unsafe_code)]
//! Recursion to a depth given at run time. Its eBPF twin,
//! `tools/testing/selftests/rax/twins/recursive.bpf.c`, needs a tail call
//! per level and stops at the kernel's limit of 33 tail calls; here the
//! only limit is the stack, checked at every level by `rax::recurse`.
//!
//! Map `RESULT` (array, 2 x u64): 0 the value, 1 the depth reached.
//! Entry `rax_entry_recursive` (XDP): the packet's first 4 bytes are `n`
//! (little-endian); the program computes `f(n)`, where `f(0) = 0` and
//! `f(k) = 31 * f(k - 1) + k`, one level of recursion each (the work after
//! the call keeps it a real recursion), stores the value and `n`, and
//! passes. Past what the stack holds it is stopped (aborted) and stores
//! nothing.

use rax::{ArrayMap, XdpAction, XdpContext};

rax::map!(static RESULT: ArrayMap<u64, 2>);

fn walk(k: u32) -> u64 {
    if k == 0 {
        0
    } else {
        let below = rax::recurse(|| walk(k - 1));
        below.wrapping_mul(31).wrapping_add(u64::from(k))
    }
}

fn recursive(ctx: &mut XdpContext) -> XdpAction {
    let Some(n) = ctx
        .data()
        .first_chunk::<4>()
        .map(|b| u32::from_le_bytes(*b))
    else {
        return XdpAction::Drop;
    };
    let value = walk(n);
    let _ = RESULT.update(0, &value, 0);
    let _ = RESULT.update(1, &u64::from(n), 0);
    XdpAction::Pass
}
rax::xdp!(recursive);
