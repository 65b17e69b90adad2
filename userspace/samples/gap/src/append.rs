//! Appends byte 1's count of payload bytes (from byte 8) to the log (one
//! of 4 in a map) byte 0 names, if they fit in its 252 bytes: the log's
//! first 4 bytes and its new length into bytes 0..8; `XDP_DROP` if they do
//! not fit or the packet is shorter.

use core::sync::atomic::{AtomicU8, AtomicU32, Ordering::Relaxed};
use rax::{ArrayMap, XdpAction, XdpContext};

rax::pod! {
    /// A log: its length, its bytes.
    pub struct Log {
        /// Bytes in use.
        pub len: AtomicU32,
        /// The bytes.
        pub buf: [AtomicU8; 252],
    }
}

rax::map!(static LOGS: ArrayMap<Log, 4>);

fn append(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some([id, n])) = (ctx.len(), ctx.load::<[u8; 2]>(0)) else {
        return XdpAction::Aborted;
    };
    let Some(log) = LOGS.get(u32::from(id)) else {
        return XdpAction::Drop;
    };
    let (len, n) = (log.len.load(Relaxed) as usize, usize::from(n));
    let (Some(dst), Some(src)) = (log.buf.get(len..len + n), ctx.data().get(8..8 + n)) else {
        return XdpAction::Drop;
    };
    for (d, &s) in dst.iter().zip(src) {
        d.store(s, Relaxed);
    }
    log.len.store((len + n) as u32, Relaxed);
    let head = u32::from_le_bytes([0, 1, 2, 3].map(|i| log.buf[i].load(Relaxed)));
    crate::out(ctx, head, (len + n) as u32)
}
rax::xdp!(append);
