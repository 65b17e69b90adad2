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

use rax::maps::BPF_ANY;
use rax::{ArrayMap, PerCpuArray, XdpAction, XdpContext};

rax::map!(static PROTO_COUNT: ArrayMap<AtomicU64, 256>);
rax::map!(static ETH_COUNT: PerCpuArray<u64, 5>);

rax::pod! {
    #[derive(Clone, Copy)]
    struct EthHdr {
        dst: [u8; 6],
        src: [u8; 6],
        ethertype: u16,
    }
}

rax::pod! {
    #[derive(Clone, Copy)]
    struct Ipv4Hdr {
        version_ihl: u8,
        tos: u8,
        tot_len: u16,
        id: u16,
        frag_off: u16,
        ttl: u8,
        protocol: u8,
        check: u16,
        saddr: u32,
        daddr: u32,
    }
}

const ETH_HLEN: usize = 14;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
const ETH_P_ARP: u16 = 0x0806;
const IPPROTO_UDP: u8 = 17;
const DISCARD_PORT: u16 = 9;

const CLASS_IPV4: u32 = 0;
const CLASS_IPV6: u32 = 1;
const CLASS_ARP: u32 = 2;
const CLASS_OTHER: u32 = 3;
const CLASS_DROPPED: u32 = 4;

fn bump_class(class: u32) {
    if let Some(n) = ETH_COUNT.read(class) {
        let _ = ETH_COUNT.update(class, &(n + 1), BPF_ANY);
    }
}

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
    match u16::from_be(eth.ethertype) {
        ETH_P_IP => {
            bump_class(CLASS_IPV4);
            let Some(ip) = ctx.load::<Ipv4Hdr>(ETH_HLEN) else {
                return XdpAction::Pass;
            };
            bump_proto(ip.protocol);
            let ihl = usize::from(ip.version_ihl & 0x0f) * 4;
            if ip.protocol == IPPROTO_UDP {
                // UDP destination port: bytes 2..4 of the UDP header.
                let dport = ctx.load::<u16>(ETH_HLEN + ihl + 2).map(u16::from_be);
                if dport == Some(DISCARD_PORT) {
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
