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
//! * 0: sums the packet's bytes, copies 4 of them (`load_bytes`), sets
//!   the mark, the priority, the classid and tc_index (none of them takes
//!   a lock), and adds 1 to the locked value. `Ok`.
//! * 1: asks for the packet writable (`data_mut`): stopped.
//! * 2: sends a clone of the packet to ifindex 1: stopped.
//! * 3: writes bytes (`store_bytes`), 4: fixes an L3 checksum, 5: an L4
//!   checksum, 6: grows the packet (`change_tail`), 7: redirects it, 8:
//!   looks a route up (`fib_lookup`): each stopped.
//! * any other: `Shot`.

use rax::{ArrayMap, FibLookup, Locked, TcAction, TcContext};

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
            let mut four = [0u8; 4];
            let _ = ctx.load_bytes(0, &mut four);
            core::hint::black_box(four);
            ctx.set_mark(7);
            ctx.set_priority(3);
            ctx.set_classid(0x10001);
            ctx.set_tc_index(5);
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
        3 => {
            let _ = ctx.store_bytes(1, &[1, 2], 0);
            TcAction::Ok
        }
        4 => {
            let _ = ctx.l3_csum_replace(2, 0, 1, 2);
            TcAction::Ok
        }
        5 => {
            let _ = ctx.l4_csum_replace(2, 0, 1, 2);
            TcAction::Ok
        }
        6 => {
            let _ = ctx.change_tail(100);
            TcAction::Ok
        }
        7 => ctx.redirect(1, false),
        8 => {
            let mut params = FibLookup {
                family: rax::helpers::AF_INET,
                l4_protocol: 0,
                sport: 0,
                dport: 0,
                tot_len: 0,
                ifindex: 1,
                flowinfo: 0,
                src: [0; 4],
                dst: [0; 4],
                vlan_proto: 0,
                vlan_tci: 0,
                macs: [0; 12],
            };
            let _ = ctx.fib_lookup(&mut params, 0);
            TcAction::Ok
        }
        _ => TcAction::Shot,
    }
}
rax::tc!(locked_tc);
