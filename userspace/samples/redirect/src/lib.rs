#![no_std]
#![forbid(unsafe_code)]
//! A tc program that sends a clone of a packet out of a device whose tc
//! egress runs the same program, nested: on the next Rax stack.
//!
//! Only frames with the local experimental ethertype 0x88b5 are handled;
//! every other frame passes untouched.
//!
//! * On ingress, a frame whose bytes 14 to 17 hold an ifindex (a
//!   little-endian u32) is cloned to that device's egress with
//!   `clone_redirect`. The program records the address of a local in
//!   `NEST[0]` and sets `NEST[6]` around the call, stores the call's errno
//!   (0 on success) in `NEST[5]`, and then reads the ethertype again (the
//!   kernel may have moved the data): passes if it is still 0x88b5 and
//!   counts that in `NEST[7]`, else drops.
//! * On egress, it records the address of a local in `NEST[1]`, counts in
//!   `NEST[3]`, and in `NEST[4]` when `NEST[6]` was set (it ran inside the
//!   ingress program's `clone_redirect`). Drops the clone.
//!
//! `NEST[2]` counts the ingress runs.
//!
//! When byte 18 of an ingress frame is 1, the program takes the spin lock
//! of `GUARDED[0]` before the call: the kernel refuses a packet sent under
//! a spin lock (interrupts are off there) and stops the program, releasing
//! the lock; the frame is dropped.
//!
//! Entry: `rax_entry_redirect` (sched_cls).

use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, Locked, TcAction, TcContext};

rax::map!(static NEST: ArrayMap<AtomicU64, 8>);

rax::map!(static GUARDED: ArrayMap<Locked<u32>, 1>);

const ETHERTYPE: u16 = 0x88b5;

const OUTER_FRAME: u32 = 0;
const INNER_FRAME: u32 = 1;
const OUTER_RUNS: u32 = 2;
const INNER_RUNS: u32 = 3;
const INNER_NESTED: u32 = 4;
const REDIRECT_ERRNO: u32 = 5;
const IN_REDIRECT: u32 = 6;
const INTACT_AFTER: u32 = 7;

/// The address of a local variable: where this function's frame is.
#[inline(never)]
fn frame_address() -> u64 {
    let local = black_box(0u64);
    black_box(&local as *const u64 as usize) as u64
}

fn store(slot: u32, value: u64) {
    if let Some(v) = NEST.get(slot) {
        v.store(value, Ordering::Relaxed);
    }
}

fn load(slot: u32) -> u64 {
    NEST.get(slot).map_or(0, |v| v.load(Ordering::Relaxed))
}

fn bump(slot: u32) {
    if let Some(v) = NEST.get(slot) {
        v.fetch_add(1, Ordering::Relaxed);
    }
}

fn redirect(ctx: &mut TcContext) -> TcAction {
    if ctx.load::<u16>(12).map(u16::from_be) != Some(ETHERTYPE) {
        return TcAction::Ok;
    }
    if !ctx.is_ingress() {
        store(INNER_FRAME, frame_address());
        bump(INNER_RUNS);
        if load(IN_REDIRECT) != 0 {
            bump(INNER_NESTED);
        }
        return TcAction::Shot;
    }
    bump(OUTER_RUNS);
    let Some(ifindex) = ctx.load::<[u8; 4]>(14).map(u32::from_le_bytes) else {
        return TcAction::Ok;
    };
    store(OUTER_FRAME, frame_address());
    let _guard = if ctx.load::<u8>(18) == Some(1) {
        GUARDED.get(0).map(|g| g.lock())
    } else {
        None
    };
    store(IN_REDIRECT, 1);
    let errno = match ctx.clone_redirect(ifindex, false) {
        Ok(()) => 0,
        Err(e) => e.errno(),
    };
    store(IN_REDIRECT, 0);
    store(REDIRECT_ERRNO, errno as u64);
    if ctx.load::<u16>(12).map(u16::from_be) == Some(ETHERTYPE) {
        bump(INTACT_AFTER);
        TcAction::Ok
    } else {
        TcAction::Shot
    }
}
rax::tc!(redirect);
