//! The Internet checksum of the payload from byte 8, as many 32-bit words
//! as byte 0 says (at most 32), with `bpf_csum_diff`: its length in bytes
//! into bytes 0..4, the folded sum into 4..8; `XDP_DROP` if the packet is
//! shorter.

use rax::net::csum_fold;
use rax::{XdpAction, XdpContext, csum_diff};

fn csum_len(ctx: &mut XdpContext) -> XdpAction {
    let Some(words) = ctx.load::<u8>(0).filter(|_| ctx.len() >= 8) else {
        return XdpAction::Aborted;
    };
    let len = usize::from(words) * 4;
    let Some(payload) = ctx.data().get(8..8 + len).filter(|_| len <= 128) else {
        return XdpAction::Drop;
    };
    match csum_diff(&[], payload, 0) {
        Ok(sum) => crate::out(ctx, len as u32, u32::from(csum_fold(sum))),
        Err(_) => XdpAction::Aborted,
    }
}
rax::xdp!(csum_len);
