#![no_std]
#![forbid(unsafe_code)]
//! An error while a lock is held: the program takes a map value's spin
//! lock, counts the run, and on an error panics with the lock still held;
//! the kernel's cleanup releases it (the micro benchmark of the Rex
//! paper: what cleaning up costs). Its eBPF twin, which cannot stop with
//! a lock held, unlocks and returns `XDP_ABORTED` on the error path:
//! `tools/testing/selftests/rax/twins/spinlock_cleanup.bpf.c`.
//!
//! Map: `STATE` (array, 1 x `Locked<`[`Counts`]`>`).
//!
//! Entry `rax_entry_spinlock_cleanup` (XDP). Packet byte 0: 0 counts a
//! run and passes; 1 counts a run and an error, then panics under the
//! lock (the verdict is `XDP_ABORTED`); an empty packet passes untouched.

use rax::{ArrayMap, Locked, XdpAction, XdpContext};

rax::pod! {
    /// What the runs left behind.
    #[derive(Clone, Copy)]
    pub struct Counts {
        /// Runs that took the lock.
        pub runs: u64,
        /// Of them, runs that failed under it.
        pub errors: u64,
    }
}

rax::map!(static STATE: ArrayMap<Locked<Counts>, 1>);

fn spinlock_cleanup(ctx: &mut XdpContext) -> XdpAction {
    let Some(&mode) = ctx.data().first() else {
        return XdpAction::Pass;
    };
    let Some(state) = STATE.get(0) else {
        return XdpAction::Aborted;
    };
    let mut counts = state.lock();
    counts.runs += 1;
    if mode == 1 {
        counts.errors += 1;
        panic!("an error under the lock");
    }
    XdpAction::Pass
}
rax::xdp!(spinlock_cleanup);
