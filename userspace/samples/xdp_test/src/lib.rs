#![no_std]
#![forbid(unsafe_code)]
//! The XDP packet helpers, one per packet: the byte after the Ethernet
//! header (offset 14) picks what to do, the next one (15) is its
//! argument. Its eBPF twin is
//! `tools/testing/selftests/rax/twins/xdp_test.bpf.c`.
//!
//! * 0: pushes `arg` bytes in front of the packet (`adjust_head`), fills
//!   them with `0xab` and moves the Ethernet header to the new front; `XDP_TX`.
//! * 1: pops `arg` bytes off the front; `XDP_PASS`.
//! * 2: grows (`arg` < 128) or cuts (`arg - 256` bytes) the tail
//!   (`adjust_tail`); the new bytes are zeroed; `XDP_PASS`.
//! * 3: makes 8 bytes of metadata (`adjust_meta`), writes a counter there,
//!   reads it back and stores it at offset 16; `XDP_PASS`.
//! * 4: redirects to device `arg`; what the helper says.
//! * 5: redirects through slot `arg` of `DEVS`, `XDP_PASS` if it is empty.
//! * 6: the checksum difference from the 4 bytes at 16 to the 4 at 20,
//!   then that of adding the 4 at 20 again (from nothing), stored at 24;
//!   `XDP_PASS`.
//! * 7: sends it to the CPU in slot `arg` of `CPUS` (`XDP_PASS` if empty),
//!   where the kernel builds its `sk_buff`.
//!
//! A helper that fails: `XDP_DROP`. Maps: `DEVS` (devmap, 4 slots),
//! `CPUS` (cpumap, 4 slots), `COUNTER` (array, 1 x u64).
//!
//! Entry `rax_entry_xdp_test` (XDP).

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, CpuMap, DevMap, XdpAction, XdpContext};

rax::map!(static DEVS: DevMap<4>);
rax::map!(static CPUS: CpuMap<4>);
rax::map!(static COUNTER: ArrayMap<AtomicU64, 1>);

const ETH_HLEN: usize = 14;

fn push_front(ctx: &mut XdpContext, n: usize) -> Option<()> {
    ctx.adjust_head(-(n as i32)).ok()?;
    let data = ctx.data_mut();
    // The old Ethernet header is now at `n`: move it to the front.
    data.copy_within(n..n + ETH_HLEN, 0);
    data.get_mut(ETH_HLEN..ETH_HLEN + n)?.fill(0xab);
    Some(())
}

fn grow_tail(ctx: &mut XdpContext, arg: u8) -> Option<()> {
    let delta = if arg < 128 {
        i32::from(arg)
    } else {
        i32::from(arg) - 256
    };
    let old = ctx.len();
    ctx.adjust_tail(delta).ok()?;
    if delta > 0 {
        ctx.data_mut().get_mut(old..)?.fill(0);
    }
    Some(())
}

fn meta(ctx: &mut XdpContext) -> Option<()> {
    ctx.adjust_meta(-8).ok()?;
    let n = COUNTER.get(0)?.fetch_add(1, Ordering::Relaxed) + 1;
    ctx.meta_mut()
        .get_mut(..8)?
        .copy_from_slice(&n.to_le_bytes());
    let back: [u8; 8] = ctx.meta().get(..8)?.try_into().ok()?;
    ctx.store(16, &back)
}

fn csum(ctx: &mut XdpContext) -> Option<()> {
    let from: [u8; 4] = ctx.load(16)?;
    let to: [u8; 4] = ctx.load(20)?;
    let d = rax::csum_diff(&from, &to, 0).ok()?;
    // Nothing taken away: an empty slice, whose pointer is dangling.
    let d = rax::csum_diff(&[], &to, d).ok()?;
    ctx.store(24, &d)
}

fn xdp_test(ctx: &mut XdpContext) -> XdpAction {
    let (Some(op), Some(arg)) = (ctx.load::<u8>(ETH_HLEN), ctx.load::<u8>(ETH_HLEN + 1)) else {
        return XdpAction::Aborted;
    };
    let done = match op {
        0 => return push_front(ctx, usize::from(arg)).map_or(XdpAction::Drop, |()| XdpAction::Tx),
        1 => ctx.adjust_head(i32::from(arg)).ok(),
        2 => grow_tail(ctx, arg),
        3 => meta(ctx),
        4 => return ctx.redirect(u32::from(arg)),
        5 => return ctx.redirect_map(&DEVS, u32::from(arg), XdpAction::Pass),
        6 => csum(ctx),
        7 => return ctx.redirect_map(&CPUS, u32::from(arg), XdpAction::Pass),
        _ => return XdpAction::Aborted,
    };
    match done {
        Some(()) => XdpAction::Pass,
        None => XdpAction::Drop,
    }
}
rax::xdp!(xdp_test);
