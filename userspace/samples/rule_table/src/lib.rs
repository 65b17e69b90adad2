#![no_std]
#![forbid(unsafe_code)]
//! A large XDP program for the load-time benchmark (rax_load_bench): 512
//! byte-match rules, unrolled at compile time. Rule `i` matches when byte
//! `i % 64` of the packet equals `(i * 37 + 11) & 0xff` and counts the
//! packet in `RULE_HITS[i]`. Every packet passes.
//!
//! Its eBPF twin in rax_load_bench.c checks the same rules in the same
//! order, one block of instructions per rule.
//!
//! Maps:
//! * `RULE_HITS` (array, 512 x u64): packets matched per rule.

use core::sync::atomic::{AtomicU64, Ordering};

use rax::{ArrayMap, XdpAction, XdpContext};

const RULES: u32 = 512;

rax::map!(static RULE_HITS: ArrayMap<AtomicU64, 512>);

#[inline(always)]
fn rule(ctx: &XdpContext, i: u32) {
    let offset = (i % 64) as usize;
    let want = ((i * 37 + 11) & 0xff) as u8;
    if ctx.load::<u8>(offset) == Some(want) {
        if let Some(n) = RULE_HITS.get(i) {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }
}

macro_rules! rules8 {
    ($ctx:ident, $b:expr) => {
        rule($ctx, $b);
        rule($ctx, $b + 1);
        rule($ctx, $b + 2);
        rule($ctx, $b + 3);
        rule($ctx, $b + 4);
        rule($ctx, $b + 5);
        rule($ctx, $b + 6);
        rule($ctx, $b + 7);
    };
}

macro_rules! rules64 {
    ($ctx:ident, $b:expr) => {
        rules8!($ctx, $b);
        rules8!($ctx, $b + 8);
        rules8!($ctx, $b + 16);
        rules8!($ctx, $b + 24);
        rules8!($ctx, $b + 32);
        rules8!($ctx, $b + 40);
        rules8!($ctx, $b + 48);
        rules8!($ctx, $b + 56);
    };
}

fn rule_table(ctx: &mut XdpContext) -> XdpAction {
    let ctx: &XdpContext = ctx;
    rules64!(ctx, 0);
    rules64!(ctx, 64);
    rules64!(ctx, 128);
    rules64!(ctx, 192);
    rules64!(ctx, 256);
    rules64!(ctx, 320);
    rules64!(ctx, 384);
    rules64!(ctx, 448);
    const _: () = assert!(RULES == 512);
    XdpAction::Pass
}
rax::xdp!(rule_table);
