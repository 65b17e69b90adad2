#![no_std]
#![forbid(unsafe_code)]
//! The smallest XDP program that runs through `rax_run()`: it passes every
//! packet, and would panic on one longer than 1 MiB, which no device
//! makes. The panic path imports `rax_throw`, so the kernel does not run
//! it bare as it runs the `empty` sample (Documentation/rax/run.rst): the
//! run-time benchmark (`rax_perf`) compares both with their eBPF twin,
//! `r0 = XDP_PASS; exit`, to measure what the frame, the Rax stack and the
//! budget cost a run, and takes its runs as the base of a panic's cost.
//!
//! Entry: `rax_entry_empty_run` (XDP).

use rax::{XdpAction, XdpContext};

fn empty_run(ctx: &mut XdpContext) -> XdpAction {
    if ctx.data().len() > 1 << 20 {
        panic!("a frame longer than 1 MiB");
    }
    XdpAction::Pass
}
rax::xdp!(empty_run);
