// SPDX-License-Identifier: GPL-2.0
//! Network headers for XDP and tc programs, and the checksum arithmetic
//! that goes with rewriting them.
//!
//! The headers are [`Pod`](crate::Pod) copies of what the packet holds:
//! read one with `ctx.load::<Ipv4Hdr>(offset)`, change its fields, write it
//! back with `ctx.store`. Multi-byte fields are in network order, as in
//! the packet (and as in `struct iphdr`); the methods that interpret them
//! say which order they return. There is no unsafe code here: everything
//! is built on [`crate::pod!`] and the contexts' bounds-checked `load` and
//! `store`.
//!
//! ```ignore
//! let (eth, ip, l4) = rax::net::parse_ipv4(ctx.data())?;
//! if ip.protocol == rax::net::IPPROTO_UDP {
//!     let udp: rax::net::UdpHdr = ctx.load(l4)?;
//! }
//! ```

use crate::{Pod, pod};

/// The Ethernet header's length.
pub const ETH_HLEN: usize = 14;
/// An Ethernet address's length.
pub const ETH_ALEN: usize = 6;
/// Ethertype of IPv4 (host order; compare with [`EthHdr::ethertype`]).
pub const ETH_P_IP: u16 = 0x0800;
/// Ethertype of ARP.
pub const ETH_P_ARP: u16 = 0x0806;
/// Ethertype of IPv6.
pub const ETH_P_IPV6: u16 = 0x86dd;
/// IP protocol number of ICMP.
pub const IPPROTO_ICMP: u8 = 1;
/// IP protocol number of TCP.
pub const IPPROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const IPPROTO_UDP: u8 = 17;
/// IP protocol number of ICMPv6.
pub const IPPROTO_ICMPV6: u8 = 58;

pod! {
    /// `struct ethhdr`.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct EthHdr {
        /// Destination address.
        pub dst: [u8; ETH_ALEN],
        /// Source address.
        pub src: [u8; ETH_ALEN],
        /// Ethertype, network order.
        pub proto: u16,
    }
}

impl EthHdr {
    /// The ethertype in host order ([`ETH_P_IP`], ...).
    #[inline]
    pub fn ethertype(&self) -> u16 {
        u16::from_be(self.proto)
    }
}

pod! {
    /// `struct iphdr` without options.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Ipv4Hdr {
        /// Version (high 4 bits) and header length in words (low 4).
        pub version_ihl: u8,
        /// Type of service.
        pub tos: u8,
        /// Total length, network order.
        pub tot_len: u16,
        /// Identification, network order.
        pub id: u16,
        /// Flags and fragment offset, network order.
        pub frag_off: u16,
        /// Time to live.
        pub ttl: u8,
        /// The L4 protocol ([`IPPROTO_TCP`], ...).
        pub protocol: u8,
        /// Header checksum, as the packet holds it.
        pub check: u16,
        /// Source address, network order.
        pub saddr: u32,
        /// Destination address, network order.
        pub daddr: u32,
    }
}

impl Ipv4Hdr {
    /// The IP version (4 for a valid header).
    #[inline]
    pub fn version(&self) -> u8 {
        self.version_ihl >> 4
    }

    /// The header's length in bytes, options included (`ihl * 4`).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.version_ihl & 0xf) * 4
    }

    /// Whether the packet is a fragment (more fragments follow, or an
    /// offset other than 0): only the first holds the L4 header.
    #[inline]
    pub fn is_fragment(&self) -> bool {
        u16::from_be(self.frag_off) & 0x3fff != 0
    }
}

pod! {
    /// `struct ipv6hdr`.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Ipv6Hdr {
        /// Version, traffic class and flow label, network order.
        pub vtc_flow: u32,
        /// Payload length, network order.
        pub payload_len: u16,
        /// The next header ([`IPPROTO_TCP`], an extension header, ...).
        pub nexthdr: u8,
        /// Hop limit.
        pub hop_limit: u8,
        /// Source address.
        pub saddr: [u8; 16],
        /// Destination address.
        pub daddr: [u8; 16],
    }
}

pod! {
    /// `struct udphdr`.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct UdpHdr {
        /// Source port, network order.
        pub source: u16,
        /// Destination port, network order.
        pub dest: u16,
        /// Length of header and data, network order.
        pub len: u16,
        /// Checksum as the packet holds it; 0 over IPv4 means none.
        pub check: u16,
    }
}

/// The offset of the checksum in the L4 header of `protocol`: 6 for UDP,
/// 16 for TCP, `None` for any other.
#[inline]
pub fn l4_check_offset(protocol: u8) -> Option<usize> {
    match protocol {
        IPPROTO_UDP => Some(6),
        IPPROTO_TCP => Some(16),
        _ => None,
    }
}

pod! {
    /// `struct tcphdr` without options.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct TcpHdr {
        /// Source port, network order.
        pub source: u16,
        /// Destination port, network order.
        pub dest: u16,
        /// Sequence number, network order.
        pub seq: u32,
        /// Acknowledgement number, network order.
        pub ack_seq: u32,
        /// Data offset (high 4 bits of the first byte) and flags.
        pub off_flags: u16,
        /// Window, network order.
        pub window: u16,
        /// Checksum, as the packet holds it.
        pub check: u16,
        /// Urgent pointer, network order.
        pub urg_ptr: u16,
    }
}

impl TcpHdr {
    /// The header's length in bytes, options included.
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.off_flags.to_ne_bytes()[0] >> 4) * 4
    }
}

/// The Ethernet and IPv4 headers at the start of `packet`, and the offset
/// of the L4 header; `None` unless the frame is IPv4 (ethertype, version
/// 4, a header length of at least 20 bytes) and both headers fit in it.
/// The L4 header itself is not checked: load it from the offset.
#[inline]
pub fn parse_ipv4(packet: &[u8]) -> Option<(EthHdr, Ipv4Hdr, usize)> {
    let eth = EthHdr::read_from(packet)?;
    let ip = Ipv4Hdr::read_from(packet.get(ETH_HLEN..)?)?;
    if eth.ethertype() != ETH_P_IP || ip.version() != 4 || ip.header_len() < 20 {
        return None;
    }
    Some((eth, ip, ETH_HLEN + ip.header_len()))
}

/// Folds a 32-bit ones'-complement sum to 16 bits.
#[inline]
pub fn csum_fold(sum: u32) -> u16 {
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = (sum & 0xffff) + (sum >> 16);
    sum as u16
}

/// A checksum (as the packet holds it) updated for a 4-byte field that
/// changed from `old` to `new`, both as the packet holds them (RFC 1624,
/// equation 3: `~(~check + ~old + new)`). Byte order does not matter as
/// long as all three are in the packet's.
#[inline]
pub fn csum_replace4(check: u16, old: u32, new: u32) -> u16 {
    let (old, new) = (!old, new);
    let sum = u32::from(!check) + (old & 0xffff) + (old >> 16) + (new & 0xffff) + (new >> 16);
    !csum_fold(sum)
}

/// [`csum_replace4`] for a 2-byte field.
#[inline]
pub fn csum_replace2(check: u16, old: u16, new: u16) -> u16 {
    !csum_fold(u32::from(!check) + u32::from(!old) + u32::from(new))
}
