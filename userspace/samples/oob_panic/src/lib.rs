#![no_std]
#![forbid(unsafe_code)]
//! An XDP program that panics at run time: it indexes an 8-entry table with
//! the packet's length, which is out of bounds for every packet of 8 bytes
//! or more (every Ethernet frame). The bounds check calls the panic
//! handler, which stops the program through `rax_throw` with this file's
//! line and column.

use rax::{XdpAction, XdpContext};

fn oob_panic(ctx: &mut XdpContext) -> XdpAction {
    let table = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let len = ctx.len();
    let v = table[len]; // panics: index out of bounds
    if v == 1 {
        XdpAction::Drop
    } else {
        XdpAction::Pass
    }
}
rax::xdp!(oob_panic);
