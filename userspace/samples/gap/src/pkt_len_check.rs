//! Reads the u32 at the offset the packet's first u16 names, into bytes
//! 4..8; `XDP_DROP` if it is past the end.

use rax::{XdpAction, XdpContext};

fn pkt_len_check(ctx: &mut XdpContext) -> XdpAction {
    let Some(off) = ctx.load::<u16>(0).filter(|_| ctx.len() >= 8) else {
        return XdpAction::Aborted;
    };
    match ctx.load::<u32>(usize::from(off)) {
        Some(v) => ctx
            .store(4, &v)
            .map_or(XdpAction::Aborted, |()| XdpAction::Tx),
        None => XdpAction::Drop,
    }
}
rax::xdp!(pkt_len_check);
