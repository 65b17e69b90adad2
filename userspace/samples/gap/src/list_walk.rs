//! Walks a linked list of nodes in an array map, from the head the packet
//! names (u32 at 0) to a `next` of 0, at most as many nodes as a second
//! map says: their number and the sum of their values, into bytes 0..8.

use rax::{ArrayMap, XdpAction, XdpContext};

rax::pod! {
    /// A node: the index of the next one (0 ends the list), a value.
    #[derive(Clone, Copy)]
    pub struct Node {
        /// The next node.
        pub next: u32,
        /// The value.
        pub value: u32,
    }
}

rax::map!(static NODES: ArrayMap<Node, 4096>);
rax::map!(static MAX_HOPS: ArrayMap<u32, 1>);

fn list_walk(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some(mut at), Some(max)) = (ctx.len(), ctx.load::<u32>(0), MAX_HOPS.read(0)) else {
        return XdpAction::Aborted;
    };
    let (mut n, mut sum) = (0, 0u32);
    while at != 0 && n < max {
        let Some(node) = NODES.read(at) else { break };
        sum = sum.wrapping_add(node.value);
        n += 1;
        at = node.next;
    }
    crate::out(ctx, n, sum)
}
rax::xdp!(list_walk);
