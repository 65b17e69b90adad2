//! Verifies the checksum of the IPv4 header at byte 14 over all its IHL
//! words: the folded sum into bytes 0..4, `XDP_TX` if it is right,
//! `XDP_DROP` if not or if the header is shorter than 20 bytes or than the
//! packet; `XDP_PASS` if the packet is shorter than 34 bytes.

use rax::net::{ETH_HLEN, Ipv4Hdr, csum_fold};
use rax::{XdpAction, XdpContext};

fn ipv4_csum(ctx: &mut XdpContext) -> XdpAction {
    let Some(ip) = ctx.load::<Ipv4Hdr>(ETH_HLEN) else {
        return XdpAction::Pass;
    };
    let hlen = ip.header_len();
    let Some(hdr) = ctx
        .data()
        .get(ETH_HLEN..ETH_HLEN + hlen)
        .filter(|_| hlen >= 20)
    else {
        return XdpAction::Drop;
    };
    let sum = hdr
        .chunks_exact(2)
        .map(|w| u32::from(u16::from_ne_bytes([w[0], w[1]])))
        .sum();
    let sum = csum_fold(sum);
    match ctx.store(0, &u32::from(sum)) {
        Some(()) if sum == 0xffff => XdpAction::Tx,
        Some(()) => XdpAction::Drop,
        None => XdpAction::Aborted,
    }
}
rax::xdp!(ipv4_csum);
