#![no_std]
#![forbid(unsafe_code)]
//! Tracepoint programs for the performance suite (`rax_perf`): an empty
//! one, and one that panics holding none, one or two resources, to time
//! what a panic's cleanup costs by what it releases. A spin lock is for
//! networking programs only and a task reference for tracing programs
//! only (`kernel/rax/helpers.h`), so the panics holding a lock are the
//! XDP `resources` sample's.
//!
//! Maps:
//! * `MODE` (array, 1 x u32): what `rax_entry_panic_tp` does, written by
//!   userspace.
//! * `EVENTS` (ring buffer, 4096 bytes): the records reserved before a
//!   panic (never submitted: the kernel discards them).
//!
//! Entries:
//! * `rax_entry_empty_tp` (tracepoint): returns 0.
//! * `rax_entry_panic_tp` (tracepoint), by `MODE[0]`:
//!   0 returns 0; 1 panics; 2 reserves a record (16 bytes) and panics
//!   with it; 3 also takes a reference to the current task
//!   (`TaskRef::current`) and panics holding both; any other returns 1.

use rax::{ArrayMap, RingBuf, TaskRef, TracepointContext};

rax::pod! {
    #[derive(Clone, Copy)]
    pub struct Event {
        pub mode: u32,
        pub pad: u32,
        pub pid_tgid: u64,
    }
}

rax::map!(static MODE: ArrayMap<u32, 1>);
rax::map!(static EVENTS: RingBuf<4096>);

fn empty_tp(_ctx: &TracepointContext) -> u32 {
    0
}
rax::tracepoint!(empty_tp);

fn panic_tp(_ctx: &TracepointContext) -> u32 {
    let mode = MODE.read(0).unwrap_or(0);
    let ev = Event {
        mode,
        pad: 0,
        pid_tgid: rax::current_pid_tgid(),
    };
    match mode {
        0 => 0,
        1 => panic!("tp_bench: mode 1"),
        2 => {
            let mut entry = EVENTS.reserve::<Event>();
            if let Some(entry) = entry.as_mut() {
                **entry = ev;
            }
            panic!("tp_bench: mode 2");
        }
        3 => {
            let mut entry = EVENTS.reserve::<Event>();
            if let Some(entry) = entry.as_mut() {
                **entry = ev;
            }
            let _task = TaskRef::current();
            panic!("tp_bench: mode 3");
        }
        _ => 1,
    }
}
rax::tracepoint!(panic_tp);
