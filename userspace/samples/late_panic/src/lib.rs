#![no_std]
#![forbid(unsafe_code)]
//! A program that panics at the end of every run, after running for a
//! time the selftest chooses: the panic-limit selftests close its fd and
//! its attachment while a run is still going, so that the panic comes
//! after the last reference to the program was dropped.
//!
//! Map `CTL` (array, 2 x u64): 0, how long each run lasts before it
//! panics, in microseconds (0: it panics at once); 1, the runs that
//! started.
//!
//! Entries: `rax_entry_late_panic_tp` (tracepoint) and
//! `rax_entry_late_panic_xdp` (XDP). Neither ever returns normally.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, TracepointContext, XdpAction, XdpContext};

rax::map!(static CTL: ArrayMap<AtomicU64, 2>);

/// Counts the run, waits `CTL[0]` microseconds, panics.
fn late_panic() {
    if let (Some(us), Some(started)) = (CTL.get(0), CTL.get(1)) {
        started.fetch_add(1, Ordering::Relaxed);
        let end = rax::ktime_get_ns().saturating_add(us.load(Ordering::Relaxed) * 1000);
        while rax::ktime_get_ns() < end {
            core::hint::spin_loop();
        }
    }
    panic!("late_panic: the run's time is up");
}

fn late_panic_tp(_ctx: &TracepointContext) -> u32 {
    late_panic();
    0
}
rax::tracepoint!(late_panic_tp);

fn late_panic_xdp(_ctx: &mut XdpContext) -> XdpAction {
    late_panic();
    XdpAction::Pass
}
rax::xdp!(late_panic_xdp);
