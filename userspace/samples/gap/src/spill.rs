//! Counts packets per slot (byte 1, below 64) in a map, through a parse
//! state handed to a function of its own: the new count into bytes 4..8,
//! or `XDP_PASS` without it if byte 2's low bit is set; `XDP_DROP` for a
//! slot past 63.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use rax::{ArrayMap, XdpAction, XdpContext};

rax::map!(static COUNTS: ArrayMap<[AtomicU64; 64], 1>);

/// What the parser found.
struct Parse {
    slot: usize,
    flags: u8,
    seen: u32,
}

/// Counts the packet in its slot; whether it passes unanswered.
#[inline(never)]
fn account(st: &mut Parse, counts: &[AtomicU64; 64]) -> bool {
    st.seen = counts[st.slot].fetch_add(1, Relaxed).wrapping_add(1) as u32;
    st.flags & 1 != 0
}

fn spill(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some([_proto, slot, flags])) = (ctx.len(), ctx.load::<[u8; 3]>(0)) else {
        return XdpAction::Aborted;
    };
    let mut st = Parse {
        slot: usize::from(slot),
        flags,
        seen: 0,
    };
    if st.slot >= 64 {
        return XdpAction::Drop;
    }
    let Some(counts) = COUNTS.get(0) else {
        return XdpAction::Aborted;
    };
    if account(&mut st, counts) {
        return XdpAction::Pass;
    }
    ctx.store(4, &st.seen)
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(spill);
