#![no_std]
#![forbid(unsafe_code)]
//! Counts packets per ethertype class and per IP protocol; passes every
//! packet except IPv4 UDP packets to port 9 (discard), which it drops.
//!
//! Maps:
//! * `PROTO_COUNT` (array, 256 x u64): packets per IPv4 protocol / IPv6
//!   next header, updated atomically.
//! * `ETH_COUNT` (per-CPU array, 5 x u64): packets per class on this CPU:
//!   0 IPv4, 1 IPv6, 2 ARP, 3 other or truncated, 4 dropped.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::net::{ETH_HLEN, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, EthHdr, IPPROTO_UDP, Ipv4Hdr};
use rax::{ArrayMap, PerCpuArray, XdpAction, XdpContext};

rax::map!(static PROTO_COUNT: ArrayMap<AtomicU64, 256>);
rax::map!(static ETH_COUNT: PerCpuArray<AtomicU64, 5>);

const DISCARD_PORT: u16 = 9;

const CLASS_IPV4: u32 = 0;
const CLASS_IPV6: u32 = 1;
const CLASS_ARP: u32 = 2;
const CLASS_OTHER: u32 = 3;
const CLASS_DROPPED: u32 = 4;

// The counters are functions of their own, as a program's functions grow:
// the kernel names each in kallsyms and perf (the selftests look for them).
#[inline(never)]
fn bump_class(class: u32) {
    if let Some(n) = ETH_COUNT.get(class) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

#[inline(never)]
fn bump_proto(proto: u8) {
    if let Some(n) = PROTO_COUNT.get(u32::from(proto)) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

fn xdp_counter(ctx: &mut XdpContext) -> XdpAction {
    let Some(eth) = ctx.load::<EthHdr>(0) else {
        bump_class(CLASS_OTHER);
        return XdpAction::Pass;
    };
    match eth.ethertype() {
        ETH_P_IP => {
            bump_class(CLASS_IPV4);
            let Some(ip) = ctx.load::<Ipv4Hdr>(ETH_HLEN) else {
                return XdpAction::Pass;
            };
            bump_proto(ip.protocol);
            if ip.protocol == IPPROTO_UDP {
                // UDP destination port: bytes 2..4 of the UDP header.
                let dport_at = ETH_HLEN + ip.header_len() + 2;
                if ctx.load::<u16>(dport_at).map(u16::from_be) == Some(DISCARD_PORT) {
                    bump_class(CLASS_DROPPED);
                    return XdpAction::Drop;
                }
            }
        }
        ETH_P_IPV6 => {
            bump_class(CLASS_IPV6);
            // Next header: byte 6 of the IPv6 header.
            if let Some(next) = ctx.load::<u8>(ETH_HLEN + 6) {
                bump_proto(next);
            }
        }
        ETH_P_ARP => bump_class(CLASS_ARP),
        _ => bump_class(CLASS_OTHER),
    }
    XdpAction::Pass
}
rax::xdp!(xdp_counter);
