//! Answers the request from byte 8 (a 128-byte name, a 128-byte value, an
//! id, flags) with its value and name swapped and a tag after the id: a
//! request read into a struct, a reply built in the next function;
//! `XDP_DROP` if the packet is shorter than the request.

use rax::{XdpAction, XdpContext};

rax::pod! {
    /// A request.
    #[derive(Clone, Copy)]
    pub struct Request {
        /// The name.
        pub name: [u8; 128],
        /// The value.
        pub value: [u8; 128],
        /// Its id.
        pub id: u32,
        /// Flags.
        pub flags: u32,
    }
}

rax::pod! {
    /// A reply.
    #[derive(Clone, Copy)]
    pub struct Reply {
        /// The request's value.
        pub value: [u8; 128],
        /// The request's name.
        pub name: [u8; 128],
        /// The request's id.
        pub id: u32,
        /// The tag of a reply.
        pub tag: u32,
    }
}

/// Builds the reply to `r` and writes it over the request.
#[inline(never)]
fn reply(ctx: &mut XdpContext, r: &Request) -> Option<()> {
    let out = Reply {
        value: r.value,
        name: r.name,
        id: r.id,
        tag: 0x5241_5821,
    };
    ctx.store(8, &out)
}

fn stack_chain(ctx: &mut XdpContext) -> XdpAction {
    let Some(r) = ctx.load::<Request>(8) else {
        return XdpAction::Drop;
    };
    reply(ctx, &r).map_or(XdpAction::Aborted, |()| XdpAction::Tx)
}
rax::xdp!(stack_chain);
