// SPDX-License-Identifier: GPL-2.0
// The x86-64 decoder of the machine-code check (librax/src/x86.cpp) against
// LLVM's disassembler. It proves that whenever our decoder accepts bytes,
// LLVM decodes them to the same length and a compatible class: the check
// walks the instructions the CPU runs, and every branch (with the same
// displacement), return, indirect branch, system or vector instruction among
// them is one our decoder says is one. Where ours refuses bytes LLVM knows,
// nothing is wrong (refusing is its design): those are counted. Inputs: every
// function of the objects the tests have, instruction by instruction; every
// opcode of the four opcode maps with every ModRM byte under common prefixes;
// and a million random and a million mutated byte strings from a fixed seed
// (RAX_X86_DIFF_SEED chooses another and RAX_X86_DIFF_COUNT how many; a
// failure prints the seed, the input's number and its bytes).
//
// The only bytes our decoder may accept and LLVM refuse:
//   E1  ours vector: the check refuses the function at the opcode without
//       reading further; whether the rest is valid does not change that.
//   E2  ours system: likewise refused at once; the decoder classes whole
//       rows (0f 00, 0f 01, mov to/from control registers) as system,
//       including encodings the CPU leaves undefined.
#include <catch2/catch.hpp>

#include "../librax/src/x86.hpp"
#include "test_paths.hpp"

#include <llvm/MC/MCAsmInfo.h>
#include <llvm/MC/MCContext.h>
#include <llvm/MC/MCDisassembler/MCDisassembler.h>
#include <llvm/MC/MCInst.h>
#include <llvm/MC/MCInstrInfo.h>
#include <llvm/MC/MCRegisterInfo.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/MCTargetOptions.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Triple.h>

#include <elf.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace x86 = rax::x86;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::string hex(std::span<std::uint8_t const> b)
{
	std::string s;
	for (std::size_t i = 0; i < b.size(); i++) {
		char h[4];
		std::snprintf(h, sizeof(h), i ? " %02x" : "%02x", b[i]);
		s += h;
	}
	return s;
}

char const *class_name(x86::Class c)
{
	switch (c) {
	case x86::Class::plain: return "plain";
	case x86::Class::endbr64: return "endbr64";
	case x86::Class::call_rel32: return "call_rel32";
	case x86::Class::jmp_rel32: return "jmp_rel32";
	case x86::Class::jcc_rel32: return "jcc_rel32";
	case x86::Class::jmp_rel8: return "jmp_rel8";
	case x86::Class::ret: return "ret";
	case x86::Class::indirect: return "indirect";
	case x86::Class::system: return "system";
	case x86::Class::vector: return "vector";
	}
	return "?";
}

// LLVM's instruction in our terms; other is everything the mapping does
// not name (see the header comment).
enum class Kind : std::uint8_t { plain, endbr64, call, jmp, jcc, ret, indirect, vector, other };

char const *kind_name(Kind k)
{
	switch (k) {
	case Kind::plain: return "plain";
	case Kind::endbr64: return "endbr64";
	case Kind::call: return "call";
	case Kind::jmp: return "jmp";
	case Kind::jcc: return "jcc";
	case Kind::ret: return "ret";
	case Kind::indirect: return "indirect";
	case Kind::vector: return "vector";
	case Kind::other: return "other";
	}
	return "?";
}

// The general-purpose instructions LLVM may name where we say plain:
// arithmetic and logic, moves and extensions, stack, string, flags, bit
// scans and tests, fences, prefetches, nops, movbe/crc32/adcx/adox, and the
// traps. Reading a segment register (MOV*rs, MOV16ms) is unprivileged.
// Nothing here reads or writes a system, vector or x87 register, branches,
// or changes privilege.
std::regex const plain_names(
	"(ADC|ADD|AND|CMP|OR|SBB|SUB|XOR)(8|16|32|64)"
	"(rr|rr_REV|rm|mr|ri|ri8|ri32|mi|mi8|mi32|i8|i16|i32)"
	"|TEST(8|16|32|64)(rr|mr|ri|ri32|mi|mi32|i8|i16|i32)"
	"|(INC|DEC|NEG|NOT|MUL|IMUL|DIV|IDIV)(8|16|32|64)(r|m)"
	"|IMUL(16|32|64)(rr|rm|rri|rri8|rri32|rmi|rmi8|rmi32)"
	"|(ROL|ROR|RCL|RCR|SHL|SHR|SAR)(8|16|32|64)(r1|rCL|ri|m1|mCL|mi)"
	"|(SHLD|SHRD)(16|32|64)(rrCL|rri8|mrCL|mri8)"
	"|(BT|BTC|BTR|BTS)(16|32|64)(rr|mr|ri8|mi8)"
	"|(BSF|BSR|POPCNT|LZCNT|TZCNT)(16|32|64)(rr|rm)"
	"|MOV(8|16|32|64)(rr|rr_REV|rm|mr|ri|ri_alt|ri32|mi|mi32|ao32|ao64|o32a|o64a)"
	"|MOV(16|32|64)rs|MOV16ms"
	"|MOV(SX|ZX)(16|32|64)(rr|rm)(8|16|32)"
	"|LEA(16|32|64|64_32)r"
	"|(PUSH|POP)(16|64)(r|rmm|rmr)|PUSH(16|64)(i8|i|i32)|PUSHF(16|64)"
	"|XCHG(8|16|32|64)(rr|rm|ar)|(XADD|CMPXCHG)(8|16|32|64)(rr|rm)|CMPXCHG(8B|16B)"
	"|CMOV(16|32|64)(rr|rm)|SETCC(r|m)|BSWAP(32|64)r"
	"|CBW|CWDE|CDQE|CWD|CDQ|CQO|CLC|STC|CMC|CLD|STD|SAHF|LAHF|XLAT"
	"|(MOVS|CMPS|STOS|LODS|SCAS)(B|W|L|Q)"
	"|ENTER|LEAVE|LEAVE64|NOOP|NOOP(W|L|Q)r?"
	"|PAUSE|LFENCE|MFENCE|SFENCE|CLFLUSH|CLFLUSHOPT|PREFETCH(NTA|T0|T1|T2|W|WT1)?"
	"|MOVBE(16|32|64)(rm|mr)|CRC32r(32|64)(r|m)(8|16|32|64)|(ADCX|ADOX)(32|64)(rr|rm)"
	"|MOVNTI(mr|_64mr)"
	"|TRAP|UD1(W|L|Q)(r|m)|INT3",
	std::regex::optimize);

// The instructions a LOCK prefix may go on, in LLVM's names: with a memory
// destination only.
std::regex const lockable_names("(ADD|ADC|AND|OR|SBB|SUB|XOR)(8|16|32|64)(mr|mi|mi8|mi32)"
				"|(INC|DEC|NEG|NOT)(8|16|32|64)m"
				"|(BTS|BTR|BTC)(16|32|64)(mr|mi8)"
				"|(XADD|CMPXCHG|XCHG)(8|16|32|64)rm|CMPXCHG(8B|16B)",
				std::regex::optimize);

// Registers of the x87, MMX, SSE, AVX and AMX units and their control and
// status registers.
std::regex const vector_regs("[XYZ]MM[0-9]+|MM[0-7]|ST[0-7]|FP[0-7]|K[0-7]|TMM[0-7]|MXCSR|FPSW|FPCW",
			     std::regex::optimize);

bool is_legacy_prefix(std::uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

// LLVM's reading of one instruction, in our terms (Llvm::classify):
//   isReturn                                  ret
//   isCall with a PC-relative operand         call (CALL64pcrel32)
//   isCall otherwise, isIndirectBranch        indirect
//   JMP_1, JMP_4                              jmp, rel8 or rel32
//   JCC_1, LOOP, LOOPE, LOOPNE, JRCXZ, JECXZ  jcc, rel8
//   JCC_4                                     jcc, rel32
//   any other branch (xbegin, JMP_2, JCC_2)   other
//   an operand of a register class, or an implicit register, of the x87,
//   MMX, SSE, AVX or AMX units, a mask, MXCSR or the x87 status or
//   control word                              vector
//   ENDBR64                                   endbr64
//   a name in plain_names                     plain
//   anything else                             other: system, CET, TSX, ...
// trap is isTrap (ud2, ud1) or INT3, which LLVM models as resumable but the
// kernel reports and stops at; cond is isConditionalBranch, rel the branch's
// immediate operand.
struct Ref {
	unsigned length = 0;
	Kind kind = Kind::other;
	unsigned rel_size = 0; // 1 or 4 for jmp, jcc, call
	std::int64_t rel = 0;
	bool cond = false, trap = false;
	std::string name;
};

// What LLVM says of some bytes: an instruction, or refused (and why).
struct Answer {
	std::optional<Ref> ref;
	bool lock_ud = false; // decoded, but a LOCK the CPU refuses
};

class Llvm {
public:
	Llvm()
	{
		LLVMInitializeX86TargetInfo();
		LLVMInitializeX86TargetMC();
		LLVMInitializeX86Disassembler();
		std::string err;
		target_ = llvm::TargetRegistry::lookupTarget(triple_, err);
		if (!target_) {
			error_ = "no x86-64 target in LLVM: " + err;
			return;
		}
		mri_.reset(target_->createMCRegInfo(triple_));
		llvm::MCTargetOptions options;
		mai_.reset(target_->createMCAsmInfo(*mri_, triple_, options));
		sti_.reset(target_->createMCSubtargetInfo(triple_, "", ""));
		mii_.reset(target_->createMCInstrInfo());
		if (!mri_ || !mai_ || !sti_ || !mii_) {
			error_ = "LLVM's x86-64 MC layer is incomplete";
			return;
		}
		ctx_ = std::make_unique<llvm::MCContext>(triple_, mai_.get(), mri_.get(), sti_.get());
		dis_.reset(target_->createMCDisassembler(*sti_, *ctx_));
		if (!dis_) {
			error_ = "LLVM has no x86-64 disassembler";
			return;
		}
		kinds_.assign(mii_->getNumOpcodes(), -1);
		prefix_.assign(mii_->getNumOpcodes(), false);
		lockable_.assign(mii_->getNumOpcodes(), false);
		for (unsigned op = 0; op < mii_->getNumOpcodes(); op++) {
			std::string const name = mii_->getName(op).str();
			prefix_[op] = name.ends_with("_PREFIX");
			lockable_[op] = std::regex_match(name, lockable_names);
		}
		vector_reg_.assign(mri_->getNumRegs(), false);
		for (unsigned r = 1; r < mri_->getNumRegs(); r++)
			vector_reg_[r] = std::regex_match(mri_->getName(r), vector_regs);
		vector_class_.assign(mri_->getNumRegClasses(), false);
		for (unsigned c = 0; c < mri_->getNumRegClasses(); c++)
			for (llvm::MCPhysReg r : mri_->getRegClass(c))
				if (vector_reg_[r])
					vector_class_[c] = true;
	}

	std::string const &error() const { return error_; }

	// LLVM's answer for @code (at most 15 bytes). LLVM returns a LOCK,
	// XACQUIRE or XRELEASE prefix (and a few others) as an instruction of
	// its own; the CPU decodes it as part of the next one, so the pieces
	// are joined, keeping 66 and 67 for the rest. A LOCK on anything but a
	// memory-destination read-modify-write instruction raises #UD (SDM
	// vol. 2, LOCK): LLVM's answer is then a refusal.
	Answer decode(std::span<std::uint8_t const> code)
	{
		Answer a;
		std::size_t const n = std::min<std::size_t>(code.size(), 15);
		// The legacy prefixes in the order LLVM reads best: it takes 66,
		// f2 and f3 for a mandatory prefix only when no other prefix
		// follows them, but the CPU reads them in any order (SDM vol. 2,
		// 2.1.1); f2 and f3 keep theirs, the last of them counts. A LOCK
		// prefix is an f0 among them.
		std::array<std::uint8_t, 15> canon{};
		std::size_t legacy = 0;
		while (legacy < n && is_legacy_prefix(code[legacy]))
			legacy++;
		std::size_t c = 0;
		bool lock = false;
		for (std::size_t i = 0; i < legacy; i++) {
			lock |= code[i] == 0xf0;
			if (code[i] != 0x66 && code[i] != 0xf2 && code[i] != 0xf3)
				canon[c++] = code[i];
		}
		for (std::size_t i = 0; i < legacy; i++)
			if (code[i] == 0x66)
				canon[c++] = code[i];
		for (std::size_t i = 0; i < legacy; i++)
			if (code[i] == 0xf2 || code[i] == 0xf3)
				canon[c++] = code[i];
		std::copy(code.begin() + legacy, code.begin() + n, canon.begin() + legacy);
		code = std::span<std::uint8_t const>(canon).first(n);

		std::array<std::uint8_t, 32> buf{};
		std::size_t kept = 0; // 66 and 67 of pieces already joined, at buf[0..kept)
		std::size_t at = 0;
		while (at < n) {
			std::size_t const len = kept + (n - at);
			std::copy(code.begin() + at, code.begin() + n, buf.begin() + kept);
			llvm::MCInst inst;
			std::uint64_t size = 0;
			auto const status = dis_->getInstruction(
				inst, size, llvm::ArrayRef<std::uint8_t>(buf.data(), len), 0, llvm::nulls());
			if (status != llvm::MCDisassembler::Success || size <= kept || size > len)
				return a;
			unsigned const op = inst.getOpcode();
			std::size_t const used = size - kept;
			if (prefix_[op]) {
				// A prefix on its own: join it to what follows.
				for (std::size_t k = at; k < at + used; k++)
					if ((code[k] == 0x66 || code[k] == 0x67) && kept < 4)
						buf[kept++] = code[k];
				at += used;
				continue;
			}
			if (lock && !lockable_[op]) {
				a.lock_ud = true;
				return a;
			}
			Ref r;
			r.length = static_cast<unsigned>(at + used);
			r.name = mii_->getName(op).str();
			r.kind = kind_of(op);
			auto const &desc = mii_->get(op);
			r.cond = desc.isConditionalBranch();
			r.trap = desc.isTrap() || r.name == "INT3";
			if (r.kind == Kind::jmp || r.kind == Kind::jcc || r.kind == Kind::call) {
				r.rel_size = r.name.ends_with("_4") || r.name == "CALL64pcrel32" ? 4 : 1;
				if (inst.getNumOperands() > 0 && inst.getOperand(0).isImm())
					r.rel = inst.getOperand(0).getImm();
			}
			a.ref = r;
			return a;
		}
		return a;
	}

private:
	// classify(), once per opcode.
	Kind kind_of(unsigned op)
	{
		if (kinds_[op] < 0)
			kinds_[op] = static_cast<std::int8_t>(classify(op));
		return static_cast<Kind>(kinds_[op]);
	}

	Kind classify(unsigned op)
	{
		auto const &desc = mii_->get(op);
		std::string const name = mii_->getName(op).str();
		if (desc.isReturn())
			return Kind::ret;
		if (desc.isCall()) {
			bool const pcrel = desc.getNumOperands() > 0 &&
					   desc.operands()[0].OperandType == llvm::MCOI::OPERAND_PCREL;
			return pcrel ? Kind::call : Kind::indirect;
		}
		if (desc.isBranch()) {
			if (desc.isIndirectBranch())
				return Kind::indirect;
			if (name == "JMP_1" || name == "JMP_4")
				return Kind::jmp;
			if (name == "JCC_1" || name == "JCC_4" || name == "LOOP" || name == "LOOPE" ||
			    name == "LOOPNE" || name == "JRCXZ" || name == "JECXZ")
				return Kind::jcc;
			return Kind::other;
		}
		for (auto const &info : desc.operands()) {
			int const rc = mii_->getOpRegClassID(info, sti_->getHwMode());
			if (rc >= 0 && unsigned(rc) < vector_class_.size() && vector_class_[rc])
				return Kind::vector;
		}
		for (llvm::MCPhysReg r : desc.implicit_uses())
			if (vector_reg_[r])
				return Kind::vector;
		for (llvm::MCPhysReg r : desc.implicit_defs())
			if (vector_reg_[r])
				return Kind::vector;
		if (name == "ENDBR64")
			return Kind::endbr64;
		if (std::regex_match(name, plain_names))
			return Kind::plain;
		return Kind::other;
	}

	llvm::Triple triple_{"x86_64-unknown-linux-gnu"};
	llvm::Target const *target_ = nullptr;
	std::unique_ptr<llvm::MCRegisterInfo> mri_;
	std::unique_ptr<llvm::MCAsmInfo> mai_;
	std::unique_ptr<llvm::MCSubtargetInfo> sti_;
	std::unique_ptr<llvm::MCInstrInfo> mii_;
	std::unique_ptr<llvm::MCContext> ctx_;
	std::unique_ptr<llvm::MCDisassembler> dis_;
	std::string error_;
	std::vector<std::int8_t> kinds_;
	std::vector<bool> prefix_, lockable_, vector_reg_, vector_class_;
};

// Our class and LLVM's kind agree: empty when they do, else why not. The
// same class (our jmp_rel8 is LLVM's jmp or jcc by its condition), trap,
// condition, displacement and its size; or ours system or vector and
// LLVM's vector or other, which the check refuses at their first byte, so
// that which of the two it says does not matter. Lengths are equal, except
// for our vector class, which the decoder measures only to the opcode.
std::string incompatible(x86::Insn const &ours, Ref const &ref)
{
	using C = x86::Class;
	if (ours.cls == C::system || ours.cls == C::vector) {
		if (ref.kind != Kind::vector && ref.kind != Kind::other)
			return "class";
		if (ours.cls != C::vector && ours.length != ref.length)
			return "length";
		return {};
	}
	if (ours.length != ref.length)
		return "length";
	Kind want = Kind::other;
	unsigned rel_size = 0;
	switch (ours.cls) {
	case C::plain: want = Kind::plain; break;
	case C::endbr64: want = Kind::endbr64; break;
	case C::call_rel32: want = Kind::call; rel_size = 4; break;
	case C::jmp_rel32: want = Kind::jmp; rel_size = 4; break;
	case C::jcc_rel32: want = Kind::jcc; rel_size = 4; break;
	case C::jmp_rel8: want = ours.cond ? Kind::jcc : Kind::jmp; rel_size = 1; break;
	case C::ret: want = Kind::ret; break;
	case C::indirect: want = Kind::indirect; break;
	case C::system: case C::vector: break;
	}
	if (ref.kind != want)
		return "class";
	if (ours.trap != ref.trap)
		return "trap";
	if (rel_size) {
		if (ref.rel_size != rel_size)
			return "displacement size";
		if (ours.rel != ref.rel)
			return "displacement";
		if (ours.rel_at + rel_size != ours.length)
			return "displacement offset";
	}
	if (ours.cond != ref.cond)
		return "conditional";
	return {};
}

struct Tally {
	std::uint64_t inputs = 0;
	std::uint64_t agree = 0;	     // both decode, compatible
	std::uint64_t agree_vector = 0;	     // of which ours vector (length not compared)
	std::uint64_t ours_refused = 0;	     // LLVM decodes, ours refuses (the design)
	std::uint64_t both_refuse = 0;
	std::uint64_t e1 = 0, e2 = 0;	     // the exceptions
	std::uint64_t lock_ud = 0;	     // of the LLVM refusals, a LOCK the CPU refuses
	std::uint64_t disagreements = 0;
	std::array<std::uint64_t, 10> by_class{}; // accepted by ours, agreeing, per class
	std::map<std::string, std::uint64_t> refused; // ours refuses: LLVM's names

	void add(Tally const &t)
	{
		inputs += t.inputs;
		agree += t.agree;
		agree_vector += t.agree_vector;
		ours_refused += t.ours_refused;
		both_refuse += t.both_refuse;
		e1 += t.e1;
		e2 += t.e2;
		lock_ud += t.lock_ud;
		disagreements += t.disagreements;
		for (std::size_t i = 0; i < by_class.size(); i++)
			by_class[i] += t.by_class[i];
		for (auto const &[name, count] : t.refused)
			refused[name] += count;
	}
};

struct Failures {
	std::vector<std::string> lines;
	static constexpr std::size_t keep = 40;
};

// Compare the two decoders on @code; @where() says where the bytes come
// from. Returns LLVM's answer.
template <typename Where>
Answer compare(Llvm &llvm, std::span<std::uint8_t const> code, Tally &t, Failures &f,
	       Where const &where)
{
	t.inputs++;
	auto const ours = x86::decode(code);
	Answer a = llvm.decode(code);
	if (!ours) {
		if (a.ref) {
			t.ours_refused++;
			t.refused[a.ref->name]++;
		} else {
			t.both_refuse++;
		}
		return a;
	}
	std::string why;
	if (!a.ref) {
		t.lock_ud += a.lock_ud;
		if (ours->cls == x86::Class::vector) {
			t.e1++;
			return a;
		}
		if (ours->cls == x86::Class::system) {
			t.e2++;
			return a;
		}
		why = a.lock_ud ? "LLVM: a LOCK the CPU refuses (#UD)" : "LLVM refuses it";
	} else {
		why = incompatible(*ours, *a.ref);
		if (why.empty()) {
			t.agree++;
			t.agree_vector += ours->cls == x86::Class::vector;
			t.by_class[unsigned(ours->cls)]++;
			return a;
		}
	}
	t.disagreements++;
	if (f.lines.size() >= Failures::keep)
		return a;
	std::size_t const n = std::min<std::size_t>(code.size(), 15);
	std::string line = where() + ": " + hex(code.first(n)) + ": ours " + class_name(ours->cls) +
			   " length " + std::to_string(ours->length);
	if (ours->cls == x86::Class::jmp_rel8 || ours->cls == x86::Class::jmp_rel32 ||
	    ours->cls == x86::Class::jcc_rel32 || ours->cls == x86::Class::call_rel32)
		line += " rel " + std::to_string(ours->rel) + (ours->cond ? " cond" : "");
	if (ours->trap)
		line += " trap";
	if (a.ref) {
		line += "; LLVM " + a.ref->name + " (" + kind_name(a.ref->kind) + ") length " +
			std::to_string(a.ref->length);
		if (a.ref->rel_size)
			line += " rel " + std::to_string(a.ref->rel) + (a.ref->cond ? " cond" : "");
		if (a.ref->trap)
			line += " trap";
	}
	line += ": " + why;
	f.lines.push_back(line);
	return a;
}

// Print @t; @seconds when it is not negative.
void report(char const *what, Tally const &t, double seconds)
{
	std::printf("x86-diff %s: %llu inputs", what, (unsigned long long)t.inputs);
	if (seconds >= 0)
		std::printf(" in %.1f s", seconds);
	std::printf("\n");
	std::printf("  agree (both decode, same length and compatible class): %llu"
		    " (of which ours vector, length not compared: %llu)\n",
		    (unsigned long long)t.agree, (unsigned long long)t.agree_vector);
	std::printf("  agreeing by our class:");
	for (std::size_t c = 0; c < t.by_class.size(); c++)
		if (t.by_class[c])
			std::printf(" %s %llu", class_name(x86::Class(c)), (unsigned long long)t.by_class[c]);
	std::printf("\n  ours refuses, LLVM decodes (refusal is the design): %llu\n",
		    (unsigned long long)t.ours_refused);
	if (!t.refused.empty()) {
		std::vector<std::pair<std::uint64_t, std::string>> top;
		for (auto const &[name, count] : t.refused)
			top.emplace_back(count, name);
		std::sort(top.rbegin(), top.rend());
		std::printf("    most often, in LLVM's names:");
		for (std::size_t i = 0; i < top.size() && i < 12; i++)
			std::printf(" %s %llu", top[i].second.c_str(), (unsigned long long)top[i].first);
		std::printf("\n");
	}
	std::printf("  both refuse: %llu\n", (unsigned long long)t.both_refuse);
	std::printf("  LLVM refuses, ours accepts: E1 (ours vector) %llu, E2 (ours system) %llu"
		    " (of which a LOCK the CPU refuses: %llu)\n",
		    (unsigned long long)t.e1, (unsigned long long)t.e2, (unsigned long long)t.lock_ud);
	std::printf("  disagreements: %llu\n", (unsigned long long)t.disagreements);
	std::fflush(stdout);
}

void require_none(Failures const &f, Tally const &t)
{
	for (auto const &l : f.lines)
		UNSCOPED_INFO(l);
	if (t.disagreements > f.lines.size())
		UNSCOPED_INFO("... and " << t.disagreements - f.lines.size() << " more");
	CHECK(t.disagreements == 0);
}

// --- objects -------------------------------------------------------------

std::optional<Bytes> read_file(fs::path const &p)
{
	std::ifstream in(p, std::ios::binary);
	if (!in)
		return std::nullopt;
	return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename T> bool get(std::span<std::uint8_t const> b, std::uint64_t off, T &out)
{
	if (off > b.size() || sizeof(T) > b.size() - off)
		return false;
	std::memcpy(&out, b.data() + off, sizeof(T));
	return true;
}

struct Function {
	std::string name;
	std::span<std::uint8_t const> code;
};

// The functions of an x86-64 ELF file: every STT_FUNC symbol with a size in
// an executable PROGBITS section. Files that are not such ELF give none.
std::vector<Function> functions(std::span<std::uint8_t const> img)
{
	std::vector<Function> out;
	Elf64_Ehdr eh;
	if (!get(img, 0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64 || eh.e_shentsize != sizeof(Elf64_Shdr))
		return out;
	std::vector<Elf64_Shdr> sh(eh.e_shnum);
	for (unsigned i = 0; i < eh.e_shnum; i++)
		if (!get(img, eh.e_shoff + std::uint64_t(i) * sizeof(Elf64_Shdr), sh[i]))
			return out;
	std::set<std::pair<unsigned, std::uint64_t>> seen;
	for (auto const &s : sh) {
		if (s.sh_type != SHT_SYMTAB || s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= sh.size())
			continue;
		auto const &strtab = sh[s.sh_link];
		for (std::uint64_t k = 0; k < s.sh_size / sizeof(Elf64_Sym); k++) {
			Elf64_Sym sym;
			if (!get(img, s.sh_offset + k * sizeof(Elf64_Sym), sym))
				break;
			if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_size == 0 ||
			    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sh.size())
				continue;
			auto const &text = sh[sym.st_shndx];
			if (text.sh_type != SHT_PROGBITS || !(text.sh_flags & SHF_EXECINSTR) ||
			    sym.st_value < text.sh_addr || sym.st_value - text.sh_addr > text.sh_size ||
			    sym.st_size > text.sh_size - (sym.st_value - text.sh_addr))
				continue;
			std::uint64_t const off = text.sh_offset + (sym.st_value - text.sh_addr);
			if (off > img.size() || sym.st_size > img.size() - off ||
			    !seen.emplace(sym.st_shndx, sym.st_value).second)
				continue;
			std::string name;
			if (std::uint64_t const at = strtab.sh_offset + sym.st_name;
			    strtab.sh_type == SHT_STRTAB && sym.st_name < strtab.sh_size && at < img.size())
				name.assign(reinterpret_cast<char const *>(img.data() + at),
					    strnlen(reinterpret_cast<char const *>(img.data() + at),
						    img.size() - at));
			out.push_back({name, img.subspan(off, sym.st_size)});
		}
	}
	return out;
}

// The ELF members of an ar archive (an rlib: Rust's library objects).
std::vector<std::span<std::uint8_t const>> archive_members(std::span<std::uint8_t const> ar)
{
	std::vector<std::span<std::uint8_t const>> out;
	static constexpr std::string_view magic = "!<arch>\n";
	if (ar.size() < magic.size() || std::memcmp(ar.data(), magic.data(), magic.size()) != 0)
		return out;
	for (std::size_t at = magic.size(); at + 60 <= ar.size();) {
		std::string const size_field(reinterpret_cast<char const *>(ar.data() + at + 48), 10);
		std::uint64_t const size = std::strtoull(size_field.c_str(), nullptr, 10);
		at += 60;
		if (size > ar.size() - at)
			break;
		if (size >= 4 && std::memcmp(ar.data() + at, ELFMAG, SELFMAG) == 0)
			out.push_back(ar.subspan(at, size));
		at += size + (size & 1);
	}
	return out;
}

// Walk @f instruction by instruction, at LLVM's boundaries (ours where
// LLVM refuses), comparing the decoders at every one.
void walk(Llvm &llvm, Function const &f, std::string const &file, Tally &t, Failures &fails,
	  std::uint64_t &llvm_gaps)
{
	for (std::size_t o = 0; o < f.code.size();) {
		auto const rest = f.code.subspan(o);
		Answer const a = compare(llvm, rest, t, fails, [&] {
			return file + ": " + f.name + "+" + std::to_string(o);
		});
		if (a.ref) {
			o += a.ref->length;
			continue;
		}
		llvm_gaps++;
		auto const ours = x86::decode(rest);
		o += ours && ours->cls != x86::Class::vector ? ours->length : 1;
	}
}

// The objects to walk: the tests' data object; the samples and fixtures
// the test run built (build/userspace/tests/objects) and the sysroot it
// built them against (libcore, compiler_builtins and the rax crate); and
// this executable (g++'s code). ctest runs "subset: every sample is inside
// the subset", which builds every sample there as subset-NAME.rax.o, before
// (the fixture rax-sample-objects, tests/CMakeLists.txt); other tests add
// their fixtures meanwhile, which are walked when they are there.
std::vector<fs::path> object_files()
{
	std::vector<fs::path> files{fs::path(test_paths::data) / "rustc-ext.o"};
	std::vector<fs::path> found;
	// Other tests write there meanwhile: an error ends a listing, it does
	// not throw.
	auto list = [&](auto it, char const *ext) {
		std::error_code ec;
		for (; !ec && it != decltype(it)(); it.increment(ec))
			if (it->path().extension() == ext)
				found.push_back(it->path());
	};
	std::error_code ec;
	list(fs::directory_iterator(fs::path(test_paths::binary_dir) / "objects", ec), ".o");
	list(fs::recursive_directory_iterator(fs::path(test_paths::binary_dir) / "rax-cache", ec),
	     ".rlib");
	if (char const *c = std::getenv("RAX_SYSROOT_CACHE"); c && *c)
		list(fs::recursive_directory_iterator(c, ec), ".rlib");
	std::sort(found.begin(), found.end());
	found.erase(std::unique(found.begin(), found.end()), found.end());
	files.insert(files.end(), found.begin(), found.end());
	files.emplace_back("/proc/self/exe");
	return files;
}

// The samples (userspace/samples/NAME with a Rax.toml), by name.
std::vector<std::string> sample_names()
{
	std::vector<std::string> out;
	fs::path const dir = fs::path(test_paths::data).parent_path().parent_path() / "samples";
	for (auto const &e : fs::directory_iterator(dir))
		if (fs::exists(e.path() / "Rax.toml"))
			out.push_back(e.path().filename().string());
	std::sort(out.begin(), out.end());
	return out;
}

// --- inputs of the random part ---------------------------------------------

// Instructions of every class, for the mutations to start from, besides
// those of the data object: written from the SDM's opcode maps.
std::vector<Bytes> const templates = {
	// general purpose
	{0x48, 0x89, 0xe5}, {0x48, 0x8b, 0x44, 0x24, 0x08}, {0x48, 0x8b, 0x84, 0x24, 0, 1, 0, 0},
	{0x48, 0x8d, 0x05, 1, 2, 3, 4}, {0x8b, 0x04, 0x25, 1, 2, 3, 4}, {0x8b, 0x04, 0x8d, 1, 2, 3, 4},
	{0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, {0x66, 0xb8, 1, 2}, {0xc7, 0x44, 0x24, 0x08, 1, 2, 3, 4},
	{0x66, 0xc7, 0x00, 1, 2}, {0x48, 0xc7, 0xc0, 1, 2, 3, 4}, {0xc6, 0x40, 0x10, 0x7f},
	{0xf6, 0xc1, 0x01}, {0xf7, 0xc1, 1, 2, 3, 4}, {0x66, 0xf7, 0xc1, 1, 2}, {0xf7, 0xd8},
	{0x48, 0xf7, 0x30}, {0x48, 0x69, 0xc0, 1, 2, 3, 4}, {0x6b, 0xc0, 0x10}, {0x48, 0x83, 0xec, 0x18},
	{0x48, 0x81, 0xec, 0, 1, 0, 0}, {0x66, 0x81, 0x38, 1, 2}, {0x80, 0x7c, 0x24, 0x08, 0x00},
	{0x48, 0x3d, 1, 2, 3, 4}, {0x04, 0x10}, {0x66, 0x05, 1, 2}, {0x0f, 0xb6, 0xc0},
	{0x48, 0x0f, 0xbf, 0x07}, {0x48, 0x63, 0xc7}, {0x0f, 0x1f, 0x44, 0x00, 0x00},
	{0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, {0x0f, 0x1f, 0x00}, {0x90}, {0x66, 0x90},
	{0x41, 0x90}, {0xf3, 0x90}, {0x48, 0x87, 0x03}, {0x86, 0xc1}, {0x50}, {0x41, 0x57}, {0x5d},
	{0x8f, 0x00}, {0xff, 0x30}, {0x68, 1, 2, 3, 4}, {0x6a, 0x10}, {0x9c}, {0x9e}, {0x9f},
	{0xc8, 0x10, 0x00, 0x00}, {0xc9}, {0x99}, {0x48, 0x98}, {0xd7}, {0xf5}, {0xf8}, {0xf9},
	{0xfc}, {0xfd}, {0xd1, 0xe0}, {0x48, 0xc1, 0xe8, 0x03}, {0xd3, 0xf8}, {0xc0, 0x00, 0x01},
	{0x48, 0x0f, 0xa4, 0xc2, 0x05}, {0x0f, 0xad, 0xd0}, {0x0f, 0xa3, 0xc8}, {0x0f, 0xba, 0xe0, 5},
	{0x0f, 0xab, 0x08}, {0x0f, 0xbc, 0xc0}, {0x0f, 0xbd, 0xc0}, {0xf3, 0x48, 0x0f, 0xb8, 0xc0},
	{0xf3, 0x0f, 0xbc, 0xc0}, {0xf3, 0x0f, 0xbd, 0xc0}, {0x0f, 0x44, 0xc1}, {0x0f, 0x94, 0xc0},
	{0x0f, 0xc8}, {0x49, 0x0f, 0xcf}, {0x48, 0x0f, 0xc3, 0x00}, {0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8},
	{0x67, 0xa3, 1, 2, 3, 4}, {0xa8, 0x01}, {0xf3, 0x48, 0xab}, {0xf3, 0xa4}, {0xf3, 0xa6},
	{0xf2, 0xae}, {0xac}, {0x8c, 0xd8}, {0x0f, 0x38, 0xf0, 0x00}, {0x66, 0x0f, 0x38, 0xf1, 0x00},
	{0xf2, 0x0f, 0x38, 0xf1, 0xc1}, {0xf2, 0x48, 0x0f, 0x38, 0xf0, 0xc1},
	{0x66, 0x0f, 0x38, 0xf6, 0xc1}, {0xf3, 0x0f, 0x38, 0xf6, 0xc1},
	// atomics
	{0xf0, 0x48, 0x0f, 0xb1, 0x0a}, {0xf0, 0x48, 0x0f, 0xc1, 0x07}, {0x48, 0x0f, 0xc7, 0x0e},
	{0xf0, 0x0f, 0xc7, 0x0f}, {0xf0, 0x83, 0x00, 0x01}, {0xf0, 0xff, 0x00}, {0xf0, 0x48, 0x09, 0x10},
	{0xf0, 0x0f, 0xba, 0x28, 3}, {0xf2, 0xf0, 0x01, 0x00}, {0xf3, 0x89, 0x00},
	// fences, prefetches, cache
	{0x0f, 0xae, 0xe8}, {0x0f, 0xae, 0xf0}, {0x0f, 0xae, 0xf8}, {0x0f, 0xae, 0x38},
	{0x66, 0x0f, 0xae, 0x38}, {0x66, 0x0f, 0xae, 0x30}, {0x0f, 0x18, 0x08}, {0x0f, 0x18, 0x00},
	{0x0f, 0x0d, 0x08}, {0x0f, 0x1c, 0x00},
	// traps
	{0x0f, 0x0b}, {0xcc}, {0x0f, 0xb9, 0xc0}, {0x0f, 0xff, 0xc0}, {0x0f, 0xff, 0x00},
	// branches
	{0xe8, 1, 2, 3, 4}, {0xe9, 0xfb, 0xff, 0xff, 0xff}, {0x0f, 0x85, 1, 2, 3, 4}, {0x75, 0x10},
	{0xeb, 0xfe}, {0xe2, 0xfe}, {0xe1, 0x10}, {0xe3, 0x00}, {0x67, 0xe3, 0x00}, {0xf2, 0xe9, 1, 2, 3, 4},
	{0x2e, 0x74, 0x10},
	// returns
	{0xc3}, {0xc2, 0x08, 0x00}, {0xcb}, {0xca, 0x08, 0x00}, {0xcf}, {0x48, 0xcf}, {0xf3, 0xc3},
	// indirect
	{0xff, 0xd0}, {0x41, 0xff, 0xe3}, {0xff, 0x24, 0xc5, 1, 2, 3, 4}, {0xff, 0x50, 0x20},
	{0xff, 0x2c, 0x24}, {0xff, 0x1c, 0x24}, {0x3e, 0xff, 0xe0},
	// system
	{0x0f, 0x05}, {0x0f, 0x34}, {0x0f, 0x35}, {0x48, 0x0f, 0x07}, {0xfa}, {0xfb}, {0xf4}, {0xf1},
	{0xe4, 0x80}, {0xe6, 0x80}, {0xec}, {0xef}, {0x6c}, {0xf3, 0x6f}, {0xcd, 0x80},
	{0x0f, 0x01, 0xd0}, {0x0f, 0x01, 0xf8}, {0x0f, 0x01, 0xf9}, {0x0f, 0x01, 0xca},
	{0x0f, 0x01, 0xcb}, {0x0f, 0x01, 0x38}, {0x0f, 0x01, 0x10}, {0x0f, 0x00, 0xd8},
	{0x0f, 0x01, 0xd5}, {0x0f, 0x01, 0xd6}, {0x0f, 0x20, 0xd8}, {0x0f, 0x22, 0xd8},
	{0x0f, 0x21, 0xc0}, {0x44, 0x0f, 0x20, 0xc0}, {0x0f, 0x30}, {0x0f, 0x32}, {0x0f, 0x31},
	{0x0f, 0x33}, {0x0f, 0xa2}, {0x0f, 0xa0}, {0x0f, 0xa9}, {0x9d}, {0x8e, 0xd8}, {0x0f, 0x06},
	{0x0f, 0x08}, {0x0f, 0x09}, {0x0f, 0xaa}, {0x0f, 0x37}, {0x0f, 0xb2, 0x00},
	{0x0f, 0xae, 0x00}, {0x0f, 0xae, 0x20}, {0x48, 0x0f, 0xae, 0x28}, {0xf3, 0x48, 0x0f, 0xae, 0xc0},
	{0x48, 0x0f, 0xc7, 0xf0}, {0x0f, 0xc7, 0xf8}, {0xf3, 0x0f, 0xc7, 0xf8}, {0x0f, 0xc7, 0x30},
	{0xc7, 0xf8, 1, 2, 3, 4}, {0xc6, 0xf8, 0x01}, {0x66, 0x0f, 0x38, 0x82, 0x00},
	{0xf3, 0x0f, 0xae, 0xe8}, {0x66, 0x0f, 0xae, 0xf0}, {0xf2, 0x0f, 0xae, 0xf0},
	{0x66, 0x0f, 0x38, 0xf5, 0x00}, {0x0f, 0x38, 0xf6, 0x00}, {0xf3, 0x0f, 0x38, 0xf8, 0x00},
	{0xf3, 0x0f, 0x38, 0xf8, 0xc0}, {0xf3, 0x0f, 0x1e, 0xc8}, {0xf3, 0x0f, 0x01, 0xea},
	{0xf3, 0x0f, 0x1e, 0xfb}, {0x0f, 0x38, 0xfc, 0x00}, {0x0f, 0x38, 0xf9, 0x00},
	// vector, x87
	{0x0f, 0x28, 0xc1}, {0x66, 0x0f, 0xef, 0xc0}, {0xf3, 0x0f, 0x10, 0x00}, {0xf2, 0x0f, 0x58, 0xc1},
	{0x0f, 0x77}, {0xc5, 0xf8, 0x77}, {0xc4, 0xe2, 0x79, 0x18, 0x00}, {0x62, 0xf1, 0x7c, 0x48, 0x10, 0x06},
	{0x8f, 0xe8, 0x78, 0xc0, 0xc0, 0x00}, {0x0f, 0x0f, 0xc0, 0xb4}, {0xd9, 0xc0}, {0xdd, 0x05, 1, 2, 3, 4},
	{0x9b}, {0xdb, 0xe3}, {0x0f, 0xae, 0x10}, {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08}, {0x0f, 0x38, 0x00, 0xc1},
	{0x66, 0x48, 0x0f, 0x6e, 0xc0}, {0xf3, 0x0f, 0x7e, 0xc1}, {0x0f, 0xc6, 0xc1, 0x1b},
	{0xf3, 0x0f, 0x38, 0xfa, 0xc1},
};

class Gen {
public:
	Gen(std::uint64_t seed, std::vector<Bytes> const &corpus) : rng_(seed), corpus_(corpus) {}

	// The next input: up to 15 bytes in @b; returns how many.
	std::size_t next(std::array<std::uint8_t, 15> &b, bool mutate)
	{
		for (auto &x : b)
			x = byte();
		if (!mutate)
			return below(10) < 3 ? 1 + below(15) : structured(b);
		return mutated(b);
	}

private:
	std::uint8_t byte() { return static_cast<std::uint8_t>(rng_()); }
	unsigned below(unsigned n) { return static_cast<unsigned>(rng_() % n); }

	static constexpr std::array<std::uint8_t, 11> legacy = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
								 0x66, 0x67, 0xf0, 0xf2, 0xf3};

	std::uint8_t modrm()
	{
		unsigned const mod = below(4), reg = below(8);
		unsigned const r = below(8);
		unsigned const rm = r < 2 ? 4 : r < 3 ? 5 : below(8);
		return static_cast<std::uint8_t>(mod << 6 | reg << 3 | rm);
	}

	// Prefixes, an opcode from one of the maps, a ModRM byte shaped to
	// reach the SIB and displacement forms, random bytes after.
	std::size_t structured(std::array<std::uint8_t, 15> &b)
	{
		std::size_t i = 0;
		for (unsigned k = below(4); k; k--)
			b[i++] = legacy[below(legacy.size())];
		if (below(2))
			b[i++] = static_cast<std::uint8_t>(0x40 | below(16));
		switch (below(20)) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
			b[i++] = byte();
			break;
		case 10: case 11: case 12: case 13: case 14:
			b[i++] = 0x0f;
			b[i++] = byte();
			break;
		case 15: case 16:
			b[i++] = 0x0f;
			b[i++] = 0x38;
			b[i++] = byte();
			break;
		case 17:
			b[i++] = 0x0f;
			b[i++] = 0x3a;
			b[i++] = byte();
			break;
		default: {
			static constexpr std::array<std::uint8_t, 4> esc = {0xc4, 0xc5, 0x62, 0x8f};
			b[i++] = esc[below(esc.size())];
			break;
		}
		}
		b[i++] = modrm();
		if (below(3) == 0)
			b[i] = static_cast<std::uint8_t>((b[i] & ~7u) | 5); // SIB without a base
		return below(5) == 0 ? 1 + below(15) : 15;
	}

	// Where the ModRM byte of @b would be: after the legacy prefixes, a
	// REX and the opcode (0f, 0f 38 and 0f 3a escape to longer ones).
	static std::size_t modrm_at(std::array<std::uint8_t, 15> const &b, std::size_t n)
	{
		std::size_t i = 0;
		while (i < n && is_legacy_prefix(b[i]))
			i++;
		if (i < n && (b[i] & 0xf0) == 0x40)
			i++;
		if (i < n && b[i] == 0x0f) {
			i++;
			if (i < n && (b[i] == 0x38 || b[i] == 0x3a))
				i++;
		}
		return i + 1;
	}

	// A real instruction, changed one to three times, followed by random
	// bytes or cut short.
	std::size_t mutated(std::array<std::uint8_t, 15> &b)
	{
		Bytes const &seed = corpus_[below(corpus_.size())];
		std::size_t n = std::min<std::size_t>(seed.size(), 15);
		std::copy(seed.begin(), seed.begin() + n, b.begin());
		std::size_t len = n; // the instruction's bytes, before the random tail
		for (unsigned k = 1 + below(3); k; k--) {
			switch (below(9)) {
			case 0: // flip a bit
				b[below(len)] ^= static_cast<std::uint8_t>(1u << below(8));
				break;
			case 1: // replace a byte
				b[below(len)] = byte();
				break;
			case 2: // another legacy prefix in front
			case 3:
				if (len < 15) {
					std::copy_backward(b.begin(), b.begin() + 14, b.end());
					b[0] = legacy[below(legacy.size())];
					len++;
				}
				break;
			case 4: // a REX right before the opcode
				if (len < 15) {
					std::size_t at = 0;
					while (at < len && is_legacy_prefix(b[at]))
						at++;
					std::copy_backward(b.begin() + at, b.begin() + 14, b.end());
					b[at] = static_cast<std::uint8_t>(0x40 | below(16));
					len++;
				}
				break;
			case 5: // drop the first byte
				if (len > 1) {
					std::copy(b.begin() + 1, b.end(), b.begin());
					b[14] = byte();
					len--;
				}
				break;
			case 6: // another mod, reg or rm
			case 7: {
				std::size_t const at = modrm_at(b, len) - 1;
				if (at < 15) {
					std::uint8_t const m = modrm();
					std::uint8_t const mask = static_cast<std::uint8_t>(
						below(3) == 0 ? 0xc0 : below(2) ? 0x38 : 0x07);
					b[at] = static_cast<std::uint8_t>((b[at] & ~mask) | (m & mask));
					if (at + 1 < 15 && below(3) == 0) // and another SIB
						b[at + 1] = byte();
				}
				break;
			}
			default: // random bytes over the end
				break;
			}
		}
		switch (below(4)) {
		case 0: // exactly the instruction
			return len;
		case 1: // cut short
			return 1 + below(static_cast<unsigned>(len));
		default:
			return 15;
		}
	}

	std::mt19937_64 rng_;
	std::vector<Bytes> const &corpus_;
};

std::uint64_t seed_from_env()
{
	if (char const *s = std::getenv("RAX_X86_DIFF_SEED"); s && *s)
		return std::strtoull(s, nullptr, 0);
	return 0x5241582d78383621ull; // "RAX-x86!"
}

double since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

TEST_CASE("x86-diff: every instruction of the tests' objects, ours against LLVM", "[x86][llvm]")
{
	Llvm llvm;
	if (!llvm.error().empty()) {
		WARN("skipped: " << llvm.error());
		return;
	}
	auto const t0 = std::chrono::steady_clock::now();
	Tally total;
	Failures fails;
	std::uint64_t llvm_gaps = 0, files = 0, funcs = 0;
	std::map<std::string, std::size_t> walked; // file name: functions
	for (auto const &path : object_files()) {
		auto const img = read_file(path);
		if (!img) {
			// A fixture another test is writing; what must be there is
			// checked below.
			continue;
		}
		std::vector<std::span<std::uint8_t const>> objects{*img};
		if (path.extension() == ".rlib")
			objects = archive_members(*img);
		Tally t;
		std::size_t nf = 0;
		for (auto const &obj : objects)
			for (auto const &f : functions(obj)) {
				walk(llvm, f, path.filename().string(), t, fails, llvm_gaps);
				nf++;
			}
		std::printf("x86-diff object %s: %zu functions, %llu instructions\n", path.c_str(), nf,
			    (unsigned long long)t.inputs);
		files++;
		funcs += nf;
		walked[path.filename().string()] = std::max(walked[path.filename().string()], nf);
		total.add(t);
	}
	std::printf("x86-diff objects: %llu files, %llu functions, %llu instructions; LLVM could not "
		    "decode %llu places\n",
		    (unsigned long long)files, (unsigned long long)funcs,
		    (unsigned long long)total.inputs, (unsigned long long)llvm_gaps);
	report("objects", total, since(t0));
	// Not whatever earlier tests left: the data object, every sample (the
	// fixture built them), libcore and the rax crate of the sysroot, each
	// with code.
	std::vector<std::string> want = {"rustc-ext.o", "libcore.rlib", "librax.rlib"};
	for (auto const &name : sample_names())
		want.push_back("subset-" + name + ".rax.o");
	CHECK(want.size() >= 30);
	std::size_t missing = 0;
	for (auto const &w : want) {
		INFO(w << " (" << (test_paths::binary_dir + std::string("/objects")) << ", the sysroot cache)");
		CHECK(walked[w] > 0);
		missing += walked[w] == 0;
	}
	std::printf("x86-diff objects: %zu of the %zu that must be there walked\n", want.size() - missing,
		    want.size());
	require_none(fails, total);
}

TEST_CASE("x86-diff: every opcode with every ModRM byte, ours against LLVM", "[x86][llvm]")
{
	Llvm llvm;
	if (!llvm.error().empty()) {
		WARN("skipped: " << llvm.error());
		return;
	}
	auto const t0 = std::chrono::steady_clock::now();
	std::uint64_t const seed = seed_from_env();
	std::mt19937_64 rng(seed);
	Tally t;
	Failures fails;
	std::vector<Bytes> const prefixes = {{},	   {0x66}, {0xf2}, {0xf3},	 {0xf0},
					     {0x67},	   {0x48}, {0x41}, {0x66, 0x48}, {0xf3, 0x48},
					     {0xf0, 0x48}, {0x2e}};
	std::vector<Bytes> const maps = {{}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}};
	std::array<std::uint8_t, 15> b{};
	for (auto const &p : prefixes)
		for (auto const &m : maps)
			for (unsigned op = 0; op < 256; op++)
				for (unsigned mr = 0; mr < 256; mr++) {
					std::size_t i = 0;
					for (auto x : p)
						b[i++] = x;
					for (auto x : m)
						b[i++] = x;
					b[i++] = static_cast<std::uint8_t>(op);
					b[i++] = static_cast<std::uint8_t>(mr);
					while (i < b.size())
						b[i++] = static_cast<std::uint8_t>(rng());
					compare(llvm, b, t, fails, [] { return std::string("grid"); });
				}
	std::printf("x86-diff grid: seed %#llx (RAX_X86_DIFF_SEED) for the bytes after the ModRM\n",
		    (unsigned long long)seed);
	report("grid", t, since(t0));
	require_none(fails, t);
}

TEST_CASE("x86-diff: random and mutated byte strings, ours against LLVM", "[x86][llvm]")
{
	Llvm llvm;
	if (!llvm.error().empty()) {
		WARN("skipped: " << llvm.error());
		return;
	}
	auto const t0 = std::chrono::steady_clock::now();
	// The seeds of the mutations: the templates and every instruction of
	// the data object (not the objects the run builds, so that a seed
	// always gives the same inputs).
	std::vector<Bytes> corpus = templates;
	auto const img = read_file(fs::path(test_paths::data) / "rustc-ext.o");
	REQUIRE(img);
	for (auto const &f : functions(*img))
		for (std::size_t o = 0; o < f.code.size();) {
			Answer const a = llvm.decode(f.code.subspan(o));
			std::size_t const len = a.ref ? a.ref->length : 1;
			corpus.emplace_back(f.code.begin() + o,
					    f.code.begin() + std::min(o + len, f.code.size()));
			o += len;
		}
	std::uint64_t const seed = seed_from_env();
	std::printf("x86-diff random: seed %#llx (RAX_X86_DIFF_SEED), %zu instructions to mutate\n",
		    (unsigned long long)seed, corpus.size());
	Gen gen(seed, corpus);
	Tally random, mutated;
	Failures fails;
	std::array<std::uint8_t, 15> b{};
	std::uint64_t count = 1000000; // of each; RAX_X86_DIFF_COUNT for a longer run
	if (char const *c = std::getenv("RAX_X86_DIFF_COUNT"); c && *c)
		count = std::strtoull(c, nullptr, 0);
	for (std::uint64_t k = 0; k < 2 * count; k++) {
		bool const mutate = k & 1;
		std::size_t const n = gen.next(b, mutate);
		compare(llvm, std::span<std::uint8_t const>(b).first(n), mutate ? mutated : random,
			fails, [&] {
				char w[64];
				std::snprintf(w, sizeof(w), "seed %#llx input %llu",
					      (unsigned long long)seed, (unsigned long long)k);
				return std::string(w);
			});
	}
	Tally all;
	all.add(random);
	all.add(mutated);
	std::printf("x86-diff random and mutated: %llu inputs in %.1f s\n",
		    (unsigned long long)all.inputs, since(t0));
	report("random", random, -1);
	report("mutated", mutated, -1);
	require_none(fails, all);
}
