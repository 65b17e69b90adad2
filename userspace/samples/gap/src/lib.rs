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

mod append;
mod ber_walk;
mod big_stack;
mod csum_len;
mod deep_calls;
mod dfa;
mod dns_qname;
mod ipv4_csum;
mod ipv6_ext;
mod list_walk;
mod lock_global;
mod lock_lookup;
mod map_find;
mod pkt32;
mod pkt_len_check;
mod pow2_ring;
mod rule_table;
mod spill;
mod stack_chain;
mod str_search;
mod tlv_sum;
mod trailer;
mod trailer_len;
mod varint;
mod vlan_o0;
mod window_sum;

/// Writes `a` and `b` over the packet's first 8 bytes: `XDP_TX`, or
/// `XDP_ABORTED` if the packet is shorter.
fn out(ctx: &mut XdpContext, a: u32, b: u32) -> XdpAction {
    match ctx.store(0, &[a, b]) {
        Some(()) => XdpAction::Tx,
        None => XdpAction::Aborted,
    }
}
