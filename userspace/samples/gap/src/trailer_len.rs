//! The u32 trailer at the packet's end, found from the packet's length,
//! into bytes 0..4; `XDP_DROP` if the packet is shorter than 8 bytes.

use rax::{XdpAction, XdpContext};

fn trailer_len(ctx: &mut XdpContext) -> XdpAction {
    let len = ctx.len();
    if len < 8 {
        return XdpAction::Drop;
    }
    match ctx.load::<u32>(len - 4) {
        Some(v) => ctx
            .store(0, &v)
            .map_or(XdpAction::Aborted, |()| XdpAction::Tx),
        None => XdpAction::Aborted,
    }
}
rax::xdp!(trailer_len);
