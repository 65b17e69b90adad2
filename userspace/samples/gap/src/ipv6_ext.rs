//! The L4 protocol and its offset after an IPv6 packet's extension headers
//! (hop-by-hop, routing, destination options: 8 + 8 * length bytes;
//! fragment: 8), however many there are, into bytes 0..8; `XDP_DROP` if
//! one is cut short, `XDP_PASS` if the IPv6 header is.

use rax::net::{ETH_HLEN, Ipv6Hdr};
use rax::{XdpAction, XdpContext};

fn ipv6_ext(ctx: &mut XdpContext) -> XdpAction {
    let Some(ip6) = ctx.load::<Ipv6Hdr>(ETH_HLEN) else {
        return XdpAction::Pass;
    };
    let (mut next, mut off) = (ip6.nexthdr, ETH_HLEN + 40);
    while matches!(next, 0 | 43 | 44 | 60) {
        let Some([after, len]) = ctx.load::<[u8; 2]>(off) else {
            return XdpAction::Drop;
        };
        off += if next == 44 {
            8
        } else {
            8 + usize::from(len) * 8
        };
        next = after;
    }
    crate::out(ctx, u32::from(next), off as u32)
}
rax::xdp!(ipv6_ext);
