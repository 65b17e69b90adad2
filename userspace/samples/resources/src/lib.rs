#![no_std]
#![forbid(unsafe_code)]
//! An XDP program that exercises the kernel's per-invocation cleanup log:
//! a spin lock in a map value and records reserved in a ring buffer, both
//! released normally, by a panic, or by a return that leaked them. Byte 0
//! of the packet selects what it does (the mode).
//!
//! Maps:
//! * `STATS` (array, 1 x `Locked<Stats>`, 24 bytes): the lock (a
//!   `bpf_spin_lock` at offset 0, so the map has `RAX_MAP_SPIN_LOCK` and
//!   `spin_lock_off` 0), 4 unused bytes, then `Stats`: `packets` (u64 at
//!   offset 8) and `bytes` (u64 at offset 16), plain fields changed in
//!   place under the lock by mode 0.
//! * `EVENTS` (ring buffer, 4096 bytes): `Event` records of 16 bytes: `len`
//!   (u32, the packet length), `mode` (u32, packet byte 0) and `tag` (u64,
//!   packet bytes 8..16 read as little-endian, 0 if the packet is shorter
//!   than 16 bytes).
//!
//! Entry `rax_entry_resources` (XDP). A packet of 0 bytes passes untouched;
//! otherwise, by mode:
//! * 0: under `STATS[0]`'s lock, adds 1 to `packets` and the length to
//!   `bytes`; after unlocking, reserves an `Event`, fills it and submits it
//!   (nothing if the ring buffer is full). Passes.
//! * 1: reserves an `Event`, fills it and discards it. Passes.
//! * 2: copies an `Event` into `EVENTS` (`output`). Passes.
//! * 3: reserves an `Event` and fills it, takes `STATS[0]`'s lock, then
//!   panics with both held: the kernel discards the record and unlocks.
//! * 4: reserves an `Event` and fills it, takes `STATS[0]`'s lock, leaks both
//!   (`core::mem::forget`) and returns `Pass`: the kernel discards the
//!   record and unlocks at return, and treats it like a panic.
//! * 5: takes `STATS[0]`'s lock, then takes it again while holding it: the
//!   kernel stops the program (and unlocks).
//! * 6: calls one of two functions through a table of function pointers
//!   (an indirect call, through the kernel's retpoline thunk) with the
//!   packet length: byte 1 of the packet picks `double` (0) or `triple`
//!   (1). Passes if the result is twice the length, else drops.
//! * any other: drops the packet.
//!
//! Modes 0 and 3 to 5 return `Aborted` if `STATS[0]` cannot be looked up
//! (which does not happen: the array has one entry).

use rax::{ArrayMap, Locked, RingBuf, XdpAction, XdpContext};

rax::pod! {
    pub struct Stats {
        pub packets: u64,
        pub bytes: u64,
    }
}

rax::pod! {
    #[derive(Clone, Copy)]
    pub struct Event {
        pub len: u32,
        pub mode: u32,
        pub tag: u64,
    }
}

rax::map!(static STATS: ArrayMap<Locked<Stats>, 1>);
rax::map!(static EVENTS: RingBuf<4096>);

fn double(x: u32) -> u32 {
    x.wrapping_mul(2)
}

fn triple(x: u32) -> u32 {
    x.wrapping_mul(3)
}

/// The event describing this packet.
fn event(ctx: &XdpContext, mode: u8) -> Event {
    Event {
        len: ctx.len() as u32,
        mode: u32::from(mode),
        tag: ctx.load::<[u8; 8]>(8).map_or(0, u64::from_le_bytes),
    }
}

fn resources(ctx: &mut XdpContext) -> XdpAction {
    let Some(&mode) = ctx.data().first() else {
        return XdpAction::Pass;
    };
    let ev = event(ctx, mode);
    match mode {
        0 => {
            let Some(stats) = STATS.get(0) else {
                return XdpAction::Aborted;
            };
            {
                let mut st = stats.lock();
                st.packets = st.packets.wrapping_add(1);
                st.bytes = st.bytes.wrapping_add(u64::from(ev.len));
            }
            if let Some(mut entry) = EVENTS.reserve::<Event>() {
                *entry = ev;
                entry.submit();
            }
            XdpAction::Pass
        }
        1 => {
            if let Some(mut entry) = EVENTS.reserve::<Event>() {
                *entry = ev;
                entry.discard();
            }
            XdpAction::Pass
        }
        2 => {
            let _ = EVENTS.output(&ev);
            XdpAction::Pass
        }
        3 => {
            let Some(stats) = STATS.get(0) else {
                return XdpAction::Aborted;
            };
            let mut entry = EVENTS.reserve::<Event>();
            if let Some(entry) = entry.as_mut() {
                **entry = ev;
            }
            let _guard = stats.lock();
            panic!("resources: mode 3");
        }
        4 => {
            let Some(stats) = STATS.get(0) else {
                return XdpAction::Aborted;
            };
            let mut entry = EVENTS.reserve::<Event>();
            if let Some(entry) = entry.as_mut() {
                **entry = ev;
            }
            let guard = stats.lock();
            core::mem::forget(guard);
            core::mem::forget(entry);
            XdpAction::Pass
        }
        5 => {
            let Some(stats) = STATS.get(0) else {
                return XdpAction::Aborted;
            };
            let _first = stats.lock();
            let _second = stats.lock();
            XdpAction::Pass
        }
        6 => {
            // black_box keeps the table in memory, so the call stays
            // indirect.
            let ops: [fn(u32) -> u32; 2] = core::hint::black_box([double, triple]);
            let pick = usize::from(ctx.data().get(1).copied().unwrap_or(0) & 1);
            if ops[pick](ev.len) == ev.len.wrapping_mul(2) {
                XdpAction::Pass
            } else {
                XdpAction::Drop
            }
        }
        _ => XdpAction::Drop,
    }
}
rax::xdp!(resources);
