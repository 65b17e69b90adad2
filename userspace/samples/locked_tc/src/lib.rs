#![no_std]
#![forbid(unsafe_code)]
//! A tc program that calls the tc helpers while it holds a map value's
//! spin lock, as safe Rust allows: asking for the packet writable
//! allocates and sending a clone transmits with interrupts enabled again,
//! so the kernel stops the program at either, releasing the lock (the
//! verifier allows eBPF only the unlock there).
//!
//! Map: `LOCKS` (array, 1 x `Locked<u64>`).
//!
//! Entry `rax_entry_locked_tc` (tc). Packet byte 0 picks what it does under
//! `LOCKS[0]`'s lock; an empty packet passes untouched:
//! * 0: sums the packet's bytes and adds 1 to the locked value. `Ok`.
//! * 1: asks for the packet writable (`data_mut`): stopped.
//! * 2: sends a clone of the packet to ifindex 1: stopped.
//! * any other: `Shot`.

use rax::{ArrayMap, Locked, TcAction, TcContext};

rax::map!(static LOCKS: ArrayMap<Locked<u64>, 1>);

fn locked_tc(ctx: &mut TcContext) -> TcAction {
    let Some(&mode) = ctx.data().first() else {
        return TcAction::Ok;
    };
    let Some(slot) = LOCKS.get(0) else {
        return TcAction::Shot;
    };
    let mut guard = slot.lock();
    match mode {
        0 => {
            let sum: u64 = ctx.data().iter().map(|&b| u64::from(b)).sum();
            core::hint::black_box(sum);
            *guard = guard.wrapping_add(1);
            TcAction::Ok
        }
        1 => {
            if let Some(b) = ctx.data_mut().first_mut() {
                *b = 0xff;
            }
            TcAction::Ok
        }
        2 => {
            let _ = ctx.clone_redirect(1, false);
            TcAction::Ok
        }
        _ => TcAction::Shot,
    }
}
rax::tc!(locked_tc);
