//! A token bucket per class (byte 0): the packet takes its cost (byte 1)
//! from its class's tokens under the bucket's lock, after refilling them
//! to the class's limit (from a second map) if byte 2 is not 0; the tokens
//! left into bytes 4..8, `XDP_DROP` if there were not enough.

use rax::{ArrayMap, Locked, XdpAction, XdpContext};

rax::pod! {
    /// A class's bucket.
    #[derive(Clone, Copy)]
    pub struct Bucket {
        /// Tokens left.
        pub tokens: u64,
        /// Packets dropped for want of tokens.
        pub dropped: u64,
    }
}

rax::map!(static BUCKETS: ArrayMap<Locked<Bucket>, 16>);
rax::map!(static LIMITS: ArrayMap<u32, 16>);

fn lock_lookup(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some([class, cost, refill])) = (ctx.len(), ctx.load::<[u8; 3]>(0)) else {
        return XdpAction::Aborted;
    };
    let Some(bucket) = BUCKETS.get(u32::from(class)) else {
        return XdpAction::Drop;
    };
    let mut b = bucket.lock();
    if refill != 0 {
        b.tokens = LIMITS.read(u32::from(class)).map_or(0, u64::from);
    }
    let ok = b.tokens >= u64::from(cost);
    if ok {
        b.tokens -= u64::from(cost);
    } else {
        b.dropped += 1;
    }
    let left = b.tokens as u32;
    drop(b);
    match ctx.store(4, &left) {
        Some(()) if ok => XdpAction::Tx,
        Some(()) => XdpAction::Drop,
        None => XdpAction::Aborted,
    }
}
rax::xdp!(lock_lookup);
