// SPDX-License-Identifier: GPL-2.0
// The BTF of a map whose value holds a bpf_spin_lock (RAX_MAP_SPIN_LOCK):
// what the loader gives BPF_MAP_CREATE so that the kernel treats the lock
// word as eBPF's struct bpf_spin_lock (Documentation/rax/format.rst).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rax/object.hpp>
#include <rax/result.hpp>

namespace rax {

// The BTF type ids BPF_MAP_CREATE gets as btf_key_type_id and
// btf_value_type_id.
struct BtfIds {
	std::uint32_t key_type_id = 0;
	std::uint32_t value_type_id = 0;
};

// A BTF blob (the kernel's layout: struct btf_header, magic 0xeB9F,
// version 1, the type section then the string section) describing, with
// type ids from 1:
//   1 INT "u8" (size 1, 8 bits), 2 INT "u32" (size 4, 32 bits),
//   3 STRUCT "bpf_spin_lock" (size 4) { u32 val; },
//   the key: u32 (id 2) for a 4-byte key, else a new ARRAY of key_size u8,
//   the value: STRUCT btf_value_name(def.name) of value_size bytes with
//   one member "lock" of type 3 at byte spin_lock_off.
// @ids receives the key and value type ids. Errors (EINVAL): @def has no
// spin lock, or the lock is outside the value or misaligned.
Result<Bytes> map_value_btf(MapDef const &def, BtfIds &ids);

// The name of the value's struct: @map_name made a C identifier (every
// other byte '_', a leading '_' before a digit), "value" when it is empty.
std::string btf_value_name(std::string_view map_name);

} // namespace rax
