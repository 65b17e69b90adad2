//! Sums bytes `off..off + n` of the 64-byte record the packet names
//! (record in byte 0, `off` in byte 1, `n` in byte 2), into bytes 4..8;
//! `XDP_DROP` if the window passes the record's end or there is no such
//! record.

use rax::{ArrayMap, XdpAction, XdpContext};

rax::map!(static RECORDS: ArrayMap<[u8; 64], 16>);

fn window_sum(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some([id, off, n])) = (ctx.len(), ctx.load::<[u8; 3]>(0)) else {
        return XdpAction::Aborted;
    };
    let (off, n) = (usize::from(off), usize::from(n));
    let Some(record) = RECORDS.read(u32::from(id)) else {
        return XdpAction::Drop;
    };
    let Some(window) = record.get(off..off + n) else {
        return XdpAction::Drop;
    };
    let sum: u32 = window.iter().map(|&b| u32::from(b)).sum();
    ctx.store(4, &sum)
        .map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(window_sum);
