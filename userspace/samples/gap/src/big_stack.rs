//! A histogram of the packet's bytes 8..1500 in 256 counters on the stack:
//! the most frequent byte (the smallest on a tie) and its count.

use rax::{XdpAction, XdpContext};

fn big_stack(ctx: &mut XdpContext) -> XdpAction {
    let Some(bytes) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let mut hist = [0u32; 256];
    for &b in bytes.iter().take(1492) {
        hist[usize::from(b)] += 1;
    }
    let best = (1..256).fold(0, |best, i| if hist[i] > hist[best] { i } else { best });
    crate::out(ctx, best as u32, hist[best])
}
rax::xdp!(big_stack);
