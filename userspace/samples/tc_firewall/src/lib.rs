#![no_std]
#![forbid(unsafe_code)]
//! A tc firewall with a longest-prefix rule table: each IPv4 packet is
//! matched against up to 64 rules (source prefix, protocol, destination
//! port range); the rule with the longest matching prefix wins (the
//! first one on a tie) and decides: let it through, drop it, mark it, or
//! rewrite its destination port (with the checksum fixed). No match lets
//! it through. Its eBPF twin is
//! `tools/testing/selftests/rax/twins/tc_firewall.bpf.c`.
//!
//! Maps: `RULES` (array, 64 x [`Rule`], written by userspace), `HITS`
//! (per-CPU array, 65 x u64: packets per rule, then the unmatched ones).
//!
//! Entry `rax_entry_tc_firewall` (sched_cls, direct action).

use core::sync::atomic::{AtomicU64, Ordering};
use rax::{ArrayMap, PerCpuArray, TcAction, TcContext, net};

/// Let it through.
pub const ALLOW: u8 = 0;
/// Drop it.
pub const DROP: u8 = 1;
/// Set its mark to the rule's `arg` and let it through.
pub const MARK: u8 = 2;
/// Rewrite its destination port to the rule's `arg`, fixing the L4
/// checksum, and let it through.
pub const REWRITE_PORT: u8 = 3;

rax::pod! {
    /// A rule; unused slots have `active` 0.
    #[derive(Clone, Copy)]
    pub struct Rule {
        /// The source prefix, network order.
        pub prefix: u32,
        /// Its length in bits, 0 to 32.
        pub prefix_len: u8,
        /// The IP protocol, 0 for any (ports then match any packet).
        pub proto: u8,
        /// [`ALLOW`], [`DROP`], [`MARK`] or [`REWRITE_PORT`].
        pub action: u8,
        /// Whether the slot holds a rule.
        pub active: u8,
        /// The destination ports, host order, inclusive (TCP and UDP).
        pub port_lo: u16,
        /// Up to this one.
        pub port_hi: u16,
        /// The mark, or the new port (host order).
        pub arg: u32,
    }
}

const NRULES: u32 = 64;

rax::map!(static RULES: ArrayMap<Rule, 64>);
rax::map!(static HITS: PerCpuArray<AtomicU64, 65>);

const MANGLED_0: u64 = rax::ctx::BPF_F_MARK_MANGLED_0;

/// What of the packet the rules look at.
struct Packet {
    saddr: u32,
    proto: u8,
    /// The destination port's offset and value (host order), for TCP
    /// and UDP.
    dport: Option<(usize, u16)>,
    /// The L4 checksum's offset.
    check_at: usize,
}

fn parse(ctx: &TcContext) -> Option<Packet> {
    let (_, ip, l4) = net::parse_ipv4(ctx.data())?;
    let check = net::l4_check_offset(ip.protocol);
    let dport = match check {
        Some(_) => Some((l4 + 2, u16::from_be(ctx.load::<u16>(l4 + 2)?))),
        None => None,
    };
    Some(Packet {
        saddr: ip.saddr,
        proto: ip.protocol,
        dport,
        check_at: l4 + check.unwrap_or(0),
    })
}

fn matches(rule: &Rule, p: &Packet) -> bool {
    let mask = match rule.prefix_len {
        0 => 0,
        n @ 1..=32 => u32::MAX << (32 - u32::from(n)),
        _ => return false,
    };
    let ports_ok = match p.dport {
        Some((_, port)) => (rule.port_lo..=rule.port_hi).contains(&port),
        None => rule.proto == 0,
    };
    rule.active != 0
        && u32::from_be(p.saddr) & mask == u32::from_be(rule.prefix) & mask
        && (rule.proto == 0 || rule.proto == p.proto)
        && ports_ok
}

/// The index of the longest-prefix rule that matches, if any.
fn lookup(p: &Packet) -> Option<(u32, Rule)> {
    let mut best: Option<(u32, Rule)> = None;
    for i in 0..NRULES {
        let Some(rule) = RULES.read(i) else { break };
        if matches(&rule, p) && best.is_none_or(|(_, b)| rule.prefix_len > b.prefix_len) {
            best = Some((i, rule));
        }
    }
    best
}

fn hit(slot: u32) {
    if let Some(n) = HITS.get(slot) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

fn rewrite_port(ctx: &mut TcContext, p: &Packet, port: u16) -> Option<()> {
    let (at, old) = p.dport?;
    let (old, new) = (old.to_be(), port.to_be());
    // A UDP checksum of 0 means none: keep it so.
    let udp = u64::from(p.proto == net::IPPROTO_UDP);
    ctx.l4_csum_replace(
        p.check_at as u32,
        old.into(),
        new.into(),
        2 | udp * MANGLED_0,
    )
    .ok()?;
    ctx.store_bytes(at as u32, &new.to_ne_bytes(), 0).ok()
}

fn tc_firewall(ctx: &mut TcContext) -> TcAction {
    let Some(p) = parse(ctx) else {
        return TcAction::Ok;
    };
    let Some((index, rule)) = lookup(&p) else {
        hit(NRULES);
        return TcAction::Ok;
    };
    hit(index);
    match rule.action {
        DROP => TcAction::Shot,
        MARK => {
            ctx.set_mark(rule.arg);
            TcAction::Ok
        }
        REWRITE_PORT => match rewrite_port(ctx, &p, rule.arg as u16) {
            Some(()) => TcAction::Ok,
            None => TcAction::Shot,
        },
        _ => TcAction::Ok,
    }
}
rax::tc!(tc_firewall);
