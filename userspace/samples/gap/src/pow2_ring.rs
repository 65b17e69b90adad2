//! Appends the packet's first u64 to a ring whose size, a power of 2 up to
//! 64, userspace sets; the slot's index into bytes 0..4.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use rax::{ArrayMap, XdpAction, XdpContext};

rax::pod! {
    /// The ring.
    pub struct Ring {
        /// Its size.
        pub size: AtomicU32,
        /// The next slot, counting up.
        pub head: AtomicU32,
        /// The slots.
        pub slot: [AtomicU64; 64],
    }
}

rax::map!(static RINGS: ArrayMap<Ring, 1>);

fn pow2_ring(ctx: &mut XdpContext) -> XdpAction {
    let Some(value) = ctx.load::<u64>(0) else {
        return XdpAction::Aborted;
    };
    let Some(ring) = RINGS.get(0) else {
        return XdpAction::Drop;
    };
    let size = ring.size.load(Relaxed);
    if size == 0 || size > 64 {
        return XdpAction::Drop;
    }
    let index = ring.head.fetch_add(1, Relaxed) & (size - 1);
    ring.slot[index as usize].store(value, Relaxed);
    ctx.store(0, &index)
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(pow2_ring);
