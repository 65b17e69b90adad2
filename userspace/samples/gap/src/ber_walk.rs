//! Counts the primitive elements of the BER message from byte 8 to the
//! end (tag, short-form length, value), inside constructed elements (tag
//! bit 0x20) too, to 8 levels: into bytes 0..4, -1 if an element runs past
//! its container.

use rax::{XdpAction, XdpContext};

fn count(mut rest: &[u8], depth: u32) -> Option<i32> {
    let mut n = 0;
    while let &[tag, len, ..] = rest {
        let value = rest.get(2..2 + usize::from(len)).filter(|_| len < 128)?;
        n += if tag & 0x20 != 0 && depth < 8 {
            rax::recurse(|| count(value, depth + 1))?
        } else {
            1
        };
        rest = &rest[2 + value.len()..];
    }
    rest.is_empty().then_some(n)
}

fn ber_walk(ctx: &mut XdpContext) -> XdpAction {
    let Some(message) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let n = count(message, 0).unwrap_or(-1);
    ctx.store(0, &n)
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(ber_walk);
