#![no_std]
#![forbid(unsafe_code)]
//! Programs that run until the kernel stops them: the termination
//! selftests' endless loops, one entry per program type.
//!
//! Map `CTL` (array, 3 x u64): 0, when non-zero every entry loops until
//! it is set back to 0 (which never happens while it runs on the only
//! CPU that could) or until the kernel stops it; 1, the runs that
//! started; 2, the runs that returned normally.
//!
//! Entries: `rax_entry_spin_xdp` (XDP, returns `Pass`),
//! `rax_entry_spin_kprobe` (kprobe), `rax_entry_spin_tracepoint`
//! (tracepoint), `rax_entry_spin_perf_event` (perf_event); the tracing
//! entries return 0. A stopped run returns its type's default verdict
//! instead (`Aborted` for XDP).

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, KprobeContext, PerfEventContext, TracepointContext, XdpAction, XdpContext};

rax::map!(static CTL: ArrayMap<AtomicU64, 3>);

/// Counts the run, loops while `CTL[0]` is set, counts the return.
fn spin() {
    let (Some(on), Some(started), Some(returned)) = (CTL.get(0), CTL.get(1), CTL.get(2)) else {
        return;
    };
    started.fetch_add(1, Ordering::Relaxed);
    while on.load(Ordering::Relaxed) != 0 {
        core::hint::spin_loop();
    }
    returned.fetch_add(1, Ordering::Relaxed);
}

fn spin_xdp(_ctx: &mut XdpContext) -> XdpAction {
    spin();
    XdpAction::Pass
}
rax::xdp!(spin_xdp);

fn spin_kprobe(_ctx: &KprobeContext) -> u32 {
    spin();
    0
}
rax::kprobe!(spin_kprobe);

fn spin_tracepoint(_ctx: &TracepointContext) -> u32 {
    spin();
    0
}
rax::tracepoint!(spin_tracepoint);

fn spin_perf_event(_ctx: &PerfEventContext) -> u32 {
    spin();
    0
}
rax::perf_event!(spin_perf_event);
