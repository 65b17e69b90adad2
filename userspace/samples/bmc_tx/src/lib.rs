#![no_std]
#![forbid(unsafe_code)]
//! BMC's fill side: the tc egress program on Memcached's interface that
//! reads its replies. The `VALUE` blocks of a reply to a `get` the `bmc`
//! sample noted in `INFLIGHT` fill the cache, unless a write to the key's
//! bucket was under way when the `get` arrived or came in since (a `get`
//! of several keys is answered with a datagram per key); the
//! reply to a write noted in `PENDING` ends that write. It shares every
//! map with `bmc` (`rax load -m`), which declares them the same way and
//! says how the two keep the cache from going stale. Its eBPF twin is
//! the `tc` program of `tools/testing/selftests/rax/twins/bmc.bpf.c`.
//!
//! Entry `rax_entry_bmc_tx` (sched_cls, tc egress).

use core::sync::atomic::{AtomicU64, Ordering};
use rax::Pod;
use rax::maps::BPF_ANY;
use rax::net::{self, IPPROTO_UDP, Ipv4Hdr, UdpHdr};
use rax::{ArrayMap, Locked, LruHashMap, PerCpuArray, TcAction, TcContext};

/// Memcached's port.
pub const PORT: u16 = 11211;
/// Buckets in the cache (a power of 2): a key's bucket is its FNV-1a hash
/// modulo this.
pub const BUCKETS: u32 = 4096;
/// The longest key cached.
pub const KEY_MAX: usize = 128;
/// The bytes of an entry: `VALUE <key> <flags> <bytes>\r\n<data>\r\n`.
pub const ENTRY_MAX: usize = 512;
/// `PENDING`'s bucket for a write to every bucket.
pub const ALL_BUCKETS: u32 = u32::MAX;

/// `get` requests seen.
pub const STAT_GETS: u32 = 0;
/// `get` requests answered from the cache.
pub const STAT_HITS: u32 = 1;
/// `get` requests passed to Memcached.
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

fn bmc_tx(ctx: &mut TcContext) -> TcAction {
    tx(ctx);
    TcAction::Ok
}
rax::tc!(bmc_tx);

fn tx(ctx: &TcContext) -> Option<()> {
    let (reply, off, len) = parse(ctx.data(), false)?;
    let msg = ctx.data().get(off..off + len)?;
    if let Some(b) = PENDING.read(&reply.tag) {
        let _ = PENDING.delete(&reply.tag);
        count(STAT_ACKS);
        end_write(b);
        return Some(());
    }
    let seq = INFLIGHT.read(&reply.tag)?;
    // A get of several keys has a datagram per key, the last with the END.
    if fill(msg, seq) != Some(false) {
        let _ = INFLIGHT.delete(&reply.tag);
    }
    Some(())
}

/// The reply to a write went out: the write is over.
fn end_write(b: u32) {
    if b == ALL_BUCKETS {
        let seq = next_seq();
        if let Some(c) = STATE.get(ALL_CHANGED) {
            c.fetch_max(seq, Ordering::AcqRel);
        }
        if let Some(p) = STATE.get(ALL_PENDING) {
            let _ = p.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        }
    } else if let Some(bucket) = CACHE.get(b) {
        let mut e = bucket.lock();
        e.len = 0;
        e.pending = e.pending.saturating_sub(1);
        e.changed = next_seq();
    }
}

/// Fills the cache from a reply to a `get` that saw sequence number `seq`:
/// each `VALUE` block. `Some(true)` if the reply ended with its `END`,
/// `Some(false)` if more is to come, `None` if it is not a reply to a get.
fn fill(mut msg: &[u8], seq: u64) -> Option<bool> {
    loop {
        if msg.is_empty() || msg == b"END\r\n" {
            return Some(!msg.is_empty());
        }
        let (head, rest) = line(msg)?;
        let mut w = words(head)?;
        let (key, bytes) = match (w.next(), w.next(), w.next(), w.next(), w.next()) {
            (Some(b"VALUE"), Some(key), Some(_flags), Some(bytes), None) => (key, number(bytes)?),
            _ => return None,
        };
        let block_len = head.len() + 2 + bytes + 2;
        if rest.get(bytes..bytes + 2)? != b"\r\n" {
            return None;
        }
        if key.len() <= KEY_MAX && block_len <= ENTRY_MAX {
            fill_entry(key, &msg[..block_len], seq);
        }
        msg = &msg[block_len..];
    }
}

fn fill_entry(key: &[u8], block: &[u8], seq: u64) {
    let Some(bucket) = CACHE.get(bucket(key)) else {
        return;
    };
    // Every write under way, or come in since the get, refuses the fill.
    let all_quiet = state(ALL_PENDING) == 0 && state(ALL_CHANGED) <= seq;
    let mut e = bucket.lock();
    if !all_quiet || e.pending != 0 || e.changed > seq {
        drop(e);
        count(STAT_FILLS_REFUSED);
        return;
    }
    let Some(dst) = e.data.get_mut(..block.len()) else {
        return;
    };
    dst.copy_from_slice(block);
    e.len = block.len() as u32;
    e.key_len = key.len() as u32;
    e.seq = seq;
    drop(e);
    count(STAT_FILLS);
}
