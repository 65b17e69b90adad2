#![no_std]
#![forbid(unsafe_code)]
//! One map operation per run, on any of eight map types, repeated a given
//! number of times: the differential test of the map types against eBPF,
//! and the map micro benchmark (`scripts/bench.sh`). Its eBPF twin is
//! `tools/testing/selftests/rax/twins/map_bench.bpf.c`.
//!
//! Maps (u32 keys, u64 values): `HASH`, `PCPU_HASH`, `LRU`, `LRU_PCPU`
//! (64, 64, 16, 16 entries), `ARRAY`, `PCPU_ARRAY` (64 entries), `QUEUE`,
//! `STACK` (16 values), and `RESULT` (array, 2 x u64): the value the last
//! operation read and its errno (0 for success).
//!
//! Entry `rax_entry_map_bench` (XDP), on a command packet: byte 0 the
//! operation ([`UPDATE`], [`LOOKUP`], [`DELETE`]), byte 1 the map (in the
//! order above, 0 to 7), bytes 4..8 the key, 8..16 the value, 16..20 how
//! many times to repeat it (0 and 1: once), all little-endian. On a queue
//! or a stack, update pushes, lookup peeks and delete pops. Passes when
//! the operation succeeded, drops when it failed, aborts on a short
//! packet.

use rax::maps::BPF_ANY;
use rax::{
    ArrayMap, Error, HashMap, LruHashMap, LruPerCpuHashMap, PerCpuArray, PerCpuHashMap, Queue,
    Stack, XdpAction, XdpContext,
};

/// Inserts or replaces (pushes).
pub const UPDATE: u8 = 0;
/// Reads (peeks).
pub const LOOKUP: u8 = 1;
/// Removes (pops).
pub const DELETE: u8 = 2;

rax::map!(static HASH: HashMap<u32, u64, 64>);
rax::map!(static PCPU_HASH: PerCpuHashMap<u32, u64, 64>);
rax::map!(static LRU: LruHashMap<u32, u64, 16>);
rax::map!(static LRU_PCPU: LruPerCpuHashMap<u32, u64, 16>);
rax::map!(static ARRAY: ArrayMap<u64, 64>);
rax::map!(static PCPU_ARRAY: PerCpuArray<u64, 64>);
rax::map!(static QUEUE: Queue<u64, 16>);
rax::map!(static STACK: Stack<u64, 16>);
rax::map!(static RESULT: ArrayMap<u64, 2>);

fn update(map: u8, key: u32, value: u64) -> Result<u64, Error> {
    match map {
        0 => HASH.update(&key, &value, BPF_ANY),
        1 => PCPU_HASH.update(&key, &value, BPF_ANY),
        2 => LRU.update(&key, &value, BPF_ANY),
        3 => LRU_PCPU.update(&key, &value, BPF_ANY),
        4 => ARRAY.update(key, &value, BPF_ANY),
        5 => PCPU_ARRAY.update(key, &value, BPF_ANY),
        6 => QUEUE.push(&value),
        7 => STACK.push(&value),
        _ => Err(Error::EINVAL),
    }
    .map(|()| 0)
}

fn lookup(map: u8, key: u32) -> Result<u64, Error> {
    let found = match map {
        0 => HASH.read(&key),
        1 => PCPU_HASH.read(&key),
        2 => LRU.read(&key),
        3 => LRU_PCPU.read(&key),
        4 => ARRAY.read(key),
        5 => PCPU_ARRAY.read(key),
        6 => return QUEUE.peek(),
        7 => return STACK.peek(),
        _ => return Err(Error::EINVAL),
    };
    found.ok_or(Error::ENOENT)
}

fn delete(map: u8, key: u32) -> Result<u64, Error> {
    match map {
        0 => HASH.delete(&key).map(|()| 0),
        1 => PCPU_HASH.delete(&key).map(|()| 0),
        2 => LRU.delete(&key).map(|()| 0),
        3 => LRU_PCPU.delete(&key).map(|()| 0),
        6 => QUEUE.pop(),
        7 => STACK.pop(),
        // Array elements cannot be deleted.
        _ => Err(Error::EINVAL),
    }
}

fn map_bench(ctx: &mut XdpContext) -> XdpAction {
    let (Some(op), Some(map), Some(key), Some(value), Some(repeat)) = (
        ctx.load::<u8>(0),
        ctx.load::<u8>(1),
        ctx.load::<u32>(4),
        ctx.load::<u64>(8),
        ctx.load::<u32>(16),
    ) else {
        return XdpAction::Aborted;
    };
    let (key, value, repeat) = (
        u32::from_le(key),
        u64::from_le(value),
        u32::from_le(repeat).max(1),
    );
    let mut result = Err(Error::EINVAL);
    for _ in 0..repeat {
        result = match op {
            UPDATE => update(map, key, value),
            LOOKUP => lookup(map, key),
            DELETE => delete(map, key),
            _ => Err(Error::EINVAL),
        };
    }
    let (read, errno) = match result {
        Ok(v) => (v, 0),
        Err(e) => (0, e.errno() as u64),
    };
    let _ = RESULT.update(0, &read, BPF_ANY);
    let _ = RESULT.update(1, &errno, BPF_ANY);
    if errno == 0 {
        XdpAction::Pass
    } else {
        XdpAction::Drop
    }
}
rax::xdp!(map_bench);
