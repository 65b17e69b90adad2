//! Sums the LEB128 varints (7 bits a byte, the high bit set on all but the
//! last, at most 5 bytes) of the payload from byte 8 to its end: their
//! number and their sum into bytes 0..8; a varint cut short, or longer
//! than 5 bytes, ends them.

use rax::{XdpAction, XdpContext};

fn varint(ctx: &mut XdpContext) -> XdpAction {
    let Some(mut rest) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let (mut n, mut sum) = (0u32, 0u32);
    'all: while !rest.is_empty() {
        let mut v = 0u32;
        for (i, &b) in rest.iter().take(5).enumerate() {
            v |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                sum = sum.wrapping_add(v);
                n += 1;
                rest = &rest[i + 1..];
                continue 'all;
            }
        }
        break;
    }
    crate::out(ctx, n, sum)
}
rax::xdp!(varint);
