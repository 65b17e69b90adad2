//! The EtherType after up to two VLAN tags (802.1Q, 802.1ad) and its
//! offset, into bytes 0..8; `XDP_DROP` if a tag is cut short.

use rax::{XdpAction, XdpContext};

fn vlan_o0(ctx: &mut XdpContext) -> XdpAction {
    let Some(mut proto) = ctx.load::<[u8; 2]>(12).map(u16::from_be_bytes) else {
        return XdpAction::Aborted;
    };
    let mut off = 14;
    for _ in 0..2 {
        if !matches!(proto, 0x8100 | 0x88a8) {
            break;
        }
        let Some([_, _, hi, lo]) = ctx.load::<[u8; 4]>(off) else {
            return XdpAction::Drop;
        };
        proto = u16::from_be_bytes([hi, lo]);
        off += 4;
    }
    crate::out(ctx, u32::from(proto), off as u32)
}
rax::xdp!(vlan_o0);
