#![no_std]
#![forbid(unsafe_code)]
//! A program for the `nmi:nmi_handler` tracepoint, which runs in NMI
//! context after each NMI handler: it counts the NMIs a handler handled
//! and where its frame was, in the map of userspace/samples/stacks, whose
//! XDP entry (mode 3) waits for it.
//!
//! Map `SEEN` (array, 9 x u64, the definition of the stacks sample): every
//! run is counted in `SEEN[8]` (the tracepoint fires once per registered
//! NMI handler per NMI); for each record whose `handled` field is not 0, the address of a local
//! variable goes to `SEEN[6]`; the run is counted in `SEEN[7]` when the
//! stacks sample's XDP entry is running on the same CPU (the high bit of
//! `SEEN[3]` is set), then in `SEEN[5]`.
//!
//! Entry: `rax_entry_nmi_handler` (tracepoint), returns 0.

use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, TracepointContext};

rax::map!(static SEEN: ArrayMap<AtomicU64, 9>);

/// Offset of `handled` (`int`) in the `nmi:nmi_handler` record (see its
/// `format` file in tracefs).
const HANDLED_OFFSET: usize = 24;

/// The high bit of `SEEN[3]`: the stacks sample's XDP entry is running.
const NESTED: u64 = 1 << 63;

/// The address of a local variable: where this function's frame is.
#[inline(never)]
fn frame_address() -> u64 {
    let local = black_box(0u64);
    black_box(&local as *const u64 as usize) as u64
}

fn nmi_handler(ctx: &TracepointContext) -> u32 {
    if let Some(all) = SEEN.get(8) {
        all.fetch_add(1, Ordering::Relaxed);
    }
    if ctx.load::<i32>(HANDLED_OFFSET).unwrap_or(0) == 0 {
        return 0;
    }
    let (Some(nested), Some(runs), Some(frame), Some(in_xdp)) =
        (SEEN.get(3), SEEN.get(5), SEEN.get(6), SEEN.get(7))
    else {
        return 0;
    };
    frame.store(frame_address(), Ordering::Relaxed);
    if nested.load(Ordering::Relaxed) & NESTED != 0 {
        in_xdp.fetch_add(1, Ordering::Relaxed);
    }
    runs.fetch_add(1, Ordering::Relaxed);
    0
}
// Reads `handled`, an int at offset 24 of an nmi:nmi_handler record.
rax::tracepoint!(nmi_handler, record = 28);
