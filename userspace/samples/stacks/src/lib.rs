#![no_std]
#![forbid(unsafe_code)]
//! Where programs run: each invocation on the Rax stack of its nesting
//! depth on its CPU.
//!
//! Map `SEEN` (array, 9 x u64): 0, the address of a local variable of the
//! XDP entry's last run; 1, the same for the kprobe entry; 2, the number of
//! kprobe entry runs; 3, the kprobe entry's runs while the XDP entry was
//! running on the same CPU (it sets `SEEN[3]`'s high bit around the call);
//! 4, the depth the last recursion (mode 2) reached; 5, the NMI entry's
//! runs; 6, the address of a local variable of its last run; 7, its runs
//! while the XDP entry was waiting in mode 3; 8, the NMI entry's runs for
//! any record, handled or not.
//!
//! Entry 0, `rax_entry_stacks_xdp` (XDP), by packet byte 0:
//! * 0: records the address of a local in `SEEN[0]` and calls
//!   looks up `PROBED` (the kprobe entry is attached, in the selftest, to
//!   `htab_map_lookup_elem`, which the lookup helper calls). Passes.
//! * 1: prints "stacks: printing from a Rax stack" to the trace pipe. Passes.
//! * 2: recurses through `rax::recurse` as deep as packet bytes 1 to 4 say
//!   (a little-endian u32; 0 if the packet is shorter), with a 64-byte
//!   array in each frame, and stores the depth reached in `SEEN[4]`.
//!   Passes; a recursion deeper than the stack allows is stopped by the
//!   kernel (the program returns `Aborted`).
//! * 3: records the address of a local in `SEEN[0]`, sets `SEEN[3]`'s high
//!   bit and waits until an NMI program (userspace/samples/nmi) has counted
//!   one more NMI in `SEEN[5]`. Passes; if no NMI comes, the kernel stops
//!   it at its budget (`Aborted`).
//! * any other, or an empty packet: drops.
//!
//! Entry 1, `rax_entry_stacks_kprobe` (kprobe): records the address of a
//! local in `SEEN[1]` and counts in `SEEN[2]`.
//!
//! The NMI entry is in another object (userspace/samples/nmi) that shares
//! this map: it reads its tracepoint record with `probe_read_kernel`,
//! which XDP programs may not import.

use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, HashMap, KprobeContext, XdpAction, XdpContext};

rax::map!(static SEEN: ArrayMap<AtomicU64, 9>);
/// Looked up once by mode 0 only: the selftest's kprobe entry runs inside
/// that lookup (on `htab_map_lookup_elem`, which the helper calls).
rax::map!(static PROBED: HashMap<u32, u64, 1>);

const NESTED: u64 = 1 << 63;

/// The address of a local variable: where this function's frame is.
#[inline(never)]
fn frame_address() -> u64 {
    let local = black_box(0u64);
    black_box(&local as *const u64 as usize) as u64
}

fn store(slot: u32, value: u64) {
    if let Some(v) = SEEN.get(slot) {
        v.store(value, Ordering::Relaxed);
    }
}

fn load(slot: u32) -> u64 {
    SEEN.get(slot).map_or(0, |v| v.load(Ordering::Relaxed))
}

/// `n` levels of recursion, each with a frame of at least 64 bytes.
fn depth(n: u32) -> u32 {
    let frame = black_box([0u8; 64]);
    if n == 0 {
        return u32::from(frame[0]);
    }
    let below = rax::recurse(|| depth(n - 1));
    below + 1 + u32::from(black_box(frame)[63])
}

fn stacks_xdp(ctx: &mut XdpContext) -> XdpAction {
    match ctx.data().first() {
        Some(0) => {
            store(0, frame_address());
            if let Some(v) = SEEN.get(3) {
                v.fetch_or(NESTED, Ordering::Relaxed);
            }
            black_box(PROBED.read(&0));
            if let Some(v) = SEEN.get(3) {
                v.fetch_and(!NESTED, Ordering::Relaxed);
            }
            XdpAction::Pass
        }
        Some(1) => {
            rax::println!("stacks: printing from a Rax stack");
            XdpAction::Pass
        }
        Some(2) => {
            let n = ctx.load::<[u8; 4]>(1).map_or(0, u32::from_le_bytes);
            store(4, u64::from(depth(n)));
            XdpAction::Pass
        }
        Some(3) => {
            let nmis = load(5);
            store(0, frame_address());
            if let Some(v) = SEEN.get(3) {
                v.fetch_or(NESTED, Ordering::Relaxed);
            }
            while load(5) == nmis {
                core::hint::spin_loop();
            }
            if let Some(v) = SEEN.get(3) {
                v.fetch_and(!NESTED, Ordering::Relaxed);
            }
            XdpAction::Pass
        }
        _ => XdpAction::Drop,
    }
}
rax::xdp!(stacks_xdp);

fn stacks_kprobe(_ctx: &KprobeContext) -> u32 {
    store(1, frame_address());
    if let Some(v) = SEEN.get(2) {
        v.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(v) = SEEN.get(3) {
        if v.load(Ordering::Relaxed) & NESTED != 0 {
            v.fetch_add(1, Ordering::Relaxed);
        }
    }
    0
}
rax::kprobe!(stacks_kprobe);
