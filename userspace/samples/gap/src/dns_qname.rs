//! Walks the DNS question name from byte 8 (labels of 1 to 63 bytes after
//! their length, ending with a 0 length, less than 255 bytes in all): the
//! number of labels and the FNV-1a hash of the name, lower-cased, each
//! label followed by a dot; 0, 0 for a malformed name.

use rax::{XdpAction, XdpContext};

fn walk(mut name: &[u8]) -> Option<(u32, u32)> {
    let (mut labels, mut hash, mut off) = (0, 0x811c_9dc5u32, 0);
    loop {
        let (&len, rest) = name.split_first()?;
        if len == 0 {
            return Some((labels, hash));
        }
        let label = rest.get(..usize::from(len)).filter(|_| len <= 63)?;
        for &c in label.iter().chain(b".") {
            hash = (hash ^ u32::from(c.to_ascii_lowercase())).wrapping_mul(0x0100_0193);
        }
        labels += 1;
        off += 1 + usize::from(len);
        if off >= 255 {
            return None;
        }
        name = &rest[label.len()..];
    }
}

fn dns_qname(ctx: &mut XdpContext) -> XdpAction {
    let Some(name) = ctx.data().get(8..) else {
        return XdpAction::Aborted;
    };
    let (labels, hash) = walk(name).unwrap_or((0, 0));
    crate::out(ctx, labels, hash)
}
rax::xdp!(dns_qname);
