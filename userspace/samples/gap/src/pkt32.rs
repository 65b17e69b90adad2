//! The UDP ports after an IPv4 header of any length (its IHL words, from
//! byte 14), as the packet holds them, into bytes 0..4; `XDP_PASS` if the
//! IPv4 header is cut short, `XDP_DROP` if the UDP header is.

use rax::net::{ETH_HLEN, Ipv4Hdr};
use rax::{XdpAction, XdpContext};

fn pkt32(ctx: &mut XdpContext) -> XdpAction {
    let Some(ip) = ctx.load::<Ipv4Hdr>(ETH_HLEN) else {
        return XdpAction::Pass;
    };
    let Some(udp) = ctx.load::<[u16; 4]>(ETH_HLEN + ip.header_len()) else {
        return XdpAction::Drop;
    };
    ctx.store(0, &[udp[0], udp[1]])
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(pkt32);
