//! Evaluates a prefix expression from byte 8 by recursive descent, at most
//! 10 levels deep: a byte below 128 is a number, 128 adds the next two
//! expressions, any other byte multiplies them; at the deepest level every
//! byte is a number (its low 7 bits). The value, and the bytes read.

use rax::{XdpAction, XdpContext};

fn eval(p: &[u8], pos: &mut usize, depth: u32) -> u32 {
    let Some(&op) = p.get(*pos).filter(|_| *pos <= 1000) else {
        return 0;
    };
    *pos += 1;
    match (depth, op) {
        (0, _) => u32::from(op & 127),
        (_, 0..128) => u32::from(op),
        _ => {
            let a = rax::recurse(|| eval(p, pos, depth - 1));
            let b = rax::recurse(|| eval(p, pos, depth - 1));
            if op == 128 {
                a.wrapping_add(b)
            } else {
                a.wrapping_mul(b)
            }
        }
    }
}

fn deep_calls(ctx: &mut XdpContext) -> XdpAction {
    let Some(expr) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let mut pos = 0;
    let value = eval(expr, &mut pos, 10);
    crate::out(ctx, value, pos as u32)
}
rax::xdp!(deep_calls);
