//! Runs the payload from byte 8 (at most 1500 bytes) through an automaton
//! whose transitions userspace loaded (16 states, 4 byte classes: letter,
//! digit, space, other; state 15 rejects): the last state and the number
//! of bytes consumed before the end or the rejecting byte, into bytes
//! 0..8.

use rax::{ArrayMap, XdpAction, XdpContext};

rax::map!(static DFA_NEXT: ArrayMap<u8, 64>);

/// A byte's class: 0 a letter, 1 a digit, 2 a space, 3 anything else.
fn class(c: u8) -> u32 {
    match c {
        b'a'..=b'z' | b'A'..=b'Z' => 0,
        b'0'..=b'9' => 1,
        b' ' => 2,
        _ => 3,
    }
}

fn dfa(ctx: &mut XdpContext) -> XdpAction {
    let Some(payload) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let (mut state, mut consumed) = (0u32, 0u32);
    for &c in payload.iter().take(1500) {
        let Some(next) = DFA_NEXT.read(state * 4 + class(c)) else {
            break;
        };
        state = u32::from(next & 15);
        if state == 15 {
            break;
        }
        consumed += 1;
    }
    crate::out(ctx, state, consumed)
}
rax::xdp!(dfa);
