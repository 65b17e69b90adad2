//! The u32 trailer at the packet's end, into bytes 0..4; `XDP_DROP` if the
//! packet is shorter than 8 bytes.

use rax::{XdpAction, XdpContext};

fn trailer(ctx: &mut XdpContext) -> XdpAction {
    let Some(t) = ctx.len().checked_sub(4).filter(|&at| at >= 4) else {
        return XdpAction::Drop;
    };
    match ctx.load::<u32>(t) {
        Some(v) => ctx
            .store(0, &v)
            .map_or(XdpAction::Aborted, |()| XdpAction::Tx),
        None => XdpAction::Aborted,
    }
}
rax::xdp!(trailer);
