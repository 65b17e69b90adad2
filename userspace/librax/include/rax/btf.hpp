// SPDX-License-Identifier: GPL-2.0
// The BTF of a map whose value holds a bpf_spin_lock (RAX_MAP_SPIN_LOCK):
// what the loader gives BPF_MAP_CREATE so that the kernel treats the lock
// word as eBPF's struct bpf_spin_lock (Documentation/rax/format.rst).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// ---- Context layouts: the kernel structures Rax contexts read
// (kernel/rax/ctx_types.h), as a kernel's BTF lays them out.

struct CtxMember {
	std::string name;
	std::uint32_t offset = 0; // bytes
	std::uint32_t size = 0;
	std::string rust_type; // u64, i32, *mut u8, [u8; N]
};

struct CtxStruct {
	std::string name;
	std::uint32_t size = 0;
	std::vector<CtxMember> members; // in ctx_types.h order
};

// The layouts from the BTF blob @btf (a strict parse: every offset and size
// is checked). Errors: EBADMSG for a malformed blob, ENOENT for a struct
// or member the BTF does not have, EINVAL for a bitfield or a member not
// at a byte offset.
Result<std::vector<CtxStruct>> context_layouts(std::span<std::uint8_t const> btf);

// "struct NAME SIZE\n" then "  MEMBER OFFSET SIZE\n" per member, in
// ctx_types.h order: what kernel/rax writes from its own BTF; and its
// SHA-256, the provenance note's RAX_PROV_BTF_SHA256.
std::string context_layouts_text(std::vector<CtxStruct> const &layouts);
Sha256 context_layouts_sha256(std::vector<CtxStruct> const &layouts);

// The rax crate's bindings (userspace/rax/src/btf.rs): one #[repr(C)]
// struct per layout with the members at their offsets and padding between,
// compile-time offset checks, and the layouts' hash in a header line.
Result<std::string> context_bindings(std::vector<CtxStruct> const &layouts);

// The hash in the header line of generated bindings, if there is one.
std::optional<Sha256> bindings_sha256(std::string_view rust_source);

// The BTF of @path: a raw blob (/sys/kernel/btf/vmlinux) or the .BTF
// section of an ELF file (a vmlinux).
Result<Bytes> read_btf(std::string const &path);

} // namespace rax
