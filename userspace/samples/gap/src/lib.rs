#![no_std]
#![forbid(unsafe_code)]
//! The Rax side of the verifier-gap corpus
//! (`tools/testing/selftests/rax/gap/`): each module is a small program a
//! kernel engineer would write, which the eBPF verifier rejects in C, here
//! as one would write it in Rust. Each is an XDP entry, `rax_entry_NAME`,
//! that reads its input from the packet and writes its result over the
//! packet's first 8 bytes, as its C version does; `rax_gap_test` compares
//! both with a reference in userspace.

use rax::{XdpAction, XdpContext};

mod big_stack;
mod deep_calls;
mod dns_qname;
mod pkt_len_check;
mod pow2_ring;
mod rule_table;
mod str_search;
mod tlv_sum;

/// Writes `a` and `b` over the packet's first 8 bytes: `XDP_TX`, or
/// `XDP_ABORTED` if the packet is shorter.
fn out(ctx: &mut XdpContext, a: u32, b: u32) -> XdpAction {
    match ctx.store(0, &[a, b]) {
        Some(()) => XdpAction::Tx,
        None => XdpAction::Aborted,
    }
}
