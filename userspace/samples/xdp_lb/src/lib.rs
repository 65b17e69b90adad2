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

use core::sync::atomic::{AtomicU64, Ordering};
use rax::net::{self, IPPROTO_UDP, Ipv4Hdr};
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
rax::map!(static STATS: PerCpuArray<AtomicU64, 16>);

/// FNV-1a over the 5-tuple, as the packet holds it.
fn flow_hash(ip: &Ipv4Hdr, ports: [u8; 4]) -> u32 {
    let [src, dst] = [ip.saddr, ip.daddr].map(u32::to_ne_bytes);
    let tuple = src.into_iter().chain(dst).chain(ports).chain([ip.protocol]);
    tuple.fold(0x811c_9dc5, |h, x| {
        (h ^ u32::from(x)).wrapping_mul(0x0100_0193)
    })
}

/// The verdict for a packet to the service; `None` for any other.
fn balance(ctx: &mut XdpContext) -> Option<XdpAction> {
    let svc = SERVICE.read(0)?;
    let (mut eth, mut ip, l4) = net::parse_ipv4(ctx.data())?;
    if ip.is_fragment() || ip.daddr != svc.vip || ip.protocol != svc.proto || svc.nbackends == 0 {
        return None;
    }
    let check_at = l4 + net::l4_check_offset(ip.protocol)?;
    let (ports, l4_check) = (ctx.load::<[u8; 4]>(l4)?, ctx.load::<u16>(check_at)?);
    if ports[2..] != svc.port.to_ne_bytes() {
        return None;
    }
    let index = flow_hash(&ip, ports) % u32::from(svc.nbackends).min(16);
    let Some(backend) = BACKENDS.read(index) else {
        return Some(XdpAction::Aborted);
    };
    // A UDP checksum of 0 means none: it stays 0, and a computed 0 is sent
    // as 0xffff.
    let udp = ip.protocol == IPPROTO_UDP;
    let l4_check = match net::csum_replace4(l4_check, ip.daddr, backend.addr) {
        _ if udp && l4_check == 0 => 0,
        0 if udp => 0xffff,
        c => c,
    };
    ip.check = net::csum_replace4(ip.check, ip.daddr, backend.addr);
    ip.daddr = backend.addr;
    (eth.src, eth.dst) = (eth.dst, backend.mac);
    let written = ctx.store(0, &eth).and(ctx.store(net::ETH_HLEN, &ip));
    if written.and(ctx.store(check_at, &l4_check)).is_none() {
        return Some(XdpAction::Aborted);
    }
    if let Some(count) = STATS.get(index) {
        count.fetch_add(1, Ordering::Relaxed);
    }
    Some(XdpAction::Tx)
}

fn xdp_lb(ctx: &mut XdpContext) -> XdpAction {
    balance(ctx).unwrap_or(XdpAction::Pass)
}
rax::xdp!(xdp_lb);
