//! The first offset in the payload (from byte 16) at which the needle
//! occurs (its length, 1 to 8, in byte 0, its bytes from byte 1), into
//! bytes 12..16; -1 if none.

use rax::{XdpAction, XdpContext};

fn str_search(ctx: &mut XdpContext) -> XdpAction {
    let data = ctx.data();
    let Some((head, hay)) = data.split_at_checked(16) else {
        return XdpAction::Aborted;
    };
    let n = usize::from(head[0]);
    if !(1..=8).contains(&n) {
        return XdpAction::Drop;
    }
    let needle = &head[1..1 + n];
    let found = hay.windows(n).take(1500).position(|w| w == needle);
    let found = found.map_or(-1, |i| i as i32);
    ctx.store(12, &found)
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(str_search);
