#![no_std]
#![forbid(unsafe_code)]
//! An XDP program that calls helpers while it holds a map value's spin
//! lock, as safe Rust allows: the kernel lets through only the helpers
//! that take no lock (as the verifier allows eBPF only the unlock) and
//! stops the program at any other, releasing the lock.
//!
//! Maps: `LOCKS` (array, 1 x `Locked<u64>`), `TABLE` (hash, u32 -> u64,
//! 16 entries), `EVENTS` (ring buffer, 4096 bytes), `WORK` (queue, 4 x
//! u64).
//!
//! Entry `rax_entry_locked_calls` (XDP). Packet byte 0 picks what it does
//! under `LOCKS[0]`'s lock; an empty packet passes untouched:
//! * 0: looks `LOCKS[0]` and `TABLE[1]` up, reads the clocks, the
//!   jiffies, a random number, the CPU and its NUMA node, and adds 1 to
//!   the locked value. Passes.
//! * 1: updates `TABLE[1]`: stopped.
//! * 2: deletes `TABLE[1]`: stopped.
//! * 3: prints to the trace pipe: stopped.
//! * 4: reserves a ring buffer record: stopped.
//! * 5: submits, under the lock, a record reserved before it: stopped.
//! * 6: discards, under the lock, a record reserved before it: stopped.
//! * 7: copies a record into the ring buffer: stopped.
//! * 8, 9, 10: pushes onto, pops from, peeks at `WORK` (each takes the
//!   queue's own lock): stopped.
//! * any other: drops.
//!
//! A stopped run returns `Aborted`; the lock is free again afterwards
//! (mode 0 takes it on the next run).

use rax::{ArrayMap, HashMap, Locked, Queue, RingBuf, XdpAction, XdpContext};

rax::map!(static LOCKS: ArrayMap<Locked<u64>, 1>);
rax::map!(static TABLE: HashMap<u32, u64, 16>);
rax::map!(static EVENTS: RingBuf<4096>);
rax::map!(static WORK: Queue<u64, 4>);

fn locked_calls(ctx: &mut XdpContext) -> XdpAction {
    let Some(&mode) = ctx.data().first() else {
        return XdpAction::Pass;
    };
    let Some(slot) = LOCKS.get(0) else {
        return XdpAction::Aborted;
    };
    // Reserved before the lock is taken, for modes 5 and 6.
    let early = if mode == 5 || mode == 6 {
        EVENTS.reserve::<u64>()
    } else {
        None
    };
    let mut guard = slot.lock();
    match mode {
        0 => {
            let mut sum = TABLE.read(&1).unwrap_or(0);
            sum = sum.wrapping_add(rax::ktime_get_ns() & 1);
            sum = sum.wrapping_add(rax::ktime_get_boot_ns() & 1);
            sum = sum.wrapping_add(u64::from(rax::prandom_u32() & 1));
            sum = sum.wrapping_add(u64::from(rax::smp_processor_id() & 1));
            sum = sum.wrapping_add(rax::jiffies64() & 1);
            sum = sum.wrapping_add(u64::from(rax::numa_node_id() & 1));
            core::hint::black_box(sum);
            *guard = guard.wrapping_add(1);
            XdpAction::Pass
        }
        1 => {
            let _ = TABLE.update(&1, &7, 0);
            XdpAction::Pass
        }
        2 => {
            let _ = TABLE.delete(&1);
            XdpAction::Pass
        }
        3 => {
            rax::println!("locked_calls: printing under a lock");
            XdpAction::Pass
        }
        4 => {
            if let Some(mut rec) = EVENTS.reserve::<u64>() {
                *rec = *guard;
                rec.submit();
            }
            XdpAction::Pass
        }
        5 => {
            if let Some(mut rec) = early {
                *rec = *guard;
                rec.submit();
            }
            XdpAction::Pass
        }
        6 => {
            if let Some(rec) = early {
                rec.discard();
            }
            XdpAction::Pass
        }
        7 => {
            let v: u64 = *guard;
            let _ = EVENTS.output(&v);
            XdpAction::Pass
        }
        8 => {
            let _ = WORK.push(&1);
            XdpAction::Pass
        }
        9 => {
            let _ = WORK.pop();
            XdpAction::Pass
        }
        10 => {
            let _ = WORK.peek();
            XdpAction::Pass
        }
        _ => XdpAction::Drop,
    }
}
rax::xdp!(locked_calls);
