#![no_std]
#![forbid(unsafe_code)]
//! 64 map helper calls per run: the run-time benchmark (rax_run_bench)
//! compares it with its eBPF twin to measure what a Rax helper call costs
//! beyond the helper itself (the kernel's checks of the arguments a
//! program passes: the map definition, the key, the value).
//!
//! Map `TABLE` (hash, u32 -> u64, 64 entries). For each key 0 to 31,
//! stores the packet's length (`update`) and reads it back (`read`); drops
//! the packet if a read does not give it back, else passes.
//!
//! Entry: `rax_entry_helper_calls` (XDP).

use rax::maps::BPF_ANY;
use rax::{HashMap, XdpAction, XdpContext};

rax::map!(static TABLE: HashMap<u32, u64, 64>);

/// Keys per run: each is one update and one lookup.
const KEYS: u32 = 32;

fn helper_calls(ctx: &mut XdpContext) -> XdpAction {
    let len = ctx.len() as u64;
    for key in 0..KEYS {
        if TABLE.update(&key, &len, BPF_ANY).is_err() || TABLE.read(&key) != Some(len) {
            return XdpAction::Drop;
        }
    }
    XdpAction::Pass
}
rax::xdp!(helper_calls);
