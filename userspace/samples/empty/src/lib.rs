#![no_std]
#![forbid(unsafe_code)]
//! The smallest XDP program: passes every packet. The run-time benchmark
//! (rax_run_bench) compares it with its eBPF twin, `r0 = XDP_PASS; exit`,
//! to measure what running a Rax program costs beyond the program itself.
//!
//! Entry: `rax_entry_empty` (XDP).

use rax::{XdpAction, XdpContext};

fn empty(_ctx: &mut XdpContext) -> XdpAction {
    XdpAction::Pass
}
rax::xdp!(empty);
