// SPDX-License-Identifier: GPL-2.0
// Length and class of x86-64 instructions (64-bit mode), from the opcode
// maps of the Intel SDM volume 2, appendix A. What a compiler emits for
// general-purpose code is covered; anything else is "unknown", which the
// machine-code check refuses rather than guesses.
#include "x86.hpp"

namespace rax::x86 {

namespace {

enum Imm : std::uint8_t {
	none,
	ib,	// 1 byte
	iw,	// 2 bytes
	iz,	// 2 or 4 bytes (operand size)
	iv,	// 2, 4 or 8 bytes (mov r64, imm64)
	moffs,	// 4 or 8 bytes (address size)
	enter,	// iw + ib
	rel8,
	rel32,
};

struct Op {
	bool known = false;
	bool modrm = false;
	Imm imm = none;
	Class cls = Class::plain;
};

constexpr Op op(bool modrm, Imm imm = none, Class cls = Class::plain)
{
	return Op{true, modrm, imm, cls};
}

constexpr Op unknown{};

Op one_byte(std::uint8_t b)
{
	if (b < 0x40) {
		switch (b & 7) {
		case 0: case 1: case 2: case 3:
			return op(true);
		case 4:
			return op(false, ib);
		case 5:
			return op(false, iz);
		default:
			return unknown; // push/pop seg, daa...: invalid in 64-bit mode
		}
	}
	if (b >= 0x50 && b <= 0x5f) // push, pop
		return op(false);
	if (b >= 0x70 && b <= 0x7f) // jcc rel8
		return op(false, rel8, Class::jmp_rel8);
	if (b >= 0x84 && b <= 0x8d) // test, xchg, mov, lea
		return op(true);
	if (b >= 0x90 && b <= 0x99) // xchg, nop, cbw, cwd
		return op(false);
	if (b >= 0xb0 && b <= 0xb7)
		return op(false, ib);
	if (b >= 0xb8 && b <= 0xbf)
		return op(false, iv);
	if (b >= 0xd0 && b <= 0xd3) // shifts
		return op(true);
	if (b >= 0xd8 && b <= 0xdf) // x87: its registers are the MMX registers
		return op(true, none, Class::vector);
	switch (b) {
	case 0x63: // movsxd
		return op(true);
	case 0x68:
		return op(false, iz);
	case 0x69:
		return op(true, iz);
	case 0x6a:
		return op(false, ib);
	case 0x6b:
		return op(true, ib);
	case 0x6c: case 0x6d: case 0x6e: case 0x6f: // ins, outs
		return op(false, none, Class::system);
	case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6:
		return op(true, ib);
	case 0x81: case 0xc7:
		return op(true, iz);
	case 0x8e: // mov to a segment register
		return op(true, none, Class::system);
	case 0x8f: // pop r/m
		return op(true);
	case 0x9b: // fwait: an x87 instruction
		return op(false, none, Class::vector);
	case 0x9c: case 0x9e: case 0x9f: // pushf, sahf, lahf
		return op(false);
	case 0x9d: // popf: can change IF
		return op(false, none, Class::system);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return op(false, moffs);
	case 0xa4: case 0xa5: case 0xa6: case 0xa7: // movs, cmps
	case 0xaa: case 0xab: case 0xac: case 0xad: // stos, lods
	case 0xae: case 0xaf:			    // scas
		return op(false);
	case 0xa8:
		return op(false, ib);
	case 0xa9:
		return op(false, iz);
	case 0xc2: case 0xca:
		return op(false, iw, Class::ret);
	case 0xc3: case 0xcb: case 0xcf:
		return op(false, none, Class::ret);
	case 0xc4: case 0xc5: case 0x62: // VEX, EVEX
		return op(false, none, Class::vector);
	case 0xc8:
		return op(false, enter);
	case 0xc9: case 0xcc: case 0xd7: // leave, int3, xlat
		return op(false);
	case 0xcd: // int n
		return op(false, ib, Class::system);
	case 0xe0: case 0xe1: case 0xe2: case 0xe3: // loop, jrcxz
	case 0xeb:
		return op(false, rel8, Class::jmp_rel8);
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: // in, out
		return op(false, ib, Class::system);
	case 0xec: case 0xed: case 0xee: case 0xef:
	case 0xf1: case 0xf4: case 0xfa: case 0xfb: // int1, hlt, cli, sti
		return op(false, none, Class::system);
	case 0xe8:
		return op(false, rel32, Class::call_rel32);
	case 0xe9:
		return op(false, rel32, Class::jmp_rel32);
	case 0xf5: case 0xf8: case 0xf9: case 0xfc: case 0xfd: // cmc, clc, stc, cld, std
		return op(false);
	case 0xf6: case 0xf7: case 0xfe: case 0xff: // group 3, 4, 5: by ModRM.reg
		return op(true);
	default:
		return unknown;
	}
}

Op two_byte(std::uint8_t b)
{
	if (b >= 0x40 && b <= 0x4f) // cmovcc
		return op(true);
	if (b >= 0x80 && b <= 0x8f) // jcc rel32
		return op(false, rel32, Class::jcc_rel32);
	if (b >= 0x90 && b <= 0x9f) // setcc
		return op(true);
	if (b >= 0xc8 && b <= 0xcf) // bswap
		return op(false);
	if (b == 0x0d || b == 0x18 || b == 0x1e || b == 0x1f) // prefetch, endbr, nop: by ModRM
		return op(true);
	// ff, ud0: vendors disagree on whether it has a ModRM byte.
	if ((b >= 0x10 && b <= 0x17) || (b >= 0x28 && b <= 0x2f) || (b >= 0x50 && b <= 0x6f) ||
	    (b >= 0x74 && b <= 0x76) || (b >= 0x78 && b <= 0x7f) || (b >= 0xd0 && b < 0xff))
		return op(true, none, Class::vector);
	switch (b) {
	case 0x00: case 0x01: case 0x02: case 0x03: // descriptor tables, lar, lsl
	case 0x20: case 0x21: case 0x22: case 0x23: // mov cr, dr
	case 0xb2: case 0xb4: case 0xb5:	    // lss, lfs, lgs
		return op(true, none, Class::system);
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: // syscall, clts, sysret, invd
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x37:
	case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9: case 0xaa: // fs, gs, cpuid, rsm
		return op(false, none, Class::system);
	case 0x0b: // ud2
		return op(false);
	case 0x70: case 0x71: case 0x72: case 0x73: case 0xc2: case 0xc4: case 0xc5: case 0xc6:
		return op(true, ib, Class::vector);
	case 0x77: // emms
		return op(false, none, Class::vector);
	case 0xa3: case 0xa5: case 0xab: case 0xad: case 0xaf: // bt, shld, bts, shrd, imul
	case 0xb0: case 0xb1: case 0xb3: case 0xb6: case 0xb7: // cmpxchg, btr, movzx
	case 0xb8: case 0xb9: case 0xbb: case 0xbc: case 0xbd: // popcnt, ud1, btc, bsf, bsr
	case 0xbe: case 0xbf: case 0xc0: case 0xc1: case 0xc3: // movsx, xadd, movnti
	case 0xae: case 0xc7: // group 15, group 9: by ModRM
		return op(true);
	case 0xa4: case 0xac: case 0xba: // shld, shrd, bt* imm
		return op(true, ib);
	default:
		return unknown;
	}
}

// The instructions a LOCK prefix may go on, given a memory operand (SDM
// vol. 2, LOCK): read-modify-write arithmetic, xchg, xadd, cmpxchg and the
// bit tests that write. On anything else it raises #UD.
bool lockable(std::uint8_t b, std::uint8_t b2, unsigned reg)
{
	if (b < 0x40 && b != 0x0f) // add, or, adc, sbb, and, sub, xor r/m, r; not cmp
		return (b & 7) < 2 && b != 0x38 && b != 0x39;
	switch (b) {
	case 0x80: case 0x81: case 0x83:
		return reg != 7;
	case 0x86: case 0x87:
		return true;
	case 0xf6: case 0xf7: // not, neg
		return reg == 2 || reg == 3;
	case 0xfe: case 0xff: // inc, dec
		return reg < 2;
	case 0x0f:
		switch (b2) {
		case 0xab: case 0xb3: case 0xbb: case 0xb0: case 0xb1: case 0xc0: case 0xc1:
			return true;
		case 0xba: // bts, btr, btc imm
			return reg >= 5;
		case 0xc7: // cmpxchg8b/16b
			return reg == 1;
		default:
			return false;
		}
	default:
		return false;
	}
}

} // namespace

std::optional<Insn> decode(std::span<std::uint8_t const> code)
{
	std::size_t const n = code.size() < 15 ? code.size() : 15;
	std::size_t i = 0;
	bool opsize = false, addrsize = false, lock = false, rex_w = false, rex = false;
	// The last of f2 and f3 is the one a two-byte opcode reads as its
	// mandatory prefix.
	std::uint8_t rep = 0;

	// Legacy prefixes, then at most one REX right before the opcode.
	for (;; i++) {
		if (i >= n)
			return std::nullopt;
		std::uint8_t const p = code[i];
		if (p == 0x66)
			opsize = true;
		else if (p == 0x67)
			addrsize = true;
		else if (p == 0xf0)
			lock = true;
		else if (p == 0xf2 || p == 0xf3)
			rep = p;
		else if (p != 0x2e && p != 0x36 && p != 0x3e && p != 0x26 && p != 0x64 && p != 0x65)
			break;
	}
	std::size_t const legacy = i;
	if ((code[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = code[i] & 8;
		if (++i >= n)
			return std::nullopt;
	}
	// The mandatory prefix of a 0f opcode: f2 or f3, else 66.
	std::uint8_t const mandatory = rep ? rep : opsize ? 0x66 : 0;

	std::uint8_t const b = code[i++];
	Op o;
	bool endbr = false;
	std::uint8_t b2 = 0, b3 = 0;
	if (b != 0x0f) {
		o = one_byte(b);
	} else {
		if (i >= n)
			return std::nullopt;
		b2 = code[i++];
		if (b2 == 0x38 || b2 == 0x3a) {
			if (i >= n)
				return std::nullopt;
			b3 = code[i++];
			if (b2 == 0x38 && b3 >= 0xf0) {
				// On general registers: movbe, crc32, adcx, adox. The
				// rest of the row is shadow-stack writes (wrss, wruss),
				// user MSR access, enqcmd, direct stores, RAO atomics.
				bool const known = ((b3 == 0xf0 || b3 == 0xf1) && rep != 0xf3) ||
						   (b3 == 0xf6 && (mandatory == 0x66 || rep == 0xf3));
				o = known ? op(true) : unknown;
			} else {
				o = op(true, b2 == 0x3a ? ib : none, Class::vector);
			}
		} else {
			o = two_byte(b2);
			// f3 0f 1e fa exactly: with any other prefix or ModRM byte
			// it is a hint nop or a shadow-stack instruction, and an
			// indirect branch landing on it would fault.
			if (b2 == 0x1e) {
				endbr = legacy == 1 && code[0] == 0xf3 && !rex && i < n && code[i] == 0xfa;
				if (!endbr)
					return std::nullopt;
			}
			// popcnt is f3 0f b8; without f3 it is jmpe, invalid here.
			if (b2 == 0xb8 && rep != 0xf3)
				return std::nullopt;
			// bswap of a 16-bit register is undefined.
			if (b2 >= 0xc8 && b2 <= 0xcf && opsize && !rex_w)
				return std::nullopt;
		}
	}
	if (!o.known)
		return std::nullopt;

	Insn insn;
	insn.cls = o.cls;
	if (endbr)
		insn.cls = Class::endbr64;
	insn.cond = o.cls == Class::jcc_rel32 || (o.cls == Class::jmp_rel8 && b != 0xeb);
	insn.trap = b == 0xcc || (b == 0x0f && (b2 == 0x0b || b2 == 0xb9));
	if (o.cls == Class::vector) {
		// Refused whatever follows: the length does not matter.
		insn.length = static_cast<std::uint8_t>(i);
		return insn;
	}

	bool memory = false;
	if (o.modrm) {
		if (i >= n)
			return std::nullopt;
		std::uint8_t const m = code[i++];
		unsigned const mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
		memory = mod != 3;
		if (mod != 3 && rm == 4) {
			if (i >= n)
				return std::nullopt;
			std::uint8_t const sib = code[i++];
			if (mod == 0 && (sib & 7) == 5)
				i += 4;
		}
		if (mod == 0 && rm == 5)
			i += 4; // RIP-relative
		else if (mod == 1)
			i += 1;
		else if (mod == 2)
			i += 4;

		if (lock && (!memory || !lockable(b, b2, reg)))
			return std::nullopt;
		if (b == 0x0f) {
			switch (b2) {
			case 0x0d: // prefetch, prefetchw, prefetchwt1
				if (!memory || reg > 2)
					return std::nullopt;
				break;
			case 0x18: // prefetchnta, prefetcht0..2
				if (!memory || reg > 3)
					return std::nullopt;
				break;
			case 0xba: // bt, bts, btr, btc imm
				if (reg < 4)
					return std::nullopt;
				break;
			case 0xc3: // movnti
				if (!memory)
					return std::nullopt;
				break;
			case 0x38: // movbe loads and stores memory; crc32 (f2) need not
				if (b3 <= 0xf1 && rep == 0 && !memory)
					return std::nullopt;
				break;
			case 0xae:
				// Fences and clflush (with 66, clflushopt); the other
				// memory forms save or load extended state. A fence
				// takes no 66, 67, f2 or f3 and clflush no f2 or f3:
				// with one they are undefined, or tpause, umwait,
				// umonitor, incssp, rdfsbase and friends, which the
				// decoder refuses with the undefined register forms.
				if (memory && reg == 7) {
					if (rep)
						return std::nullopt;
				} else if (!memory) {
					if (reg < 5 || mandatory || addrsize)
						return std::nullopt;
				} else {
					insn.cls = Class::system;
				}
				break;
			case 0xc7:
				// cmpxchg8b/16b; the rest is rdrand, rdseed, vmx.
				insn.cls = (memory && reg == 1) ? Class::plain : Class::system;
				break;
			default:
				break;
			}
		} else if ((b == 0xf6 || b == 0xf7) && reg == 1) {
			return std::nullopt; // an undocumented alias of test
		} else if (b == 0xf6 && reg == 0) {
			o.imm = ib;
		} else if (b == 0xf7 && reg == 0) {
			o.imm = iz;
		} else if (b == 0xff && (reg == 3 || reg == 5) && !memory) {
			return std::nullopt; // a far call or jump takes a memory operand
		} else if (b == 0xff && reg >= 2 && reg <= 5) {
			insn.cls = Class::indirect;
		} else if ((b == 0xff && reg == 7) || (b == 0xfe && reg >= 2)) {
			return std::nullopt;
		} else if (b == 0xc6 || b == 0xc7) {
			// mov r/m, imm; c6 f8 and c7 f8 are xabort and xbegin, whose
			// abort path branches to a displacement.
			if (m == 0xf8)
				insn.cls = Class::system;
			else if (reg != 0)
				return std::nullopt;
		} else if (b == 0x8f && reg != 0) {
			return std::nullopt; // an XOP prefix, not pop r/m
		} else if (b == 0x8c && reg > 5) {
			return std::nullopt; // no segment register 6 or 7
		} else if (b == 0x8d && !memory) {
			return std::nullopt; // lea of a register
		} else if ((b == 0xc0 || b == 0xc1 || (b >= 0xd0 && b <= 0xd3)) && reg == 6) {
			return std::nullopt; // an undocumented alias of shl
		}
	} else if (lock) {
		return std::nullopt;
	} else if (b == 0x90 && rep == 0xf3 && opsize) {
		return std::nullopt; // pause has no 16-bit form
	}

	unsigned len = 0;
	switch (o.imm) {
	case none:
		break;
	case ib:
		len = 1;
		break;
	case rel8:
		// As rel32 below: AMD truncates the target to 16 bits.
		if (opsize)
			return std::nullopt;
		len = 1;
		break;
	case iw:
		len = 2;
		break;
	case iz:
		// REX.W takes precedence over 66: a 64-bit operation, imm32.
		len = opsize && !rex_w ? 2 : 4;
		break;
	case iv:
		len = rex_w ? 8 : opsize ? 2 : 4;
		break;
	case moffs:
		len = addrsize ? 4 : 8;
		break;
	case enter:
		len = 3;
		break;
	case rel32:
		// 66 on a near branch means different things on Intel and AMD:
		// Intel ignores it, AMD branches to the target's low 16 bits.
		if (opsize)
			return std::nullopt;
		len = 4;
		break;
	}
	if (i + len > n)
		return std::nullopt;
	if (o.imm == rel8) {
		insn.rel_at = static_cast<std::uint8_t>(i);
		insn.rel = static_cast<std::int8_t>(code[i]);
	} else if (o.imm == rel32) {
		insn.rel_at = static_cast<std::uint8_t>(i);
		insn.rel = static_cast<std::int32_t>(
			std::uint32_t(code[i]) | std::uint32_t(code[i + 1]) << 8 |
			std::uint32_t(code[i + 2]) << 16 | std::uint32_t(code[i + 3]) << 24);
	}
	insn.length = static_cast<std::uint8_t>(i + len);
	return insn;
}

} // namespace rax::x86
