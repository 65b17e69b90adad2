// SPDX-License-Identifier: GPL-2.0
// Signed objects that the toolchain would never build, for the kernel to
// stop: code that passes a helper a map definition or a lock it does not
// own, or whose relocation addends reach outside what they name. Each is
// format-valid (parse_object() accepts it: only the kernel's run-time and
// relocation checks stand between it and the kernel), and each comes with
// a control, the same code with the argument it owns, which must run.
//
// With RAX_FORGE_DIR set the objects are written there;
// scripts/make-test-objects.sh signs them and
// tools/testing/selftests/rax/rax_forge_test.c loads and runs them.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "elf_builder.hpp"

using namespace rax;
using namespace rax::test;

namespace {

// The cleanup log's entries (RAX_MAX_HELD, kernel/rax/rax.h).
constexpr int cleanup_log_entries = 8;

using Rela = ObjectSpec::CodeRela;

// The frame every program sets up, and the cancellation point at entry:
//   push rbp; mov rbp, rsp; push rbx; sub rsp, 24; call rax_budget_check
Bytes const prologue = {0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18,
			0xe8, 0, 0, 0, 0};
// mov eax, 2 (XDP_PASS); add rsp, 24; pop rbx; pop rbp; ret
Bytes const epilogue = {0xb8, 0x02, 0x00, 0x00, 0x00, 0x48, 0x83, 0xc4, 0x18, 0x5b, 0x5d, 0xc3};

ObjectSpec forge_spec(std::vector<std::string> helpers)
{
	ObjectSpec spec;
	spec.entries = {{prog_xdp, "rax_entry_forge"}};
	helpers.push_back("rax_budget_check");
	spec.helpers = std::move(helpers);
	spec.code_relas = {{10, "rax_budget_check", R_X86_64_PLT32, -4}};
	return spec;
}

Bytes cat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (auto const &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

// Looks key 0 up in the map definition at .rax.maps + @def_off (or, with
// @on_stack, in 64 bytes of its own stack) and passes:
//   mov dword [rsp], 0; lea rdi, [rip + MAPS + def_off] | mov rdi, rsp;
//   mov rsi, rsp; call rax_map_lookup_elem
ObjectSpec lookup_program(std::int64_t def_off, bool on_stack = false,
			  std::int64_t call_addend = -4)
{
	ObjectSpec spec = forge_spec({"rax_map_lookup_elem"});
	spec.maps = {map_def(2, "values", 4, 8, 4), map_def(2, "more", 4, 8, 4)};
	Bytes def = on_stack ? Bytes{0x48, 0x89, 0xe7, 0x0f, 0x1f, 0x40, 0x00}
			     : Bytes{0x48, 0x8d, 0x3d, 0, 0, 0, 0};
	spec.code = cat({prologue, {0xc7, 0x04, 0x24, 0, 0, 0, 0}, def, {0x48, 0x89, 0xe6},
			 {0xe8, 0, 0, 0, 0}, epilogue});
	if (!on_stack)
		spec.code_relas.push_back({0x18, "MAPS", R_X86_64_PC32, def_off - 4});
	spec.code_relas.push_back({0x20, "rax_map_lookup_elem", R_X86_64_PLT32, call_addend});
	return spec;
}

// Code with its relocations, appended instruction by instruction.
struct Asm {
	Bytes code;
	std::vector<Rela> relas;

	std::size_t at() const { return code.size(); }
	void put(Bytes const &b) { code.insert(code.end(), b.begin(), b.end()); }
	// An instruction whose last 4 bytes are a rel32 to @target.
	void rel32(Bytes const &opcode, std::string const &target, std::uint32_t type,
		   std::int64_t addend = -4)
	{
		put(opcode);
		relas.push_back({at(), target, type, addend});
		put({0, 0, 0, 0});
	}
	void call(std::string const &helper) { rel32({0xe8}, helper, R_X86_64_PLT32); }
};

// prologue, mov dword [rsp], 0; lea rdi, [rip + MAPS]; mov rsi, rsp;
// call rax_map_lookup_elem
Asm lookup_key0(std::uint32_t key = 0)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	a.put({0xc7, 0x04, 0x24, std::uint8_t(key), std::uint8_t(key >> 8), std::uint8_t(key >> 16),
	       std::uint8_t(key >> 24)});
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0x48, 0x89, 0xe6});
	a.call("rax_map_lookup_elem");
	return a;
}

// Updates key 0 of the first map with the 8 bytes at rsp + 8, or, with
// @kernel_text, at the address of a helper (kernel text):
//   mov dword [rsp], 0; lea rdi, [rip + MAPS]; mov rsi, rsp;
//   lea rdx, [rsp + 8] | lea rdx, [rip + rax_map_lookup_elem];
//   xor ecx, ecx; call rax_map_update_elem
void update_key0(Asm &a, bool kernel_text)
{
	a.put({0xc7, 0x04, 0x24, 0, 0, 0, 0});
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0x48, 0x89, 0xe6});
	if (kernel_text)
		a.rel32({0x48, 0x8d, 0x15}, "rax_map_lookup_elem", R_X86_64_PC32);
	else
		a.put({0x48, 0x8d, 0x54, 0x24, 0x08});
	a.put({0x31, 0xc9});
	a.call("rax_map_update_elem");
}

ObjectSpec from_asm(Asm const &a, std::vector<std::string> helpers, std::vector<rax_map_def> maps)
{
	ObjectSpec spec = forge_spec(std::move(helpers));
	spec.maps = std::move(maps);
	spec.code = a.code;
	spec.code_relas = a.relas;
	return spec;
}

// Looks key 0 up in a lock map of type @map_type and takes and releases
// the lock at @lock_off into the value; with @update, updates the map
// while holding it (a hash map's bucket lock under the value's lock: an
// ABBA deadlock with a BPF_F_LOCK lookup-and-delete):
//   (lookup); test rax, rax; je out; mov rbx, rax;
//   lea rdi, [rbx + lock_off]; call rax_spin_lock; (update);
//   lea rdi, [rbx + lock_off]; call rax_spin_unlock; out: (epilogue)
// With @key, @value_size and @spin_lock_off: the element @key of a map of
// @value_size-byte values whose lock is at @spin_lock_off.
ObjectSpec lock_program(std::uint32_t map_type, std::uint8_t lock_off, bool update = false,
			std::uint32_t key = 0, std::uint32_t value_size = 8,
			std::uint32_t spin_lock_off = 0)
{
	Asm a = lookup_key0(key);
	a.put({0x48, 0x85, 0xc0, 0x74, 0});
	std::size_t const je = a.at();
	a.put({0x48, 0x89, 0xc3});
	a.put({0x48, 0x8d, 0x7b, lock_off});
	a.call("rax_spin_lock");
	if (update)
		update_key0(a, false);
	a.put({0x48, 0x8d, 0x7b, lock_off});
	a.call("rax_spin_unlock");
	a.code[je - 1] = std::uint8_t(a.at() - je);
	a.put(epilogue);
	rax_map_def m = map_def(map_type, "locks", 4, value_size, 4);
	m.flags = RAX_MAP_SPIN_LOCK;
	m.spin_lock_off = spin_lock_off;
	std::vector<std::string> helpers = {"rax_map_lookup_elem", "rax_spin_lock", "rax_spin_unlock"};
	if (update)
		helpers.push_back("rax_map_update_elem");
	return from_asm(a, helpers, {m});
}

// How a program gives back a spin lock it does not hold.
enum class Unlock {
	other,	// takes element 0's lock and releases element 1's
	twice,	// releases element 0's lock twice
	unheld, // releases element 0's lock without taking it
};

// Looks key 0 up in an array of 4 locked 8-byte values and releases a
// lock it does not hold (@how), each a real lock word of the program's:
//   (lookup); test rax, rax; je out; mov rbx, rax;
//   lea rdi, [rbx]; call rax_spin_lock (not for unheld);
//   lea rdi, [rbx]; call rax_spin_unlock (twice only);
//   lea rdi, [rbx + 8 | 0]; call rax_spin_unlock; out: (epilogue)
ObjectSpec unlock_program(Unlock how)
{
	Asm a = lookup_key0();
	a.put({0x48, 0x85, 0xc0, 0x74, 0});
	std::size_t const je = a.at();
	a.put({0x48, 0x89, 0xc3});
	if (how != Unlock::unheld) {
		a.put({0x48, 0x8d, 0x7b, 0});
		a.call("rax_spin_lock");
	}
	if (how == Unlock::twice) {
		a.put({0x48, 0x8d, 0x7b, 0});
		a.call("rax_spin_unlock");
	}
	a.put({0x48, 0x8d, 0x7b, std::uint8_t(how == Unlock::other ? 8 : 0)});
	a.call("rax_spin_unlock");
	a.code[je - 1] = std::uint8_t(a.at() - je);
	a.put(epilogue);
	rax_map_def m = map_def(2, "locks", 4, 8, 4);
	m.flags = RAX_MAP_SPIN_LOCK;
	return from_asm(a, {"rax_map_lookup_elem", "rax_spin_lock", "rax_spin_unlock"}, {m});
}

// Reserves a ring buffer record, the last entry of its cleanup log, and
// releases it as a spin lock (the log's entry is the same pointer, of
// another kind):
//   (prologue); lea rdi, [rip + MAPS]; mov esi, 8; xor edx, edx;
//   call rax_ringbuf_reserve; test rax, rax; je out; mov rdi, rax;
//   call rax_spin_unlock; out: (epilogue)
ObjectSpec unlock_record_program()
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0xbe, 8, 0, 0, 0, 0x31, 0xd2});
	a.call("rax_ringbuf_reserve");
	a.put({0x48, 0x85, 0xc0, 0x74, 0});
	std::size_t const je = a.at();
	a.put({0x48, 0x89, 0xc7});
	a.call("rax_spin_unlock");
	a.code[je - 1] = std::uint8_t(a.at() - je);
	a.put(epilogue);
	return from_asm(a, {"rax_ringbuf_reserve", "rax_spin_unlock"},
			{map_def(27, "events", 0, 0, 4096)});
}

// A lock map (MAPS) and a ring buffer (MAPS + 64) together.
enum class RingLock {
	full_log,     // 8 records (a full cleanup log), then takes a lock
	record_below, // a record, then a lock; releases the record as a lock
};

// (prologue); for each record: lea rdi, [rip + MAPS + 64]; mov esi, 8;
// xor edx, edx; call rax_ringbuf_reserve; test rax, rax; je out;
// (full_log: 8 of them; record_below: 1, then mov [rsp + 8], rax);
// mov dword [rsp], 0; lea rdi, [rip + MAPS]; mov rsi, rsp;
// call rax_map_lookup_elem; test rax, rax; je out; mov rdi, rax;
// call rax_spin_lock; (record_below: mov rdi, [rsp + 8];
// call rax_spin_unlock); out: (epilogue)
// Every stop leaves records and maybe a lock to the cleanup.
ObjectSpec ring_lock_program(RingLock how)
{
	Asm a;
	std::vector<std::size_t> to_out;
	auto je_out = [&] {
		a.put({0x48, 0x85, 0xc0, 0x0f, 0x84, 0, 0, 0, 0});
		to_out.push_back(a.at());
	};
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	int const records = how == RingLock::full_log ? cleanup_log_entries : 1;
	for (int i = 0; i < records; i++) {
		a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32, 64 - 4);
		a.put({0xbe, 8, 0, 0, 0, 0x31, 0xd2});
		a.call("rax_ringbuf_reserve");
		je_out();
	}
	if (how == RingLock::record_below)
		a.put({0x48, 0x89, 0x44, 0x24, 0x08});
	a.put({0xc7, 0x04, 0x24, 0, 0, 0, 0});
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0x48, 0x89, 0xe6});
	a.call("rax_map_lookup_elem");
	je_out();
	a.put({0x48, 0x89, 0xc7});
	a.call("rax_spin_lock");
	if (how == RingLock::record_below) {
		a.put({0x48, 0x8b, 0x7c, 0x24, 0x08});
		a.call("rax_spin_unlock");
	}
	for (std::size_t at : to_out) {
		auto const rel = static_cast<std::uint32_t>(a.at() - at);
		std::memcpy(&a.code[at - 4], &rel, 4);
	}
	a.put(epilogue);
	rax_map_def m = map_def(2, "locks", 4, 8, 4);
	m.flags = RAX_MAP_SPIN_LOCK;
	return from_asm(a, {"rax_ringbuf_reserve", "rax_map_lookup_elem", "rax_spin_lock", "rax_spin_unlock"},
			{m, map_def(27, "events", 0, 0, 4096)});
}

// Looks up key 0 of a plain array map with the key read from the packet
// (a slice of it is a legitimate key in safe Rust):
//   push rbp; mov rbp, rsp; push rbx; sub rsp, 24; mov rbx, rdi;
//   call rax_budget_check; lea rdi, [rip + MAPS]; mov rsi, [rbx] (the
//   xdp_buff's data); call rax_map_lookup_elem
ObjectSpec packet_key_program()
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18, 0x48, 0x89, 0xfb});
	a.call("rax_budget_check");
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0x48, 0x8b, 0x33});
	a.call("rax_map_lookup_elem");
	a.put(epilogue);
	return from_asm(a, {"rax_map_lookup_elem"}, {map_def(2, "values", 4, 8, 4)});
}

// Updates a plain array map with a value from its stack, or from kernel
// text (a source it does not own: an arbitrary kernel read into a map).
ObjectSpec source_program(bool kernel_text)
{
	Asm a = lookup_key0();
	update_key0(a, kernel_text);
	a.put(epilogue);
	return from_asm(a, {"rax_map_lookup_elem", "rax_map_update_elem"},
			{map_def(2, "values", 4, 8, 4)});
}

// The offsets, from the start of .rax.maps, of the first byte of the
// program's read-only data and of the byte after it, as the kernel lays
// them out (image.c): the .rodata*, .rax.entries and .rax.maps sections in
// index order, each at its alignment, the whole a whole number of 64-byte
// units of a chunk it shares with other programs' read-only data.
std::pair<std::int64_t, std::int64_t> ro_bounds_from_maps(ObjectSpec const &spec)
{
	Bytes const img = make_object(spec);
	auto r = parse_object(img);
	REQUIRE(r.ok());
	std::uint64_t end = 0, maps = 0;
	for (auto const &sec : r->sections) {
		bool const ro = sec.type == SHT_PROGBITS &&
				(sec.name.starts_with(".rodata") || sec.name == ".rax.entries" ||
				 sec.name == ".rax.maps");
		if (!ro)
			continue;
		std::uint64_t const align = std::min<std::uint64_t>(std::max<std::uint64_t>(sec.align, 1), 4096);
		std::uint64_t const start = (end + align - 1) / align * align;
		if (sec.name == ".rax.maps")
			maps = start;
		end = start + sec.size;
	}
	end = (end + 63) / 64 * 64;
	return {-std::int64_t(maps), std::int64_t(end - maps)};
}

// Updates key 0 of the first map with the 8 bytes at .rax.maps + @off, in
// or around its read-only data (the address made at run time, where no
// relocation check sees it):
//   (lookup); mov dword [rsp], 0; lea rdi, [rip + MAPS]; mov rsi, rsp;
//   lea rdx, [rip + MAPS]; add rdx, off; xor ecx, ecx;
//   call rax_map_update_elem
ObjectSpec ro_source_program(std::int64_t off)
{
	Asm a = lookup_key0();
	a.put({0xc7, 0x04, 0x24, 0, 0, 0, 0});
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0x48, 0x89, 0xe6});
	a.rel32({0x48, 0x8d, 0x15}, "MAPS", R_X86_64_PC32);
	auto const o = std::uint32_t(std::int32_t(off));
	a.put({0x48, 0x81, 0xc2, std::uint8_t(o), std::uint8_t(o >> 8), std::uint8_t(o >> 16),
	       std::uint8_t(o >> 24)});
	a.put({0x31, 0xc9});
	a.call("rax_map_update_elem");
	a.put(epilogue);
	return from_asm(a, {"rax_map_lookup_elem", "rax_map_update_elem"},
			{map_def(2, "values", 4, 8, 4)});
}

// A run that makes the budget check's interval long, then the time
// between two cancellation points long, over and over: @fast iterations of
// an empty loop (after which the check reads the clock only every few
// thousand points), then 4096 iterations of a call given @bytes bytes and
// a cancellation point. The call is memcpy() from the program's stack to
// its stack (what safe Rust's copy_from_slice() calls), bcmp() of its
// stack with itself (what == on two slices calls), or a
// rax_map_update_elem() of the value of a @bytes-byte array element from
// itself. Unless a call counts for the work it does, a deadline that
// passes during the calls is seen only after thousands of them.
//   push rbp; mov rbp, rsp; push rbx; sub rsp, FRAME; call rax_budget_check;
//   (update: mov dword [rsp], 0; lea rdi, [rip + MAPS]; mov rsi, rsp;
//    call rax_map_lookup_elem; mov [rsp + 8], rax);
//   again: mov ebx, fast; fast: call rax_budget_check; dec ebx; jnz fast;
//   mov ebx, 4096;
//   slow: (mov rdi, rsp; lea rsi, [rsp + bytes]; mov edx, bytes; call memcpy |
//          mov rdi, rsp; mov rsi, rsp; mov edx, bytes; call bcmp |
//          lea rdi, [rip + MAPS]; mov rsi, rsp; mov rdx, [rsp + 8]; xor ecx, ecx;
//          call rax_map_update_elem);
//   call rax_budget_check; dec ebx; jnz slow; jmp again
enum class Ramp { memcpy, bcmp, update };

ObjectSpec ramp_program(std::uint32_t fast, std::uint32_t bytes, Ramp call)
{
	bool const update = call == Ramp::update;
	auto le32 = [](std::uint32_t v) {
		return Bytes{std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16),
			     std::uint8_t(v >> 24)};
	};
	std::uint32_t const frame = update ? 24 : 2 * bytes + 8;
	Asm a;
	a.put(cat({{0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x81, 0xec}, le32(frame)}));
	a.call("rax_budget_check");
	if (update) {
		a.put({0xc7, 0x04, 0x24, 0, 0, 0, 0});
		a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
		a.put({0x48, 0x89, 0xe6});
		a.call("rax_map_lookup_elem");
		a.put({0x48, 0x89, 0x44, 0x24, 0x08});
	}
	std::size_t const again = a.at();
	a.put(cat({{0xbb}, le32(fast)}));
	std::size_t const loop = a.at();
	a.call("rax_budget_check");
	// dec ebx; jnz rel8 (to the start of the loop, from the jnz's end)
	a.put({0xff, 0xcb, 0x75, std::uint8_t(loop - (a.at() + 4))});
	a.put(cat({{0xbb}, le32(4096)}));
	std::size_t const slow = a.at();
	if (update) {
		a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
		a.put({0x48, 0x89, 0xe6, 0x48, 0x8b, 0x54, 0x24, 0x08, 0x31, 0xc9});
		a.call("rax_map_update_elem");
	} else if (call == Ramp::bcmp) {
		a.put(cat({{0x48, 0x89, 0xe7, 0x48, 0x89, 0xe6, 0xba}, le32(bytes)}));
		a.call("bcmp");
	} else {
		a.put(cat({{0x48, 0x89, 0xe7, 0x48, 0x8d, 0xb4, 0x24}, le32(bytes), {0xba}, le32(bytes)}));
		a.call("memcpy");
	}
	a.call("rax_budget_check");
	a.put({0xff, 0xcb, 0x75, std::uint8_t(slow - (a.at() + 4))});
	a.put({0xeb, std::uint8_t(again - (a.at() + 2))});
	if (update)
		return from_asm(a, {"rax_map_lookup_elem", "rax_map_update_elem"},
				{map_def(2, "big", 4, bytes, 1)});
	return from_asm(a, {call == Ramp::bcmp ? "bcmp" : "memcpy"}, {});
}

// Updates key 0 of a hash map with 8 bytes of its stack, again and again,
// after @fast empty iterations (which grow the check interval), as the
// slow loop of ramp_program(); a Rax kprobe program on the map's update
// (nested_spin_program()) runs to its budget inside each update:
//   (prologue); mov dword [rsp], 0; mov qword [rsp + 8], 0;
//   again: mov ebx, fast; loop: call rax_budget_check; dec ebx; jnz loop;
//   mov ebx, 4096; slow: lea rdi, [rip + MAPS]; mov rsi, rsp;
//   lea rdx, [rsp + 8]; xor ecx, ecx; call rax_map_update_elem;
//   call rax_budget_check; dec ebx; jnz slow; jmp again
ObjectSpec nested_outer_program(std::uint32_t fast)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	a.put({0xc7, 0x04, 0x24, 0, 0, 0, 0, 0x48, 0xc7, 0x44, 0x24, 0x08, 0, 0, 0, 0});
	std::size_t const again = a.at();
	a.put({0xbb, std::uint8_t(fast), std::uint8_t(fast >> 8), std::uint8_t(fast >> 16),
	       std::uint8_t(fast >> 24)});
	std::size_t const loop = a.at();
	a.call("rax_budget_check");
	a.put({0xff, 0xcb, 0x75, std::uint8_t(loop - (a.at() + 4))});
	a.put({0xbb, 0x00, 0x10, 0, 0});
	std::size_t const slow = a.at();
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	a.put({0x48, 0x89, 0xe6, 0x48, 0x8d, 0x54, 0x24, 0x08, 0x31, 0xc9});
	a.call("rax_map_update_elem");
	a.call("rax_budget_check");
	a.put({0xff, 0xcb, 0x75, std::uint8_t(slow - (a.at() + 4))});
	a.put({0xeb, std::uint8_t(again - (a.at() + 2))});
	return from_asm(a, {"rax_map_update_elem"}, {map_def(1, "h", 4, 8, 4)});
}

// A kprobe program that loops until its budget stops it:
//   (prologue); loop: call rax_budget_check; jmp loop
ObjectSpec nested_spin_program()
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	std::size_t const loop = a.at();
	a.call("rax_budget_check");
	a.put({0xeb, std::uint8_t(loop - (a.at() + 2))});
	ObjectSpec spec = from_asm(a, {}, {});
	spec.entries = {{prog_kprobe, "rax_entry_forge"}};
	return spec;
}

// Takes the lock of element 0 of a lock array and loops, under it, until
// it is stopped:
//   (lookup); test rax, rax; je out; mov rdi, rax; call rax_spin_lock;
//   loop: call rax_budget_check; jmp loop; out: (epilogue)
ObjectSpec lock_spin_program()
{
	Asm a = lookup_key0();
	a.put({0x48, 0x85, 0xc0, 0x74, 0});
	std::size_t const je = a.at();
	a.put({0x48, 0x89, 0xc7});
	a.call("rax_spin_lock");
	std::size_t const loop = a.at();
	a.call("rax_budget_check");
	a.put({0xeb, std::uint8_t(loop - (a.at() + 2))});
	a.code[je - 1] = std::uint8_t(a.at() - je);
	a.put(epilogue);
	rax_map_def m = map_def(2, "locks", 4, 8, 4);
	m.flags = RAX_MAP_SPIN_LOCK;
	return from_asm(a, {"rax_map_lookup_elem", "rax_spin_lock"}, {m});
}

// After @fast empty iterations (which grow the check interval), calls a
// function of @divs divisions in a row, again and again: a function entry
// and a back-edge are the only cancellation points, the straight-line code
// between them as long as the object allows:
//   (prologue); mov ebx, fast; loop: call rax_budget_check; dec ebx;
//   jnz loop; slow: call f; call rax_budget_check; jmp slow;
//   f: push rbp; mov rbp, rsp; call rax_budget_check; mov ecx, 3;
//   mov eax, -1; (xor edx, edx; div ecx) * divs; pop rbp; ret
ObjectSpec straight_line_program(std::uint32_t fast, std::uint32_t divs)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	a.put({0xbb, std::uint8_t(fast), std::uint8_t(fast >> 8), std::uint8_t(fast >> 16),
	       std::uint8_t(fast >> 24)});
	std::size_t const loop = a.at();
	a.call("rax_budget_check");
	a.put({0xff, 0xcb, 0x75, std::uint8_t(loop - (a.at() + 4))});
	std::size_t const slow = a.at();
	a.put({0xe8, 0, 0, 0, 0});
	std::size_t const call_f = a.at();
	a.call("rax_budget_check");
	a.put({0xeb, std::uint8_t(slow - (a.at() + 2))});
	auto const rel = static_cast<std::uint32_t>(a.at() - call_f);
	std::memcpy(&a.code[call_f - 4], &rel, 4);
	a.put({0x55, 0x48, 0x89, 0xe5});
	a.call("rax_budget_check");
	a.put({0xb9, 3, 0, 0, 0, 0xb8, 0xff, 0xff, 0xff, 0xff});
	for (std::uint32_t i = 0; i < divs; i++)
		a.put({0x31, 0xd2, 0xf7, 0xf1});
	a.put({0x5d, 0xc3});
	return from_asm(a, {}, {});
}

// Takes a lock word it wrote on its own stack (@word: 1 spins forever with
// interrupts off; queue tail bits send the qspinlock slow path through a
// pointer it decodes from them):
//   mov dword [rsp], word; mov rdi, rsp; call rax_spin_lock;
//   mov rdi, rsp; call rax_spin_unlock
ObjectSpec stack_lock_program(std::uint32_t word)
{
	ObjectSpec spec = forge_spec({"rax_spin_lock", "rax_spin_unlock"});
	spec.maps = {};
	Bytes w(4);
	std::memcpy(w.data(), &word, 4);
	spec.code = cat({prologue, {0xc7, 0x04, 0x24}, w, {0x48, 0x89, 0xe7}, {0xe8, 0, 0, 0, 0},
			 {0x48, 0x89, 0xe7}, {0xe8, 0, 0, 0, 0}, epilogue});
	spec.code_relas.push_back({0x19, "rax_spin_lock", R_X86_64_PLT32, -4});
	spec.code_relas.push_back({0x21, "rax_spin_unlock", R_X86_64_PLT32, -4});
	return spec;
}

// Calls an XDP packet helper with its own context, or with a fake one on
// its stack (a forged xdp_buff: data and data_end of its choosing):
//   push rbp; mov rbp, rsp; push rbx; sub rsp, 24; mov rbx, rdi;
//   call rax_budget_check; mov rdi, rbx | mov rdi, rsp; xor esi, esi;
//   call rax_xdp_adjust_head
ObjectSpec xdp_ctx_program(bool own)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18, 0x48, 0x89, 0xfb});
	a.call("rax_budget_check");
	a.put(own ? Bytes{0x48, 0x89, 0xdf} : Bytes{0x48, 0x89, 0xe7});
	a.put({0x31, 0xf6});
	a.call("rax_xdp_adjust_head");
	a.put(epilogue);
	return from_asm(a, {"rax_xdp_adjust_head"}, {});
}

// Looks key 0 up in a map without values (or, with @update, updates it)
// and passes only if the helper said NULL (-EINVAL): the lookup of a
// devmap would otherwise hand out the net_device, a cpumap's a CPU's
// queue, a perf event array's an error pointer:
//   (lookup | update); test rax, rax | cmp rax, -22; mov eax, 2;
//   je +5; mov eax, 1; add rsp, 24; pop rbx; pop rbp; ret
ObjectSpec valueless_program(rax_map_def m, bool update)
{
	Asm a = lookup_key0();
	if (update)
		update_key0(a, false);
	a.put(update ? Bytes{0x48, 0x83, 0xf8, 0xea} : Bytes{0x48, 0x85, 0xc0});
	a.put({0xb8, 0x02, 0, 0, 0, 0x74, 0x05, 0xb8, 0x01, 0, 0, 0});
	a.put({0x48, 0x83, 0xc4, 0x18, 0x5b, 0x5d, 0xc3});
	std::vector<std::string> helpers = {"rax_map_lookup_elem"};
	if (update)
		helpers.push_back("rax_map_update_elem");
	return from_asm(a, helpers, {m});
}

// The checksum difference of 4 bytes at its stack, or at kernel text,
// against 4 at its stack:
//   lea rdi, [rip + rax_map_lookup_elem] | mov rdi, rsp; mov esi, 4;
//   mov rdx, rsp; mov ecx, 4; xor r8d, r8d; call rax_csum_diff
ObjectSpec csum_program(bool kernel_text)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	if (kernel_text)
		a.rel32({0x48, 0x8d, 0x3d}, "rax_csum_diff", R_X86_64_PC32);
	else
		a.put({0x48, 0x89, 0xe7});
	a.put({0xbe, 0x04, 0, 0, 0, 0x48, 0x89, 0xe2, 0xb9, 0x04, 0, 0, 0, 0x45, 0x31, 0xc0});
	a.call("rax_csum_diff");
	a.put(epilogue);
	return from_asm(a, {"rax_csum_diff"}, {});
}

// Pushes onto a queue 8 bytes of its stack, or of kernel text:
//   lea rdi, [rip + MAPS]; mov rsi, rsp | lea rsi, [rip + rax_map_push_elem];
//   xor edx, edx; call rax_map_push_elem
ObjectSpec push_program(bool kernel_text)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32);
	if (kernel_text)
		a.rel32({0x48, 0x8d, 0x35}, "rax_map_push_elem", R_X86_64_PC32);
	else
		a.put({0x48, 0x89, 0xe6});
	a.put({0x31, 0xd2});
	a.call("rax_map_push_elem");
	a.put(epilogue);
	return from_asm(a, {"rax_map_push_elem"}, {map_def(22, "queue", 0, 8, 4)});
}

// A FIB lookup whose 64 bytes of parameters (written by the kernel) are
// its stack (a frame of 88 bytes), or kernel text:
//   push rbp; mov rbp, rsp; push rbx; sub rsp, 88; call rax_budget_check;
//   mov rdi, rsp | lea rdi, [rip + rax_fib_lookup]; mov esi, 64;
//   xor edx, edx; call rax_fib_lookup; mov eax, 2; add rsp, 88; pop rbx;
//   pop rbp; ret
ObjectSpec fib_program(bool kernel_text)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x58});
	a.call("rax_budget_check");
	if (kernel_text)
		a.rel32({0x48, 0x8d, 0x3d}, "rax_fib_lookup", R_X86_64_PC32);
	else
		a.put({0x48, 0x89, 0xe7});
	a.put({0xbe, 0x40, 0, 0, 0, 0x31, 0xd2});
	a.call("rax_fib_lookup");
	a.put({0xb8, 0x02, 0, 0, 0, 0x48, 0x83, 0xc4, 0x58, 0x5b, 0x5d, 0xc3});
	ObjectSpec spec = from_asm(a, {"rax_fib_lookup"}, {});
	return spec;
}

// A tc program that stores 4 bytes at offset 0 of its packet from its
// stack, or from the packet itself (making the packet writable may free
// its head before the copy):
//   push rbp; mov rbp, rsp; push rbx; sub rsp, 24; mov rbx, rdi;
//   call rax_budget_check; mov rdi, rbx; xor esi, esi;
//   lea rdx, [rsp] | mov rdx, [rbx] (the context's data); mov ecx, 4;
//   xor r8d, r8d; call rax_skb_store_bytes
ObjectSpec tc_store_program(bool from_packet)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18, 0x48, 0x89, 0xfb});
	a.call("rax_budget_check");
	a.put({0x48, 0x89, 0xdf, 0x31, 0xf6});
	a.put(from_packet ? Bytes{0x48, 0x8b, 0x13} : Bytes{0x48, 0x8d, 0x14, 0x24});
	a.put({0xb9, 0x04, 0, 0, 0, 0x45, 0x31, 0xc0});
	a.call("rax_skb_store_bytes");
	a.put(epilogue);
	ObjectSpec spec = from_asm(a, {"rax_skb_store_bytes"}, {});
	spec.entries = {{prog_sched_cls, "rax_entry_forge"}};
	return spec;
}

// Makes a tc program's packet writable with its own context, or with a
// context it made on its stack (the helper would read and rewrite it as
// its packet's):
//   push rbp; mov rbp, rsp; push rbx; sub rsp, 24; mov rbx, rdi;
//   call rax_budget_check; mov rdi, rbx | mov rdi, rsp;
//   call rax_tc_make_writable
ObjectSpec tc_writable_program(bool other)
{
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18, 0x48, 0x89, 0xfb});
	a.call("rax_budget_check");
	a.put(other ? Bytes{0x48, 0x89, 0xe7} : Bytes{0x48, 0x89, 0xdf});
	a.call("rax_tc_make_writable");
	a.put(epilogue);
	ObjectSpec spec = from_asm(a, {"rax_tc_make_writable"}, {});
	spec.entries = {{prog_sched_cls, "rax_entry_forge"}};
	return spec;
}

// What a tracing program does with a task reference or a ring buffer
// record: the controls use each as what it is, the forgeries pass one
// kind where the other is due, or a reference already put. The cleanup
// log's entry holds the same pointer in each case: only its kind tells.
enum class Kinds {
	task_ok,	 // reads the ids of the current task, puts it
	record_ok,	 // reserves a record and submits it
	task_submitted,	 // submits a task reference as a record
	task_discarded,	 // discards one
	record_released, // puts a record as a task reference
	record_read,	 // reads a record's ids as a task's
	record_parent,	 // takes the "parent" of a record
	released_read,	 // reads the ids of a task it has put
	released_twice,	 // puts a task reference twice
};

// Maps: an array "seen" (4-byte keys, 8-byte values) at MAPS, a ring
// buffer "events" of 4096 bytes at MAPS + 64. Type BPF_PROG_TYPE_TRACEPOINT.
//   (prologue);
//   task:   call rax_task_acquire_current
//   record: lea rdi, [rip + MAPS + 64]; mov esi, 8; xor edx, edx;
//           call rax_ringbuf_reserve
//   test rax, rax; je out; mov rbx, rax; then per @how, each use of the
//   handle a "mov rdi, rbx" and the call (xor esi, esi for the ring buffer
//   calls' flags); task_ok stores the ids with (update_key0);
//   out: (epilogue)
ObjectSpec kinds_program(Kinds how)
{
	bool const record = how == Kinds::record_ok || how == Kinds::record_released ||
			    how == Kinds::record_read || how == Kinds::record_parent;
	Asm a;
	a.put({0x55, 0x48, 0x89, 0xe5, 0x53, 0x48, 0x83, 0xec, 0x18});
	a.call("rax_budget_check");
	if (record) {
		a.rel32({0x48, 0x8d, 0x3d}, "MAPS", R_X86_64_PC32, 64 - 4);
		a.put({0xbe, 8, 0, 0, 0, 0x31, 0xd2});
		a.call("rax_ringbuf_reserve");
	} else {
		a.call("rax_task_acquire_current");
	}
	a.put({0x48, 0x85, 0xc0, 0x0f, 0x84, 0, 0, 0, 0});
	std::size_t const je = a.at();
	a.put({0x48, 0x89, 0xc3});
	auto use = [&a](char const *helper, bool flags = false) {
		a.put({0x48, 0x89, 0xdf});
		if (flags)
			a.put({0x31, 0xf6});
		a.call(helper);
	};
	switch (how) {
	case Kinds::task_ok:
		use("rax_task_pid_tgid");
		a.put({0x48, 0x89, 0x44, 0x24, 0x08});
		update_key0(a, false);
		use("rax_task_release");
		break;
	case Kinds::record_ok:
	case Kinds::task_submitted:
		use("rax_ringbuf_submit", true);
		break;
	case Kinds::task_discarded:
		use("rax_ringbuf_discard", true);
		break;
	case Kinds::record_released:
		use("rax_task_release");
		break;
	case Kinds::record_read:
		use("rax_task_pid_tgid");
		break;
	case Kinds::record_parent:
		use("rax_task_acquire_parent");
		break;
	case Kinds::released_read:
		use("rax_task_release");
		use("rax_task_pid_tgid");
		break;
	case Kinds::released_twice:
		use("rax_task_release");
		use("rax_task_release");
		break;
	}
	auto const rel = static_cast<std::uint32_t>(a.at() - je);
	std::memcpy(&a.code[je - 4], &rel, 4);
	a.put(epilogue);
	std::vector<std::string> helpers = {"rax_ringbuf_reserve", "rax_ringbuf_submit",
					    "rax_ringbuf_discard", "rax_task_acquire_current",
					    "rax_task_release", "rax_task_pid_tgid",
					    "rax_task_acquire_parent", "rax_map_update_elem"};
	ObjectSpec spec = from_asm(a, helpers, {map_def(2, "seen", 4, 8, 1), map_def(27, "events", 0, 0, 4096)});
	spec.entries = {{prog_tracepoint, "rax_entry_forge"}};
	return spec;
}

void write_forged(std::string const &name, ObjectSpec const &spec)
{
	Bytes const img = make_object(spec);
	auto r = parse_object(img);
	INFO(name << ": " << (r ? "" : r.error().to_string()));
	// Format-valid: only the kernel's own checks stand in the way.
	REQUIRE(r.ok());
	REQUIRE(r->entries.size() == 1);
	char const *dir = std::getenv("RAX_FORGE_DIR");
	if (!dir || !*dir)
		return;
	std::ofstream(std::string(dir) + "/" + name + ".o", std::ios::binary)
		.write(reinterpret_cast<char const *>(img.data()), static_cast<std::streamsize>(img.size()));
}

} // namespace

TEST_CASE("forge objects: map definitions a program does not own", "[forge-objects]")
{
	write_forged("def-ok", lookup_program(0));
	write_forged("def-second-ok", lookup_program(64));
	write_forged("def-past-end", lookup_program(128));
	write_forged("def-misaligned", lookup_program(8));
	write_forged("def-on-stack", lookup_program(0, true));
}

TEST_CASE("forge objects: spin locks a program does not own", "[forge-objects]")
{
	write_forged("lock-array-ok", lock_program(2, 0));
	write_forged("lock-array-off4", lock_program(2, 4));
	write_forged("lock-hash-ok", lock_program(1, 0));
	write_forged("lock-hash-off4", lock_program(1, 4));
	write_forged("lock-stack-1", stack_lock_program(1));
	// A map update under the lock: the other order of a bucket lock and a
	// value's lock.
	write_forged("lock-hash-update", lock_program(1, 0, true));
	write_forged("lock-array-update", lock_program(2, 0, true));
	write_forged("lock-stack-tail", stack_lock_program(0xfffc0000U));
	// The lock of the last element, in an array whose elements are a
	// power of two apart (16 bytes: the kernel masks the offset) and in
	// one whose are not (24 bytes: it divides), and a word beside it.
	write_forged("lock-array16-key3-ok", lock_program(2, 0, false, 3, 16, 0));
	write_forged("lock-array16-key3-off8", lock_program(2, 8, false, 3, 16, 0));
	write_forged("lock-array24-key3-ok", lock_program(2, 8, false, 3, 24, 8));
	write_forged("lock-array24-key3-off12", lock_program(2, 12, false, 3, 24, 8));
	write_forged("lock-array24-key3-off0", lock_program(2, 0, false, 3, 24, 8));
	// Giving back a lock it does not hold: another element's, one given
	// back already, one never taken, and a ring buffer record it holds.
	write_forged("unlock-other", unlock_program(Unlock::other));
	write_forged("unlock-twice", unlock_program(Unlock::twice));
	write_forged("unlock-unheld", unlock_program(Unlock::unheld));
	write_forged("unlock-record", unlock_record_program());
	// The same pointer of another kind below the last entry, and a lock
	// taken with the cleanup log full (it would go unrecorded).
	write_forged("unlock-record-below", ring_lock_program(RingLock::record_below));
	write_forged("lock-full-log", ring_lock_program(RingLock::full_log));
}

TEST_CASE("forge objects: sources a program does not own", "[forge-objects]")
{
	write_forged("src-ok", source_program(false));
	write_forged("src-packet-ok", packet_key_program());
	write_forged("src-kernel-text", source_program(true));
}

// Read-only data shares its pages with other programs': a source that
// begins or ends outside the program's own part reads theirs.
TEST_CASE("forge objects: sources around a program's read-only data", "[forge-objects]")
{
	auto const [first, end] = ro_bounds_from_maps(ro_source_program(0));
	CHECK(first <= 0);
	CHECK(end >= 64);
	CHECK(end % 8 == 0);
	write_forged("src-ro-first-ok", ro_source_program(first));
	write_forged("src-ro-last-ok", ro_source_program(end - 8));
	write_forged("src-ro-before", ro_source_program(first - 4));
	write_forged("src-ro-past-end", ro_source_program(end - 4));
	write_forged("src-ro-next", ro_source_program(end));
}

TEST_CASE("forge objects: copies after the budget check's interval grew", "[forge-objects]")
{
	write_forged("ramp-memcpy", ramp_program(100000, 16384, Ramp::memcpy));
	write_forged("ramp-bcmp", ramp_program(100000, 16384, Ramp::bcmp));
	write_forged("ramp-update", ramp_program(100000, 65536, Ramp::update));
}

TEST_CASE("forge objects: time in nested runs", "[forge-objects]")
{
	write_forged("nested-outer", nested_outer_program(20000));
	write_forged("nested-spin", nested_spin_program());
}

TEST_CASE("forge objects: a loop under a spin lock", "[forge-objects]")
{
	write_forged("lock-spin", lock_spin_program());
}

TEST_CASE("forge objects: long straight-line code between two points", "[forge-objects]")
{
	write_forged("straight-line", straight_line_program(100000, 16384));
}

TEST_CASE("forge objects: relocation addends outside what they name", "[forge-objects]")
{
	// Into the middle of the helper, and far past .rax.maps.
	write_forged("addend-helper", lookup_program(0, false, 12));
	write_forged("addend-section", lookup_program(4096));
	write_forged("addend-section-neg", lookup_program(-4096));
	// 12 bytes before .rax.maps: past the 8 a PC-relative operand may need.
	write_forged("addend-before", lookup_program(-8));
}

TEST_CASE("forge objects: packet and queue helpers given what a program does not own",
	  "[forge-objects]")
{
	write_forged("xdp-ctx-ok", xdp_ctx_program(true));
	write_forged("xdp-ctx-on-stack", xdp_ctx_program(false));
	write_forged("csum-ok", csum_program(false));
	write_forged("csum-kernel-text", csum_program(true));
	write_forged("push-ok", push_program(false));
	write_forged("push-kernel-text", push_program(true));
	write_forged("fib-ok", fib_program(false));
	write_forged("fib-kernel-text", fib_program(true));
}

TEST_CASE("forge objects: lookups and updates of maps without values", "[forge-objects]")
{
	write_forged("lookup-devmap-null", valueless_program(map_def(14, "devs", 4, 4, 4), false));
	write_forged("lookup-cpumap-null", valueless_program(map_def(16, "cpus", 4, 4, 4), false));
	write_forged("lookup-perf-null", valueless_program(map_def(4, "events", 4, 4, 4), false));
	write_forged("lookup-stacks-null", valueless_program(map_def(7, "stacks", 4, 64, 4), false));
	write_forged("update-devmap-einval", valueless_program(map_def(14, "devs", 4, 4, 4), true));
}

TEST_CASE("forge objects: a tc store from the packet it writes", "[forge-objects]")
{
	write_forged("tc-store-ok", tc_store_program(false));
	write_forged("tc-store-from-packet", tc_store_program(true));
}

TEST_CASE("forge objects: a tc context that is not its own", "[forge-objects]")
{
	write_forged("tc-writable-ok", tc_writable_program(false));
	write_forged("tc-writable-other", tc_writable_program(true));
}

TEST_CASE("forge objects: task references and ring buffer records confused", "[forge-objects]")
{
	write_forged("kinds-task-ok", kinds_program(Kinds::task_ok));
	write_forged("kinds-record-ok", kinds_program(Kinds::record_ok));
	write_forged("kinds-task-submitted", kinds_program(Kinds::task_submitted));
	write_forged("kinds-task-discarded", kinds_program(Kinds::task_discarded));
	write_forged("kinds-record-released", kinds_program(Kinds::record_released));
	write_forged("kinds-record-read", kinds_program(Kinds::record_read));
	write_forged("kinds-record-parent", kinds_program(Kinds::record_parent));
	write_forged("kinds-released-read", kinds_program(Kinds::released_read));
	write_forged("kinds-released-twice", kinds_program(Kinds::released_twice));
}
