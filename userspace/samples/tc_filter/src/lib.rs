#![no_std]
#![forbid(unsafe_code)]
//! A tc (sched_cls) filter: drops IPv4 UDP packets to port 9 (discard)
//! and passes every other packet.
//!
//! Map `TC_COUNT` (array, 2 x u64), updated atomically: 0 packets seen,
//! 1 packets dropped.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, TcAction, TcContext};

rax::map!(static TC_COUNT: ArrayMap<AtomicU64, 2>);

const TC_SEEN: u32 = 0;
const TC_DROPPED: u32 = 1;

fn bump(slot: u32) {
    if let Some(n) = TC_COUNT.get(slot) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

const ETH_HLEN: usize = 14;

fn tc_filter(ctx: &mut TcContext) -> TcAction {
    bump(TC_SEEN);
    let is_ipv4 = ctx.load::<u16>(12).map(u16::from_be) == Some(0x0800);
    let proto = ctx.load::<u8>(ETH_HLEN + 9);
    if is_ipv4 && proto == Some(17) {
        let ihl = usize::from(ctx.load::<u8>(ETH_HLEN).unwrap_or(0x45) & 0x0f) * 4;
        if ctx.load::<u16>(ETH_HLEN + ihl + 2).map(u16::from_be) == Some(9) {
            bump(TC_DROPPED);
            return TcAction::Shot;
        }
    }
    TcAction::Ok
}
rax::tc!(tc_filter);
