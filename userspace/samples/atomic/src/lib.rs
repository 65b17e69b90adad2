#![no_std]
#![forbid(unsafe_code)]
//! Atomic operations on map values, as eBPF's atomic instructions do them:
//! add, sub, or, and, xor, exchange and compare-and-exchange. Its eBPF twin
//! is `tools/testing/selftests/rax/twins/atomic.bpf.c`.
//!
//! Map `VALUES` (array, 8 x u64), shared with userspace. Entry
//! `rax_entry_atomic` (XDP): the packet's first 8 bytes are an operand `v`
//! (little-endian); a shorter packet drops. Each run does, in order:
//! 0 += v; 1 -= v; 2 |= v; 3 &= !(v & 0xff); 4 ^= v; 5 = v, adding what
//! it held to 6; 7 = 3 * 7 + v by compare-and-exchange. Passes.

use core::sync::atomic::{AtomicU64, Ordering::SeqCst};

use rax::{ArrayMap, XdpAction, XdpContext};

rax::map!(static VALUES: ArrayMap<AtomicU64, 8>);

fn atomic(ctx: &mut XdpContext) -> XdpAction {
    let Some(v) = ctx
        .data()
        .first_chunk::<8>()
        .map(|b| u64::from_le_bytes(*b))
    else {
        return XdpAction::Drop;
    };
    let slot = |i| VALUES.get(i);
    if let Some(s) = slot(0) {
        s.fetch_add(v, SeqCst);
    }
    if let Some(s) = slot(1) {
        s.fetch_sub(v, SeqCst);
    }
    if let Some(s) = slot(2) {
        s.fetch_or(v, SeqCst);
    }
    if let Some(s) = slot(3) {
        s.fetch_and(!(v & 0xff), SeqCst);
    }
    if let Some(s) = slot(4) {
        s.fetch_xor(v, SeqCst);
    }
    if let (Some(s), Some(sum)) = (slot(5), slot(6)) {
        sum.fetch_add(s.swap(v, SeqCst), SeqCst);
    }
    if let Some(s) = slot(7) {
        let mut cur = s.load(SeqCst);
        while let Err(now) =
            s.compare_exchange(cur, cur.wrapping_mul(3).wrapping_add(v), SeqCst, SeqCst)
        {
            cur = now;
        }
    }
    XdpAction::Pass
}
rax::xdp!(atomic);
