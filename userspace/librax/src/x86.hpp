// SPDX-License-Identifier: GPL-2.0
// Internal: the length and class of x86-64 instructions, enough to walk a
// function's code from its first byte to its last and to classify what
// the toolchain's machine-code check looks for. Not a disassembler: no
// operands beyond what the classification needs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace rax::x86 {

enum class Class : std::uint8_t {
	plain,	       // anything else the decoder knows
	endbr64,       // f3 0f 1e fa
	call_rel32,    // e8
	jmp_rel32,     // e9
	jcc_rel32,     // 0f 80..8f
	jmp_rel8,      // eb, 70..7f, e0..e3
	ret,	       // c2, c3, ca, cb, cf (near, far, iret)
	indirect,      // ff /2 /3 /4 /5: call or jmp through a register or memory
	system,	       // privileged or mode-changing: in/out, hlt, cli/sti, int n,
		       // syscall/sysenter, rdmsr/wrmsr, mov to/from cr/dr, 0f 00/01,
		       // xbegin/xabort (whose abort path branches)
	vector,	       // VEX/EVEX, an SSE/MMX register instruction, or x87 (whose
		       // registers the MMX registers are)
};

struct Insn {
	std::uint8_t length = 0;
	Class cls = Class::plain;
	// For the rel8/rel32 classes: the offset of the displacement in the
	// instruction and its signed value.
	std::uint8_t rel_at = 0;
	std::int32_t rel = 0;
	// A conditional branch (jcc, loop, jrcxz): it may also go on to the
	// next instruction.
	bool cond = false;
	// A trap that never goes on to the next instruction (ud0, ud1, ud2,
	// int3): the kernel reports it and stops the program.
	bool trap = false;
};

// Decode the instruction at the start of @code (at most 15 bytes are
// read). Empty when the bytes are not an instruction the decoder knows,
// or the instruction does not fit in @code.
std::optional<Insn> decode(std::span<std::uint8_t const> code);

} // namespace rax::x86
