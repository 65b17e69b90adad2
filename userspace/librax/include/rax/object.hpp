// SPDX-License-Identifier: GPL-2.0
// The Rax object model (Documentation/rax/format.rst): parsing a Rax object
// strictly, analysing a compiler's object (stack bound, relocations,
// imported helpers) and writing the final, normalised Rax object with its
// provenance note.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <rax/result.hpp>

namespace rax {

using Bytes = std::vector<std::uint8_t>;
using Sha256 = std::array<std::uint8_t, 32>;

// One entry point, from .rax.entries.
struct Entry {
	std::uint32_t prog_type = 0;            // enum bpf_prog_type
	std::uint32_t expected_attach_type = 0; // enum bpf_attach_type
	std::uint32_t max_ctx_offset = 0;
	std::uint32_t flags = 0;
	std::string symbol;
};

// One map definition, from .rax.maps. A HASH or ARRAY value may hold one
// bpf_spin_lock, at @spin_lock_off with RAX_MAP_SPIN_LOCK in @flags; a
// RINGBUF has key and value size 0 and @max_entries bytes.
struct MapDef {
	std::uint32_t type = 0; // enum bpf_map_type
	std::uint32_t key_size = 0;
	std::uint32_t value_size = 0;
	std::uint32_t max_entries = 0;
	std::uint32_t map_flags = 0; // BPF_F_*, as BPF_MAP_CREATE gets them
	std::uint32_t flags = 0;     // RAX_MAP_*
	std::uint32_t spin_lock_off = 0;
	std::string name;

	[[nodiscard]] bool has_spin_lock() const;
	[[nodiscard]] bool is_ringbuf() const;
};

// The decoded provenance note.
struct Provenance {
	std::uint32_t format = 0;
	std::string rustc_version;
	Sha256 rustc_sha256{};
	Sha256 sysroot_sha256{};
	Sha256 crate_sha256{};
	Sha256 target_sha256{};
	std::string flags;
	Sha256 source_sha256{};
	// stack[i] is the worst-case stack in bytes of entry i.
	std::vector<std::uint32_t> stack;
	// Imported helpers, sorted, each once.
	std::vector<std::string> helpers;
	std::optional<Sha256> btf_sha256;
	// The termination pass plugin the build loaded into rustc.
	std::optional<Sha256> plugin_sha256;
};

// Encode/decode the note descriptor (the record sequence, without the ELF
// note header). decode is strict: unknown tags, missing required records,
// duplicates, overruns and non-zero reserved fields are errors (EBADMSG).
Bytes encode_provenance(Provenance const &p);
Result<Provenance> decode_provenance(std::span<std::uint8_t const> desc);

// A section of a parsed object, as the loader sees it.
struct Section {
	std::string name;
	std::uint32_t type = 0;
	std::uint64_t flags = 0;
	std::uint64_t size = 0;
	std::uint64_t align = 0;
};

// A fully parsed and checked Rax object.
struct Object {
	std::vector<Section> sections;
	std::vector<Entry> entries;
	std::vector<MapDef> maps;
	Provenance provenance;
	// Undefined symbols (the helpers it imports), sorted, each once.
	std::vector<std::string> imports;
	std::uint64_t code_bytes = 0;
	std::uint64_t rodata_bytes = 0;
	std::uint64_t data_bytes = 0;
};

// Strictly parse a Rax object (the kernel's checks, in userspace): every
// offset, size and count is bounds-checked and overflow-safe; anything the
// format does not allow is an error (EBADMSG for malformed ELF, EINVAL for
// a well-formed object the format refuses, e.g. an unknown helper) whose
// message names the section, symbol or record.
Result<Object> parse_object(std::span<std::uint8_t const> image);

// Is @name in the kernel's helper list (kernel/rax/helpers.h), and may a
// program of @prog_type import it?
bool helper_known(std::string const &name);
// Is @name one of the compiler's ABI symbols of that list (RAX_ABI:
// memcpy, memmove, memset, memcmp, bcmp), which code generation calls on
// its own rather than a helper the crate calls?
bool abi_symbol(std::string const &name);
// Is @name one of the kernel's thunks (RAX_THUNK_RETURN, RAX_THUNK_INDIRECT),
// which code may reference besides the helpers and which are not imports?
bool kernel_thunk(std::string const &name);
bool helper_allowed(std::string const &name, std::uint32_t prog_type);
std::vector<std::string> helper_names();

// ---- The toolchain's side: a compiler object before it becomes a Rax object.

// The largest frame one function may have. Code is built without stack
// probes, so a frame must not be able to step over a guard page.
inline constexpr std::uint64_t max_frame = 4096;

// One function of the call graph.
struct StackFrame {
	std::string symbol;
	std::uint64_t frame = 0; // from .stack_sizes
	std::vector<std::string> callees;
};

struct StackBound {
	std::string entry;
	std::uint64_t bytes = 0;
	// The deepest path, from the entry to the leaf.
	std::vector<std::string> path;
};

// Is @symbol an instance of rax::stack::recurse, the crate's recursion
// guard?
bool recursion_guard(std::string const &symbol);

// Worst-case stack of @entry over @graph: the sum of frames along the
// deepest call path, plus 8 bytes per call for the return address. A call
// to a recursion guard costs the guard's frame plus RAX_RECURSION_STEP
// (the room it checks for at run time), and each step from a guard to the
// next must fit in RAX_RECURSION_STEP.
// Errors: recursion not through a guard (ELOOP, message names the cycle),
// a callee with no frame size (ENOENT, names it), a bound over @limit or a
// recursion step over RAX_RECURSION_STEP (E2BIG, message prints the
// deepest path with each frame).
Result<StackBound> stack_bound(std::vector<StackFrame> const &graph, std::string const &entry,
			       std::uint64_t limit);

// What the toolchain learned from the compiler's object.
struct Analysis {
	std::vector<Entry> entries;
	std::vector<MapDef> maps;
	std::vector<StackBound> stack;       // one per entry, same order
	std::vector<std::string> imports;    // undefined symbols, sorted, unique
};

// Analyse the object rustc emitted (ET_REL with .stack_sizes, .rax.entries,
// .rax.maps): call graph from call relocations, stack bound per entry
// against @stack_limit, relocation types and undefined symbols against the
// helper list and each entry's program type. Each refusal names the symbol,
// relocation or section.
Result<Analysis> analyse_compiler_object(std::span<std::uint8_t const> image,
					  std::uint64_t stack_limit);

// Write the final Rax object: the allowed sections of @compiler_object
// only (format.rst), symbol and relocation section indices remapped, and a
// .rax.provenance note carrying @prov. The output is deterministic: the
// same inputs give the same bytes. The result parses with parse_object().
Result<Bytes> write_rax_object(std::span<std::uint8_t const> compiler_object,
			       Provenance const &prov);

// Small utilities shared by the toolchain.
Sha256 sha256(std::span<std::uint8_t const> data);
std::string hex(std::span<std::uint8_t const> data);
Result<Bytes> read_file(std::string const &path);
Result<void> write_file(std::string const &path, std::span<std::uint8_t const> data);

} // namespace rax
