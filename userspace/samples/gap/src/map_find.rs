//! The index of the packet's key (u32 at 0) among the first `n` keys of a
//! table in a map (at most 32), into bytes 4..8; -1 if it is not there.

use rax::{ArrayMap, XdpAction, XdpContext};

rax::pod! {
    /// A table of keys.
    #[derive(Clone, Copy)]
    pub struct Table {
        /// How many keys are in use.
        pub n: u32,
        /// The keys.
        pub keys: [u32; 32],
    }
}

rax::map!(static TABLES: ArrayMap<Table, 1>);

fn map_find(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some(key), Some(t)) = (ctx.len(), ctx.load::<u32>(0), TABLES.read(0)) else {
        return XdpAction::Aborted;
    };
    let used = &t.keys[..t.keys.len().min(t.n as usize)];
    let at = used.iter().position(|&k| k == key).map_or(-1, |i| i as i32);
    ctx.store(4, &at)
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(map_find);
