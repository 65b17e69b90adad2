#![no_std]
#![forbid(unsafe_code)]
//! A tc (sched_cls) program that rewrites packets: an IPv4 UDP datagram
//! to port 7777 leaves it addressed to port 7778 (the UDP checksum is
//! adjusted, or left 0 when the sender sent none). Every other packet is
//! only read. The selftests check that a packet socket that got the packet
//! before tc still sees port 7777: the program's writes go to a copy of
//! shared data, never to a clone.
//!
//! Map `REWRITE` (array, 3 x u64), updated atomically: 0 packets seen, 1
//! packets rewritten, 2 packets it could not make writable.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, TcAction, TcContext};

rax::map!(static REWRITE: ArrayMap<AtomicU64, 3>);

const ETH_HLEN: usize = 14;
const FROM: u16 = 7777;
const TO: u16 = 7778;

fn bump(slot: u32) {
    if let Some(n) = REWRITE.get(slot) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

fn tc_rewrite(ctx: &mut TcContext) -> TcAction {
    bump(0);
    let is_ipv4 = ctx.load::<u16>(12).map(u16::from_be) == Some(0x0800);
    if !is_ipv4 || ctx.load::<u8>(ETH_HLEN + 9) != Some(17) {
        return TcAction::Ok;
    }
    let ihl = usize::from(ctx.load::<u8>(ETH_HLEN).unwrap_or(0x45) & 0x0f) * 4;
    let udp = ETH_HLEN + ihl;
    if ctx.load::<u16>(udp + 2).map(u16::from_be) != Some(FROM) {
        return TcAction::Ok;
    }
    let sum = ctx.load::<u16>(udp + 6).map(u16::from_be).unwrap_or(0);
    if ctx.store(udp + 2, &TO.to_be()).is_none() {
        bump(2);
        return TcAction::Ok;
    }
    if sum != 0 {
        // RFC 1624: HC' = ~(~HC + ~m + m').
        let mut s = u32::from(!sum) + u32::from(!FROM) + u32::from(TO);
        s = (s & 0xffff) + (s >> 16);
        s = (s & 0xffff) + (s >> 16);
        let new = !(s as u16);
        let _ = ctx.store(udp + 6, &(if new == 0 { 0xffff } else { new }).to_be());
    }
    bump(1);
    TcAction::Ok
}
rax::tc!(tc_rewrite);
