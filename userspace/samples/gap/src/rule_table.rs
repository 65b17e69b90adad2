//! The action of the first of 256 rules (address and mask, port range,
//! protocol or 0 for any) that matches the packet's address (u32 at 0),
//! port (u16 at 4) and protocol (byte 6); 0 if none matches. Into bytes
//! 4..8.

use rax::{ArrayMap, XdpAction, XdpContext};

rax::pod! {
    /// A rule.
    #[derive(Clone, Copy)]
    pub struct Rule {
        /// The address, after the mask.
        pub addr: u32,
        /// The mask.
        pub mask: u32,
        /// The lowest port.
        pub port_lo: u16,
        /// The highest port.
        pub port_hi: u16,
        /// The protocol, 0 for any.
        pub proto: u8,
        /// The action.
        pub action: u8,
        /// Padding.
        pub pad: u16,
    }
}

rax::map!(static RULES: ArrayMap<Rule, 256>);

fn rule_table(ctx: &mut XdpContext) -> XdpAction {
    let (8.., Some(addr), Some(port), Some(proto)) = (
        ctx.len(),
        ctx.load::<u32>(0),
        ctx.load::<u16>(4),
        ctx.load::<u8>(6),
    ) else {
        return XdpAction::Aborted;
    };
    let matches = |r: &Rule| {
        addr & r.mask == r.addr
            && (r.port_lo..=r.port_hi).contains(&port)
            && (r.proto == 0 || r.proto == proto)
    };
    let action = (0..256).map_while(|i| RULES.read(i)).find(matches);
    crate::out(ctx, addr, action.map_or(0, |r| u32::from(r.action)))
}
rax::xdp!(rule_table);
