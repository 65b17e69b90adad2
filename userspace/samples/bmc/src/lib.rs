#![no_std]
#![forbid(unsafe_code)]
//! BMC: a Memcached cache in the kernel (after Ghigoff et al., NSDI'21),
//! written as plain Rust: loops over the packet, functions, no tail calls.
//! Its eBPF twin is `tools/testing/selftests/rax/twins/bmc.bpf.c`.
//!
//! * `bmc_rx` (XDP, on the server's interface) reads Memcached's UDP
//!   protocol (the 8-byte frame header, then one ASCII request). A `get`
//!   of a key in the cache is answered from it: the packet goes back out
//!   (`XDP_TX`) as the reply Memcached would send, byte for byte, with its
//!   headers rewritten and both checksums computed. Any other `get`
//!   passes (one of several keys too: Memcached answers it with a datagram
//!   per key, XDP with one packet), its request noted in `INFLIGHT` so
//!   that the replies may fill the cache. A request that
//!   may change a value (`set`, `delete`, `incr`, ...) invalidates its
//!   key's bucket before Memcached sees it, and one the program does not
//!   understand or cannot see whole (a datagram in fragments), every
//!   bucket.
//! * `bmc_tx` (tc egress, same interface; the crate `bmc_tx`, since an
//!   object's helpers must suit each of its entries and XDP's are not
//!   tc's) reads Memcached's replies: the `VALUE` blocks of a reply to a
//!   noted `get` fill the cache, and the reply to a write ends that write.
//!   It is loaded with this object's maps (`rax load -m`).
//!
//! No reply is stale after its write was acknowledged: a fill is taken
//! only if no write to its bucket was under way when the `get` arrived and
//! none arrived since (the bucket's `pending` and `changed`, against the
//! sequence number the `get` saw). See `Documentation/rax/bmc.rst`.
//!
//! Maps: `CACHE` (array, [`BUCKETS`] x `Locked<Entry>`), `STATE` (array,
//! 3 x u64: the sequence, the writes to every bucket under way, the last
//! such change), `INFLIGHT` (LRU hash, request -> sequence), `PENDING`
//! (LRU hash, request -> bucket of a write under way), `STATS` (per-CPU
//! array, 8 x u64, the `STAT_*` counters).

use core::sync::atomic::{AtomicU64, Ordering};
use rax::Pod;
use rax::maps::BPF_ANY;
use rax::net::{self, IPPROTO_UDP, Ipv4Hdr, UdpHdr};
use rax::{ArrayMap, Locked, LruHashMap, PerCpuArray, XdpAction, XdpContext};

/// Memcached's port.
pub const PORT: u16 = 11211;
/// Buckets in the cache (a power of 2): a key's bucket is its FNV-1a hash
/// modulo this.
pub const BUCKETS: u32 = 4096;
/// The longest key cached.
pub const KEY_MAX: usize = 128;
/// The bytes of an entry: `VALUE <key> <flags> <bytes>\r\n<data>\r\n`.
pub const ENTRY_MAX: usize = 512;
/// The longest reply from the cache: the frame header, an entry, `END\r\n`
/// (well below the 1400 bytes of a Memcached datagram).
const REPLY_LEN: usize = 8 + ENTRY_MAX + 5;
/// `PENDING`'s bucket for a write to every bucket.
pub const ALL_BUCKETS: u32 = u32::MAX;

/// `get` requests seen.
pub const STAT_GETS: u32 = 0;
/// `get` requests answered from the cache (sent back with `XDP_TX`).
pub const STAT_HITS: u32 = 1;
/// `get` requests passed to Memcached (a key not cached, several keys).
pub const STAT_MISSES: u32 = 2;
/// Writes to one bucket.
pub const STAT_WRITES: u32 = 3;
/// Writes to every bucket (a request not understood).
pub const STAT_WRITES_ALL: u32 = 4;
/// Entries filled from replies.
pub const STAT_FILLS: u32 = 5;
/// Entries not filled: a write was under way or came in between.
pub const STAT_FILLS_REFUSED: u32 = 6;
/// Replies to writes seen.
pub const STAT_ACKS: u32 = 7;

rax::pod! {
    /// A cache entry. `len` 0 is an empty entry.
    #[derive(Clone, Copy)]
    pub struct Entry {
        /// Bytes of `data` in use.
        pub len: u32,
        /// The key's length; the key is at `data[6..]`.
        pub key_len: u32,
        /// Writes to this bucket that arrived and are not acknowledged.
        pub pending: u32,
        /// Padding.
        pub pad: u32,
        /// The sequence number the `get` that filled the entry saw.
        pub seq: u64,
        /// The sequence number of the bucket's last write event.
        pub changed: u64,
        /// The reply's block for the key.
        pub data: [u8; ENTRY_MAX],
    }
}

rax::pod! {
    /// A request: the client's address and port, as the packet holds
    /// them, and the frame's request id.
    #[derive(Clone, Copy)]
    pub struct Tag {
        /// The client's address.
        pub addr: u32,
        /// The client's port.
        pub port: u16,
        /// The request id.
        pub id: u16,
    }
}

rax::map!(static CACHE: ArrayMap<Locked<Entry>, 4096>);
rax::map!(static STATE: ArrayMap<AtomicU64, 3>);
rax::map!(static INFLIGHT: LruHashMap<Tag, u64, 16384>);
rax::map!(static PENDING: LruHashMap<Tag, u32, 16384>);
rax::map!(static STATS: PerCpuArray<AtomicU64, 8>);

const SEQ: u32 = 0;
const ALL_PENDING: u32 = 1;
const ALL_CHANGED: u32 = 2;

fn count(stat: u32) {
    if let Some(c) = STATS.get(stat) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

fn state(i: u32) -> u64 {
    STATE.get(i).map_or(u64::MAX, |s| s.load(Ordering::Acquire))
}

/// A new sequence number, after every one handed out before.
fn next_seq() -> u64 {
    STATE
        .get(SEQ)
        .map_or(u64::MAX, |s| s.fetch_add(1, Ordering::AcqRel) + 1)
}

/// FNV-1a, 32 bits.
fn hash(key: &[u8]) -> u32 {
    key.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn bucket(key: &[u8]) -> u32 {
    hash(key) & (BUCKETS - 1)
}

/// The space-separated words of `line`; `None` if two spaces meet, or the
/// line starts or ends with one (Memcached would read such a line, but it
/// is not worth caching).
fn words(line: &[u8]) -> Option<impl Iterator<Item = &[u8]>> {
    let it = line.split(|&b| b == b' ');
    if it.clone().any(<[u8]>::is_empty) {
        return None;
    }
    Some(it)
}

fn number(word: &[u8]) -> Option<usize> {
    if word.is_empty() || word.len() > 9 {
        return None;
    }
    word.iter().try_fold(0usize, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + usize::from(d - b'0'))
    })
}

/// The first line of `msg` (without its `\r\n`) and the rest.
fn line(msg: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = msg.windows(2).position(|w| w == b"\r\n")?;
    Some((&msg[..end], &msg[end + 2..]))
}

/// Where a request is in the packet, and who sent it.
struct Request {
    eth: net::EthHdr,
    ip: Ipv4Hdr,
    udp: UdpHdr,
    l4: usize,
    tag: Tag,
    /// The first fragment of a datagram too big for one packet: the
    /// request is not all here.
    fragment: bool,
}

/// A UDP datagram to or from Memcached's port (`to_server`: the
/// destination port), one frame of one datagram: the headers, and the
/// offset and length of the request or reply after the frame header. The
/// first fragment of a datagram to the server counts too (`fragment`,
/// its bytes after the frame header); later fragments do not (their UDP
/// header is in the first).
fn parse(packet: &[u8], to_server: bool) -> Option<(Request, usize, usize)> {
    let (eth, ip, l4) = net::parse_ipv4(packet)?;
    if ip.protocol != IPPROTO_UDP {
        return None;
    }
    let fragment = ip.is_fragment();
    if fragment && (!to_server || u16::from_be(ip.frag_off) & 0x1fff != 0) {
        return None;
    }
    let udp = UdpHdr::read_from(packet.get(l4..)?)?;
    let port = if to_server { udp.dest } else { udp.source };
    if port != PORT.to_be() {
        return None;
    }
    let end = if fragment {
        packet.len()
    } else {
        l4 + usize::from(u16::from_be(udp.len))
    };
    let frame = packet.get(l4 + 8..end)?;
    // Request id, sequence number 0, one datagram.
    if frame.len() < 8 || (!fragment && frame[2..6] != [0, 0, 0, 1]) {
        return None;
    }
    let (addr, port) = if to_server {
        (ip.saddr, udp.source)
    } else {
        (ip.daddr, udp.dest)
    };
    let id = u16::from_be_bytes([frame[0], frame[1]]);
    let tag = Tag { addr, port, id };
    let req = Request {
        eth,
        ip,
        udp,
        l4,
        tag,
        fragment,
    };
    Some((req, l4 + 16, frame.len() - 8))
}

fn bmc_rx(ctx: &mut XdpContext) -> XdpAction {
    rx(ctx).unwrap_or(XdpAction::Pass)
}
rax::xdp!(bmc_rx);

fn rx(ctx: &mut XdpContext) -> Option<XdpAction> {
    let (req, off, len) = parse(ctx.data(), true)?;
    if req.fragment {
        // Memcached reads the request once it has every fragment: whatever
        // it does, it is a write until its reply.
        invalidate(ALL_BUCKETS, &req.tag);
        return None;
    }
    let msg = ctx.data().get(off..off + len)?;
    // One whole `get` line: a read. Anything else may write.
    let keys = match line(msg) {
        Some((get, rest)) if rest.is_empty() => get.strip_prefix(b"get "),
        _ => None,
    };
    let Some(keys) = keys else {
        write(msg, &req.tag);
        return None;
    };
    count(STAT_GETS);
    let seq = state(SEQ);
    let mut reply = [0u8; REPLY_LEN];
    if let Some(n) = single_key(keys).and_then(|key| copy_entry(key, &mut reply)) {
        // The frame header: the request's id, datagram 0 of 1.
        reply[..2].copy_from_slice(&req.tag.id.to_be_bytes());
        reply[2..8].copy_from_slice(&[0, 0, 0, 1, 0, 0]);
        let action = answer(ctx, &req, &reply[..n]);
        if action == XdpAction::Tx {
            count(STAT_HITS);
        }
        return Some(action);
    }
    // Noted, so that the reply may fill the cache.
    let _ = INFLIGHT.update(&req.tag, &seq, BPF_ANY);
    count(STAT_MISSES);
    None
}

/// The key of a `get` of one key. Memcached answers a `get` of several
/// keys with a datagram per key, and XDP sends one packet for one: such a
/// `get` goes to Memcached, and its replies fill the cache.
fn single_key(keys: &[u8]) -> Option<&[u8]> {
    let mut w = words(keys)?;
    let key = w.next()?;
    (w.next().is_none() && key.len() <= KEY_MAX).then_some(key)
}

/// The reply to a `get` of `key` from the cache in `reply`, after the
/// 8 bytes of the frame header: its length with them, or `None` if the key
/// is not in the cache.
fn copy_entry(key: &[u8], reply: &mut [u8; REPLY_LEN]) -> Option<usize> {
    let all_changed = state(ALL_CHANGED);
    let entry = CACHE.get(bucket(key))?.lock();
    let len = entry.len as usize;
    if len == 0 || entry.key_len as usize != key.len() || entry.seq < all_changed {
        return None;
    }
    if entry.data.get(6..6 + key.len())? != key {
        return None;
    }
    reply
        .get_mut(8..8 + len)?
        .copy_from_slice(entry.data.get(..len)?);
    drop(entry);
    reply[8 + len..8 + len + 5].copy_from_slice(b"END\r\n");
    Some(8 + len + 5)
}

/// Turns the request into `payload`'s datagram back to the client.
fn answer(ctx: &mut XdpContext, req: &Request, payload: &[u8]) -> XdpAction {
    let total = req.l4 + 8 + payload.len();
    let Ok(delta) = i32::try_from(total as isize - ctx.len() as isize) else {
        return XdpAction::Aborted;
    };
    // The reply is longer than the request. A packet a veth copied has
    // room at its tail; one it did not, at its head (the 256 bytes XDP
    // needs): then everything moves down, and every header is written
    // anew (IP options would not be: such a request passes).
    if ctx.adjust_tail(delta).is_err()
        && (delta <= 0 || req.ip.header_len() != 20 || ctx.adjust_head(-delta).is_err())
    {
        return XdpAction::Pass;
    }
    let Some(body) = ctx.data_mut().get_mut(req.l4 + 8..) else {
        return XdpAction::Aborted;
    };
    if body.len() != payload.len() {
        return XdpAction::Aborted;
    }
    body.copy_from_slice(payload);
    let mut eth = req.eth;
    (eth.src, eth.dst) = (eth.dst, eth.src);
    // Swapping the addresses keeps the sum; the length and TTL change it.
    let mut ip = req.ip;
    (ip.saddr, ip.daddr) = (ip.daddr, ip.saddr);
    let tot_len = ((req.l4 - net::ETH_HLEN + 8 + payload.len()) as u16).to_be();
    ip.check = net::csum_replace2(ip.check, ip.tot_len, tot_len);
    let ttl_proto = |ttl: u8| u16::from_ne_bytes([ttl, ip.protocol]);
    ip.check = net::csum_replace2(ip.check, ttl_proto(ip.ttl), ttl_proto(64));
    (ip.tot_len, ip.ttl) = (tot_len, 64);
    // The pseudo header (addresses, protocol, length), the UDP header with
    // a zero checksum, the payload.
    let udp_len = ((8 + payload.len()) as u16).to_be();
    let mut udp = UdpHdr {
        source: req.udp.dest,
        dest: req.udp.source,
        len: udp_len,
        check: 0,
    };
    let mut s = sum(&ip.saddr.to_ne_bytes()) + sum(&ip.daddr.to_ne_bytes());
    s += u64::from(u16::from_ne_bytes([0, IPPROTO_UDP])) + 2 * u64::from(udp_len);
    s += u64::from(udp.source) + u64::from(udp.dest) + sum(payload);
    udp.check = match !net::csum_fold(fold64(s)) {
        0 => 0xffff,
        c => c,
    };
    let wrote = ctx
        .store(0, &eth)
        .and(ctx.store(net::ETH_HLEN, &ip))
        .and(ctx.store(req.l4, &udp));
    if wrote.is_none() {
        return XdpAction::Aborted;
    }
    XdpAction::Tx
}

/// The ones'-complement sum of `bytes` as 16-bit words in the packet's
/// order (a last odd byte padded with zero), not folded.
fn sum(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(4);
    let mut s: u64 = words
        .by_ref()
        .map(|w| u64::from(u32::from_ne_bytes([w[0], w[1], w[2], w[3]])))
        .sum();
    for (i, &b) in words.remainder().iter().enumerate() {
        let pair = if i % 2 == 0 { [b, 0] } else { [0, b] };
        s += u64::from(u16::from_ne_bytes(pair));
    }
    s
}

fn fold64(s: u64) -> u32 {
    let s = (s & 0xffff_ffff) + (s >> 32);
    let s = (s & 0xffff_ffff) + (s >> 32);
    net::csum_fold(s as u32).into()
}

/// A request other than `get`: one that may change a value invalidates its
/// key's bucket (or every bucket, if it is not understood) until its reply.
fn write(msg: &[u8], tag: &Tag) {
    match written_key(msg) {
        Ok(Some(key)) => invalidate(bucket(key), tag),
        Ok(None) => {}
        Err(()) => invalidate(ALL_BUCKETS, tag),
    }
}

/// The key a request writes: `Ok(None)` if it writes nothing, `Err` if
/// that is not known (anything but one whole command this code reads).
fn written_key(msg: &[u8]) -> Result<Option<&[u8]>, ()> {
    let (line, rest) = line(msg).ok_or(())?;
    let mut w = words(line).ok_or(())?;
    let (cmd, key) = (w.next().ok_or(())?, w.next());
    match cmd {
        b"gets" | b"gat" | b"gats" | b"version" | b"stats" if rest.is_empty() => Ok(None),
        b"set" | b"add" | b"replace" | b"append" | b"prepend" | b"cas" => {
            // <key> <flags> <exptime> <bytes> ..., then the data and \r\n.
            let bytes = w.nth(2).and_then(number).ok_or(())?;
            if rest.len() != bytes + 2 || !rest.ends_with(b"\r\n") {
                return Err(());
            }
            key.map(Some).ok_or(())
        }
        b"delete" | b"incr" | b"decr" | b"touch" if rest.is_empty() => key.map(Some).ok_or(()),
        _ => Err(()),
    }
}

/// A write arrived: the bucket (or every bucket) is empty and changed until
/// the reply to `tag` ends the write.
fn invalidate(b: u32, tag: &Tag) {
    if b == ALL_BUCKETS {
        count(STAT_WRITES_ALL);
        if let Some(p) = STATE.get(ALL_PENDING) {
            p.fetch_add(1, Ordering::AcqRel);
        }
        let seq = next_seq();
        if let Some(c) = STATE.get(ALL_CHANGED) {
            c.fetch_max(seq, Ordering::AcqRel);
        }
    } else {
        count(STAT_WRITES);
        let Some(bucket) = CACHE.get(b) else { return };
        let mut e = bucket.lock();
        e.len = 0;
        e.pending = e.pending.saturating_add(1);
        e.changed = next_seq();
    }
    // If the note is lost (a full map), the write never ends: the bucket
    // is never filled again, which is safe.
    let _ = PENDING.update(tag, &b, BPF_ANY);
}
