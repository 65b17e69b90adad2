//! Counts the TLVs from byte 8 (type, length, value; type 0 ends them) and
//! sums the first value byte of those of type 7.

use rax::{XdpAction, XdpContext};

fn tlv_sum(ctx: &mut XdpContext) -> XdpAction {
    let Some(mut tlvs) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let (mut count, mut sum) = (0, 0u32);
    while let [kind, len, rest @ ..] = tlvs
        && *kind != 0
    {
        let Some(value) = rest.get(..usize::from(*len)) else {
            break;
        };
        if let (7, Some(&first)) = (*kind, value.first()) {
            sum = sum.wrapping_add(u32::from(first));
        }
        count += 1;
        tlvs = &rest[value.len()..];
    }
    crate::out(ctx, count, sum)
}
rax::xdp!(tlv_sum);
