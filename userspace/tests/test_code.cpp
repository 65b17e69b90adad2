// SPDX-License-Identifier: GPL-2.0
// The machine-code check of a compiler object: the x86-64 decoder on
// instructions whose length and class are known, and analyse_compiler_object()
// refusing code that returns, branches or executes what the kernel cannot
// run safely.
#include <catch2/catch.hpp>

#include "../librax/src/x86.hpp"
#include "elf_builder.hpp"

#include <linux/rax.h>

#include <array>

using namespace rax;
using namespace rax::test;

namespace {

struct Known {
	std::vector<std::uint8_t> bytes;
	unsigned length;
	x86::Class cls;
};

} // namespace

TEST_CASE("x86: length and class of instructions a compiler emits", "[x86]")
{
	using C = x86::Class;
	std::vector<Known> const known = {
		{{0xf3, 0x0f, 0x1e, 0xfa}, 4, C::endbr64},
		{{0x55}, 1, C::plain},					    // push rbp
		{{0x48, 0x89, 0xe5}, 3, C::plain},			    // mov rbp, rsp
		{{0x48, 0x8b, 0x44, 0x24, 0x08}, 5, C::plain},		    // mov rax, [rsp+8]
		{{0x48, 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00}, 8, C::plain}, // [rsp+256]
		{{0x48, 0x8d, 0x05, 1, 2, 3, 4}, 7, C::plain},		    // lea rax, [rip+d]
		{{0x8b, 0x04, 0x25, 1, 2, 3, 4}, 7, C::plain},		    // mov eax, [abs]
		{{0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, C::plain},	    // movabs rax, imm64
		{{0xb8, 1, 2, 3, 4}, 5, C::plain},			    // mov eax, imm32
		{{0x66, 0xb8, 1, 2}, 4, C::plain},			    // mov ax, imm16
		{{0xc7, 0x44, 0x24, 0x08, 1, 2, 3, 4}, 8, C::plain},	    // mov dword [rsp+8], imm
		{{0x66, 0xc7, 0x00, 1, 2}, 5, C::plain},		    // mov word [rax], imm16
		{{0xf6, 0xc1, 0x01}, 3, C::plain},			    // test cl, 1
		{{0xf7, 0xc1, 1, 2, 3, 4}, 6, C::plain},		    // test ecx, imm32
		{{0xf7, 0xd8}, 2, C::plain},				    // neg eax
		{{0x48, 0x69, 0xc0, 1, 2, 3, 4}, 7, C::plain},		    // imul rax, rax, imm32
		{{0x48, 0x83, 0xec, 0x18}, 4, C::plain},		    // sub rsp, 24
		{{0x0f, 0xb6, 0xc0}, 3, C::plain},			    // movzx eax, al
		{{0x0f, 0x1f, 0x44, 0x00, 0x00}, 5, C::plain},		    // nopl
		{{0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, 10, C::plain}, // cs nopw
		{{0xf0, 0x48, 0x0f, 0xb1, 0x0a}, 5, C::plain},		    // lock cmpxchg
		{{0xf0, 0x48, 0x0f, 0xc1, 0x07}, 5, C::plain},		    // lock xadd
		{{0x48, 0x0f, 0xc7, 0x0e}, 4, C::plain},		    // cmpxchg16b
		{{0x0f, 0xae, 0xe8}, 3, C::plain},			    // lfence
		{{0xf3, 0x48, 0x0f, 0xb8, 0xc0}, 5, C::plain},		    // popcnt
		{{0x48, 0x0f, 0xa4, 0xc2, 0x05}, 5, C::plain},		    // shld rdx, rax, 5
		{{0xc8, 0x10, 0x00, 0x00}, 4, C::plain},		    // enter 16, 0
		{{0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 10, C::plain},	    // movabs rax, [moffs]
		{{0xf3, 0x48, 0xab}, 3, C::plain},			    // rep stosq
		{{0x0f, 0x0b}, 2, C::plain},				    // ud2
		{{0xcc}, 1, C::plain},					    // int3
		{{0xe8, 1, 2, 3, 4}, 5, C::call_rel32},
		{{0xe9, 1, 2, 3, 4}, 5, C::jmp_rel32},
		{{0x0f, 0x85, 1, 2, 3, 4}, 6, C::jcc_rel32},
		{{0x75, 0x10}, 2, C::jmp_rel8},
		{{0xeb, 0xfe}, 2, C::jmp_rel8},
		{{0xc3}, 1, C::ret},
		{{0xc2, 0x08, 0x00}, 3, C::ret},
		{{0x48, 0xcf}, 2, C::ret},				    // iretq
		{{0xff, 0xd0}, 2, C::indirect},				    // call rax
		{{0x41, 0xff, 0xe3}, 3, C::indirect},			    // jmp r11
		{{0xff, 0x24, 0xc5, 1, 2, 3, 4}, 7, C::indirect},	    // jmp [table+rax*8]
		{{0xff, 0x50, 0x20}, 3, C::indirect},			    // call [rax+32]
		{{0xff, 0x2c, 0x24}, 3, C::indirect},			    // ljmp [rsp]
		{{0x0f, 0x05}, 2, C::system},				    // syscall
		{{0xfa}, 1, C::system},					    // cli
		{{0x0f, 0x30}, 2, C::system},				    // wrmsr
		{{0x0f, 0x22, 0xd8}, 3, C::system},			    // mov cr3, rax
		{{0x0f, 0x01, 0xd0}, 3, C::system},			    // xgetbv
		{{0xcd, 0x80}, 2, C::system},				    // int 0x80
		{{0xe6, 0x80}, 2, C::system},				    // out 0x80, al
		{{0x0f, 0xae, 0x20}, 3, C::system},			    // xsave [rax]
		{{0x48, 0x0f, 0xc7, 0xf0}, 4, C::system},		    // rdrand rax
	};
	for (auto const &k : known) {
		INFO(rax::hex(k.bytes));
		auto const i = x86::decode(k.bytes);
		REQUIRE(i);
		CHECK(unsigned(i->cls) == unsigned(k.cls));
		if (k.cls != C::vector)
			CHECK(i->length == k.length);
		// One byte short is never an instruction.
		if (k.cls != C::vector)
			CHECK_FALSE(x86::decode(std::span(k.bytes).first(k.bytes.size() - 1)));
	}
	// Branch displacements.
	std::array<std::uint8_t, 5> const call = {0xe8, 0xfb, 0xff, 0xff, 0xff};
	auto const c = x86::decode(call);
	REQUIRE(c);
	CHECK(c->rel_at == 1);
	CHECK(c->rel == -5);
	std::array<std::uint8_t, 2> const jne = {0x75, 0x80};
	CHECK(x86::decode(jne)->rel == -128);
	// Vector instructions, whatever their length.
	for (std::vector<std::uint8_t> v : {std::vector<std::uint8_t>{0x0f, 0x28, 0xc1},
					    {0xc5, 0xf8, 0x77},
					    {0x66, 0x0f, 0xef, 0xc0},
					    {0x0f, 0x10, 0x06},
					    {0x62, 0xf1, 0x7c, 0x48, 0x10, 0x06}}) {
		INFO(rax::hex(v));
		REQUIRE(x86::decode(v));
		CHECK(x86::decode(v)->cls == C::vector);
	}
	// Not instructions in 64-bit mode, or not ones the check knows.
	for (std::vector<std::uint8_t> v : {std::vector<std::uint8_t>{0x06},
					    {0x27},
					    {0x9a, 1, 2, 3, 4, 5, 6},
					    {0x0f, 0x0f, 0xc0, 0xb4},
					    {0xff, 0xf8},
					    {0x66, 0xe8, 1, 2},
					    // 16 bytes: over the architecture's 15
					    {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					     0x66, 0x66, 0x66, 0x66, 0x66, 0x90},
					    {}}) {
		INFO(rax::hex(v));
		CHECK_FALSE(x86::decode(v));
	}
}

// What holding the decoder against LLVM's disassembler found it getting
// wrong: a length, or a class that let a branch, a privileged or a vector
// instruction pass as plain.
TEST_CASE("x86: the decoder's mistakes LLVM's disassembler found", "[x86]")
{
	using C = x86::Class;
	std::vector<Known> const known = {
		// REX.W takes precedence over 66: a 64-bit operation with imm32,
		// not imm16 (the walk went on two bytes early).
		{{0x66, 0x48, 0x81, 0xc0, 1, 2, 3, 4}, 8, C::plain},	    // add rax, imm32
		{{0x66, 0x48, 0xc7, 0x00, 1, 2, 3, 4}, 8, C::plain},	    // mov qword [rax], imm32
		{{0x66, 0x48, 0xa9, 1, 2, 3, 4}, 7, C::plain},		    // test rax, imm32
		{{0x66, 0x48, 0x69, 0xc0, 1, 2, 3, 4}, 8, C::plain},	    // imul rax, rax, imm32
		// xbegin branches to its displacement on an abort: was plain.
		{{0xc7, 0xf8, 1, 2, 3, 4}, 6, C::system},
		{{0xc6, 0xf8, 0x01}, 3, C::system},			    // xabort
		// LOCK where it may go (it is refused where it raises #UD).
		{{0xf0, 0x0f, 0xc1, 0x02}, 4, C::plain},		    // lock xadd [rdx], eax
		{{0xf0, 0x83, 0x00, 0x01}, 4, C::plain},		    // lock add dword [rax], 1
		{{0xf0, 0x0f, 0xba, 0x28, 0x03}, 5, C::plain},		    // lock bts dword [rax], 3
		{{0xf0, 0x48, 0x87, 0x03}, 4, C::plain},		    // lock xchg [rbx], rax
		// The forms of the rows the fixes narrowed that stay plain.
		{{0x0f, 0xae, 0x38}, 3, C::plain},			    // clflush [rax]
		{{0x66, 0x0f, 0xae, 0x38}, 4, C::plain},		    // clflushopt [rax]
		{{0x0f, 0x18, 0x08}, 3, C::plain},			    // prefetcht0 [rax]
		{{0x0f, 0x0d, 0x08}, 3, C::plain},			    // prefetchw [rax]
		{{0x0f, 0x38, 0xf0, 0x00}, 4, C::plain},		    // movbe eax, [rax]
		{{0xf2, 0x0f, 0x38, 0xf1, 0xc1}, 5, C::plain},		    // crc32 eax, ecx
		{{0x66, 0x0f, 0x38, 0xf6, 0xc1}, 5, C::plain},		    // adcx eax, ecx
		{{0xf3, 0x90}, 2, C::plain},				    // pause
	};
	for (auto const &k : known) {
		INFO(rax::hex(k.bytes));
		auto const i = x86::decode(k.bytes);
		REQUIRE(i);
		CHECK(unsigned(i->cls) == unsigned(k.cls));
		CHECK(i->length == k.length);
		CHECK_FALSE(x86::decode(std::span(k.bytes).first(k.bytes.size() - 1)));
	}
	// x87 was plain: its registers are the MMX registers, which the
	// kernel does not save for a program either.
	for (std::vector<std::uint8_t> v : {std::vector<std::uint8_t>{0xd9, 0xc0}, // fld st0
					    {0xdd, 0x05, 1, 2, 3, 4},		   // fld qword [rip+d]
					    {0xd9, 0x7c, 0x24, 0x08},		   // fnstcw [rsp+8]
					    {0xdb, 0xe3},			   // fninit
					    {0x9b}}) {				   // fwait
		INFO(rax::hex(v));
		REQUIRE(x86::decode(v));
		CHECK(x86::decode(v)->cls == C::vector);
	}
	// Were plain (or endbr64, or indirect); now refused: CET, TSX-era,
	// user-MSR and enqueue instructions, an XOP vector instruction that
	// passed for pop, encodings the CPU does not define or whose length
	// vendors disagree on, and LOCK where it raises #UD.
	for (std::vector<std::uint8_t> v : {
		     std::vector<std::uint8_t>{0x8f, 0xe8, 0x78, 0xc0, 0xc0, 0x00}, // XOP vprotb
		     {0x66, 0x0f, 0x38, 0xf5, 0x00},				 // wruss [rax], eax
		     {0x0f, 0x38, 0xf6, 0x00},					 // wrss [rax], eax
		     {0xf3, 0x0f, 0x38, 0xf8, 0x00},				 // enqcmds eax, [rax]
		     {0xf3, 0x0f, 0x38, 0xf8, 0xc0},				 // uwrmsr rax, rax
		     {0xf2, 0x0f, 0x38, 0xf8, 0xc0},				 // urdmsr rax, rax
		     {0x0f, 0x38, 0xf9, 0x00},					 // movdiri [rax], eax
		     {0x0f, 0x38, 0xfc, 0x00},					 // aadd [rax], eax
		     {0xf3, 0x0f, 0x38, 0xfa, 0xc1},				 // encodekey128 (xmm)
		     {0x0f, 0x38, 0xf0, 0xc0},					 // movbe of a register
		     {0x66, 0x0f, 0xae, 0xf0},					 // tpause eax
		     {0xf2, 0x0f, 0xae, 0xf0},					 // umwait eax
		     {0xf3, 0x0f, 0xae, 0xf0},					 // umonitor rax
		     {0xf3, 0x0f, 0xae, 0xe8},					 // incsspd eax
		     {0x67, 0x0f, 0xae, 0xf0},					 // LLVM: tpause
		     {0xf2, 0x0f, 0xae, 0x38},					 // clflush with f2
		     {0xf3, 0xf2, 0x0f, 0x1e, 0xfa},				 // f2 last: not endbr64
		     {0x66, 0xf3, 0x0f, 0x1e, 0xfa},				 // endbr64 exactly only
		     {0xf3, 0x0f, 0x1e, 0xc8},					 // rdsspd eax
		     {0xf3, 0x0f, 0x1e, 0xfb},					 // endbr32
		     {0x0f, 0x1c, 0x00},					 // cldemote
		     {0x0f, 0x19, 0x00},					 // hint nop
		     {0x0f, 0x18, 0x20},					 // prefetchrst2
		     {0x0f, 0x0d, 0xc0},					 // prefetch of a register
		     {0xf0, 0x01, 0xc0},					 // lock add eax, eax
		     {0xf0, 0x8b, 0x00},					 // lock mov
		     {0xf0, 0x38, 0x00},					 // lock cmp [rax], al
		     {0xf0, 0xe9, 1, 2, 3, 4},					 // lock jmp
		     {0xff, 0xd8},						 // lcall through a register
		     {0xff, 0xe8},						 // ljmp through a register
		     {0xc7, 0xc8, 1, 2, 3, 4},					 // c7 /1
		     {0xc6, 0x08, 0x01},					 // c6 /1
		     {0x8d, 0xc0},						 // lea of a register
		     {0x8c, 0xf0},						 // mov eax, segment register 6
		     {0xd1, 0xf0},						 // d1 /6, shl's alias
		     {0xf7, 0xc8, 1, 2, 3, 4},					 // f7 /1, test's alias
		     {0x0f, 0xb8, 0xc0},					 // jmpe (popcnt needs f3)
		     {0x0f, 0xba, 0xc0, 0x01},					 // 0f ba /0
		     {0x0f, 0xc3, 0xc0},					 // movnti to a register
		     {0x0f, 0xff, 0xc0},					 // ud0: a ModRM on Intel only
		     {0x66, 0x0f, 0xc8},					 // bswap of a 16-bit register
		     {0x66, 0xf3, 0x90},
		     // 66 on a near branch: AMD truncates the target to 16 bits.
		     // The decoder refused it on rel32 branches only; LLVM reads
		     // it as Intel does, so this one came from reading the rows.
		     {0x66, 0x74, 0x10},
		     {0x66, 0xeb, 0x10},
		     {0x66, 0xe2, 0x10}}) {
		INFO(rax::hex(v));
		CHECK_FALSE(x86::decode(v));
	}
}

namespace {

// A kprobe entry with no calls: endbr64 (0..4), lea rax, [rip] (4..11),
// jmp __x86_return_thunk (11..16), patched at @off.
Result<Analysis> analyse_patched(std::uint64_t off, std::vector<std::uint8_t> const &bytes)
{
	CompilerSpec spec;
	spec.entries = {{prog_kprobe, "entry"}};
	spec.funcs = {{"entry", 16, {}, true}};
	Bytes img = make_compiler_object(spec);
	for (std::size_t i = 0; i < bytes.size(); i++)
		img = patch_data(img, ".text.entry", off + i, bytes[i]);
	return analyse_compiler_object(img, 4096);
}

void refused(Result<Analysis> const &a, std::string const &what)
{
	REQUIRE_FALSE(a.ok());
	INFO(a.error().to_string());
	CHECK(a.error().code() == EINVAL);
	CHECK(a.error().message().find(what) != std::string::npos);
}

} // namespace

TEST_CASE("code: the machine-code check accepts the thunked shape", "[x86][elf]")
{
	auto a = analyse_patched(4, {0x48, 0x8d, 0x05, 0, 0, 0, 0});
	INFO((a ? "" : a.error().to_string()));
	CHECK(a.ok());
	// A jump over an instruction is fine.
	a = analyse_patched(4, {0x31, 0xc0, 0x74, 0x01, 0x90, 0xeb, 0x00});
	INFO((a ? "" : a.error().to_string()));
	CHECK(a.ok());
	// A backward loop without a cancellation point is not
	// (test_cancel.cpp has the rest).
	refused(analyse_patched(4, {0x31, 0xc0, 0x75, 0xfc, 0xeb, 0x01, 0x90}),
		"function entry+0x6: closes a cycle of the control flow that passes no "
		"cancellation point");
}

TEST_CASE("code: the machine-code check refuses what the kernel cannot run", "[x86][elf]")
{
	refused(analyse_patched(4, {0xc3, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90}),
		"function entry+0x4: a bare return (every return must go through "
		"__x86_return_thunk)");
	refused(analyse_patched(0, {0x90, 0x90, 0x90, 0x90}),
		"function entry: does not start with ENDBR64, and it is global");
	refused(analyse_patched(4, {0xff, 0xd0, 0x90, 0x90, 0x90, 0x90, 0x90}),
		"function entry+0x4: an indirect call or jump not through "
		"__x86_indirect_thunk_r11");
	refused(analyse_patched(4, {0x41, 0xff, 0x24, 0xc3, 0x90, 0x90, 0x90}),
		"an indirect call or jump");
	refused(analyse_patched(4, {0xfa, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90}),
		"function entry+0x4: a privileged or system instruction");
	refused(analyse_patched(4, {0x90, 0x90, 0x0f, 0x05, 0x90, 0x90, 0x90}),
		"entry+0x6: a privileged");
	refused(analyse_patched(4, {0x0f, 0x28, 0xc1, 0x90, 0x90, 0x90, 0x90}),
		"entry+0x4: a vector (SSE/AVX) instruction");
	refused(analyse_patched(4, {0x06, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90}),
		"entry+0x4: an instruction the machine-code check does not know: 06 90");
	// jmp +1 lands inside the mov that follows it: a hidden instruction.
	refused(analyse_patched(4, {0xeb, 0x01, 0xb8, 0x00, 0x00, 0x00, 0x00}),
		"entry+0x4: a branch to +0x7, which is not the start of an instruction");
	// A jump out of the function to where no function starts.
	refused(analyse_patched(4, {0xe9, 0x00, 0x01, 0x00, 0x00, 0x90, 0x90}),
		"entry+0x4: a branch out of the function");
	// The last instruction cut short: decoding runs past the function.
	refused(analyse_patched(11, {0x48, 0xb8}), "entry+0xb: an instruction the machine-code "
						   "check does not know: 48 b8");
	// The return thunk's relocation left outside any jump: its address taken.
	refused(analyse_patched(11, {0xb8}), "refers to the thunk __x86_return_thunk other than "
					     "by a direct call or jump");
}

TEST_CASE("code: ENDBR64 is required where an indirect branch may land", "[x86][elf]")
{
	CompilerSpec spec;
	spec.entries = {{prog_kprobe, "entry"}};
	spec.funcs = {{"entry", 16, {"_RNv3ext6direct", "rax_budget_check"}, true},
		      {"_RNv3ext6direct", 8, {}},
		      {"_RNv3ext6method", 8, {}}};
	spec.funcs[0].indirect_call = true;
	spec.vtable = {"_RNv3ext6method"};
	spec.vtable_users = {"entry"};
	Bytes const img = make_compiler_object(spec);
	auto strip = [&](std::string const &fn) {
		return patch_data(img, ".text." + fn, 0, std::uint32_t(0x90909090));
	};
	REQUIRE(analyse_compiler_object(img, 4096).ok());
	// Only ever called directly: IBT never checks its start.
	auto a = analyse_compiler_object(strip("_RNv3ext6direct"), 4096);
	INFO((a ? "" : a.error().to_string()));
	CHECK(a.ok());
	refused(analyse_compiler_object(strip("_RNv3ext6method"), 4096),
		"function _RNv3ext6method: does not start with ENDBR64, and its address is taken");
}
