#![no_std]
#![forbid(unsafe_code)]
//! An XDP load balancer: IPv4 UDP or TCP packets to the service's virtual
//! address and port are spread over its backends by a hash of their
//! 5-tuple; each goes back out of the interface it came in on
//! (`XDP_TX`) with the backend's address as destination, the backend's
//! MAC address as Ethernet destination (the old destination as source),
//! and both checksums updated. Everything else passes. Its eBPF twin is
//! `tools/testing/selftests/rax/twins/xdp_lb.bpf.c`.
//!
//! Maps, written by userspace: `SERVICE` (array, 1 x [`Service`]),
//! `BACKENDS` (array, 16 x [`Backend`]); `STATS` (per-CPU array, 16 x
//! u64): packets sent to each backend.
//!
//! Entry `rax_entry_xdp_lb` (XDP).

use rax::maps::BPF_ANY;
use rax::{ArrayMap, PerCpuArray, XdpAction, XdpContext};

rax::pod! {
    /// The balanced service. Address and port in network order.
    #[derive(Clone, Copy)]
    pub struct Service {
        /// The virtual address.
        pub vip: u32,
        /// The port.
        pub port: u16,
        /// `IPPROTO_UDP` or `IPPROTO_TCP`.
        pub proto: u8,
        /// How many of `BACKENDS` are in use (0 turns the balancer off).
        pub nbackends: u8,
    }
}

rax::pod! {
    /// A backend: its address (network order) and its MAC address.
    #[derive(Clone, Copy)]
    pub struct Backend {
        /// The address.
        pub addr: u32,
        /// The MAC address.
        pub mac: [u8; 6],
        /// Padding.
        pub pad: u16,
    }
}

rax::map!(static SERVICE: ArrayMap<Service, 1>);
rax::map!(static BACKENDS: ArrayMap<Backend, 16>);
rax::map!(static STATS: PerCpuArray<u64, 16>);

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
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

/// FNV-1a over the 5-tuple, as the packet holds it.
fn flow_hash(ip: &Ipv4Hdr, ports: [u8; 4]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let bytes = ip
        .saddr
        .to_ne_bytes()
        .into_iter()
        .chain(ip.daddr.to_ne_bytes())
        .chain(ports)
        .chain([ip.protocol]);
    for b in bytes {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// A checksum (as the packet holds it) updated for a 4-byte field that
/// changed from `old` to `new` (RFC 1624, through `bpf_csum_diff`).
fn csum_replace4(check: u16, old: u32, new: u32) -> Option<u16> {
    let sum = rax::csum_diff(&old.to_ne_bytes(), &new.to_ne_bytes(), u32::from(!check)).ok()?;
    let folded = (sum & 0xffff) + (sum >> 16);
    let folded = (folded & 0xffff) + (folded >> 16);
    Some(!(folded as u16))
}

fn xdp_lb(ctx: &mut XdpContext) -> XdpAction {
    let Some(svc) = SERVICE.read(0) else {
        return XdpAction::Pass;
    };
    let (Some(ethertype), Some(mut ip)) = (ctx.load::<u16>(12), ctx.load::<Ipv4Hdr>(ETH_HLEN))
    else {
        return XdpAction::Pass;
    };
    let ihl = usize::from(ip.version_ihl & 0xf) * 4;
    if u16::from_be(ethertype) != ETH_P_IP
        || ip.version_ihl >> 4 != 4
        || ihl < 20
        || u16::from_be(ip.frag_off) & 0x3fff != 0
        || ip.daddr != svc.vip
        || ip.protocol != svc.proto
        || svc.nbackends == 0
    {
        return XdpAction::Pass;
    }
    let l4 = ETH_HLEN + ihl;
    let check_at = match ip.protocol {
        IPPROTO_UDP => l4 + 6,
        IPPROTO_TCP => l4 + 16,
        _ => return XdpAction::Pass,
    };
    let (Some(ports), Some(l4_check)) = (ctx.load::<[u8; 4]>(l4), ctx.load::<u16>(check_at)) else {
        return XdpAction::Pass;
    };
    if u16::from_ne_bytes([ports[2], ports[3]]) != svc.port {
        return XdpAction::Pass;
    }

    let n = u32::from(svc.nbackends).min(16);
    let index = flow_hash(&ip, ports) % n;
    let Some(backend) = BACKENDS.read(index) else {
        return XdpAction::Aborted;
    };
    let Some(ip_check) = csum_replace4(ip.check, ip.daddr, backend.addr) else {
        return XdpAction::Aborted;
    };
    // A UDP checksum of 0 means none: it stays 0, and a computed 0 is sent
    // as 0xffff.
    let l4_check = match (ip.protocol, l4_check) {
        (IPPROTO_UDP, 0) => 0,
        _ => match csum_replace4(l4_check, ip.daddr, backend.addr) {
            Some(0) if ip.protocol == IPPROTO_UDP => 0xffff,
            Some(c) => c,
            None => return XdpAction::Aborted,
        },
    };
    ip.daddr = backend.addr;
    ip.check = ip_check;

    let Some(old_dst) = ctx.load::<[u8; 6]>(0) else {
        return XdpAction::Aborted;
    };
    let written = ctx.store(0, &backend.mac).and_then(|()| {
        ctx.store(6, &old_dst)?;
        ctx.store(ETH_HLEN, &ip)?;
        ctx.store(check_at, &l4_check)
    });
    if written.is_none() {
        return XdpAction::Aborted;
    }
    if let Some(count) = STATS.read(index) {
        let _ = STATS.update(index, &(count + 1), BPF_ANY);
    }
    XdpAction::Tx
}
rax::xdp!(xdp_lb);
