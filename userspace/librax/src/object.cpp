// SPDX-License-Identifier: GPL-2.0
// The helper list (from kernel/rax/helpers.h, the single source) and the
// analysis of the object rustc emits: entry points, maps, imported
// helpers, the call graph from the code's relocations and the stack
// bound of every entry from .stack_sizes.
#include "elf.hpp"
#include "x86.hpp"

#include <linux/rax.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

namespace rax {

namespace {

// The program types of the helper list, a bit per type.
enum : std::uint32_t {
	ht_kprobe = 0x01,
	ht_tracepoint = 0x02,
	ht_perf_event = 0x04,
	ht_xdp = 0x08,
	ht_sched_cls = 0x10,
	ht_TRACING = ht_kprobe | ht_tracepoint | ht_perf_event,
	ht_NET = ht_xdp | ht_sched_cls,
	ht_ALL = ht_TRACING | ht_NET,
	ht_TC = ht_sched_cls,
	ht_KPROBE = ht_kprobe,
	ht_XDP = ht_xdp,
};

struct HelperInfo {
	char const *name;
	unsigned nargs;
	std::uint32_t types;
	bool abi; // a compiler ABI symbol (RAX_ABI), not a helper
};

// kernel/rax/helpers.h, the single source of the helper list.
#define RAX_HELPER(name, nargs, types) {#name, nargs, ht_##types, false},
#define RAX_ABI(name, nargs) {#name, nargs, ht_ALL, true},
constexpr HelperInfo helper_table[] = {
#include "../../../kernel/rax/helpers.h"
};
#undef RAX_ABI
#undef RAX_HELPER

HelperInfo const *find_helper(std::string const &name)
{
	for (auto const &h : helper_table)
		if (name == h.name)
			return &h;
	return nullptr;
}

} // namespace

bool helper_known(std::string const &name)
{
	return find_helper(name) != nullptr;
}

bool abi_symbol(std::string const &name)
{
	HelperInfo const *h = find_helper(name);
	return h && h->abi;
}

bool kernel_thunk(std::string const &name)
{
	return name == RAX_THUNK_RETURN || name == RAX_THUNK_INDIRECT;
}

bool helper_allowed(std::string const &name, std::uint32_t prog_type)
{
	HelperInfo const *h = find_helper(name);
	return h && (h->types & elf::prog_type_mask(prog_type));
}

std::vector<std::string> helper_names()
{
	std::vector<std::string> v;

	for (auto const &h : helper_table)
		v.emplace_back(h.name);
	return v;
}

namespace elf {

std::uint32_t prog_type_mask(std::uint32_t prog_type)
{
	switch (prog_type) {
	case 2: // BPF_PROG_TYPE_KPROBE
		return ht_kprobe;
	case 3: // BPF_PROG_TYPE_SCHED_CLS
		return ht_sched_cls;
	case 5: // BPF_PROG_TYPE_TRACEPOINT
		return ht_tracepoint;
	case 6: // BPF_PROG_TYPE_XDP
		return ht_xdp;
	case 7: // BPF_PROG_TYPE_PERF_EVENT
		return ht_perf_event;
	default:
		return 0;
	}
}

} // namespace elf

namespace {

using namespace elf;

Error refuse(std::string msg)
{
	return Error(EINVAL, "analyse", std::move(msg));
}

Error bad(std::string msg)
{
	return Error(EBADMSG, "analyse", std::move(msg));
}

// The helper whose calls are the cancellation points (termination.rst).
constexpr char budget_helper[] = "rax_budget_check";
// The helper a panic ends in: the kernel's rax_throw() is __noreturn
// (kernel/rax/throw.c; "does not return" in format.rst), so a call or a
// jump to it goes nowhere in the program.
constexpr char throw_helper[] = "rax_throw";

// Where control goes after one instruction, as the proof of cancellation
// points sees it.
enum class Flow : std::uint8_t {
	next,	// on to the next instruction
	stop,	// nowhere in the program: a trap, a return, a tail call to a helper,
		// a call to rax_throw
	budget, // a call to rax_budget_check: a cancellation point, the graph is cut there
	call,	// to the target, and back to the next instruction
	jump,	// to the target
	branch, // to the target or on to the next instruction
};

// What a call or a branch reaches.
enum class Reach : std::uint8_t {
	none,	  // a helper or the return thunk: no code of the program
	insn,	  // an instruction of the same function (target: its offset)
	func,	  // the entry of a function (target: its index)
	anywhere, // the indirect thunk: every function whose address is taken
};

struct Step {
	std::uint64_t at = 0; // offset in the function
	Flow flow = Flow::next;
	Reach reach = Reach::none;
	std::uint64_t target = 0;
};

struct Func {
	std::string name;
	std::uint32_t shndx = 0;
	std::uint64_t value = 0;
	std::uint64_t size = 0;
	std::optional<std::uint64_t> frame;
	std::vector<std::string> callees;
	bool indirect = false; // calls or jumps through the retpoline thunk
	bool global = false;   // has a global name: reachable from outside
	bool endbr = false;    // starts with ENDBR64
	std::vector<Step> steps; // every instruction, in order
};

// Where a relocation points: a helper, or a section and an offset in it.
struct Target {
	std::string helper;
	std::uint32_t shndx = 0;
	std::uint64_t offset = 0;
};

class Graph {
public:
	explicit Graph(View const &v) : v_(v) {}

	Result<void> build();
	Result<void> stack_sizes();
	Result<void> cancellation_points() const;
	std::vector<bool> never_return() const;
	std::vector<StackFrame> frames() const;
	std::string const *canonical(std::string const &name) const
	{
		auto it = by_name_.find(name);
		return it == by_name_.end() ? nullptr : &funcs_[it->second].name;
	}

private:
	Target resolve(Elf64_Rela const &r) const;
	Result<void> check_code(Func &f);
	Result<void> address_taken();
	std::string where(std::size_t func, std::uint64_t at) const;
	std::uint32_t rela_of(std::uint32_t shndx) const
	{
		auto it = rela_.find(shndx);
		return it == rela_.end() ? 0 : it->second;
	}

	View const &v_;
	std::vector<Func> funcs_;
	std::map<std::string, std::size_t> by_name_;
	std::map<std::pair<std::uint32_t, std::uint64_t>, std::size_t> by_addr_;
	std::map<std::uint32_t, std::uint32_t> rela_;
	// Where the rel32 of every direct call or jump is: (section, offset).
	std::set<std::pair<std::uint32_t, std::uint64_t>> branch_sites_;
	// Functions (and helpers) whose address is taken: what an indirect
	// call may reach.
	std::set<std::string> address_taken_;
	std::set<std::string> helpers_;
};

Target Graph::resolve(Elf64_Rela const &r) const
{
	Elf64_Sym const &s = v_.syms[ELF64_R_SYM(r.r_info)];
	std::uint32_t const type = ELF64_R_TYPE(r.r_info);
	Target t;

	if (s.st_shndx == SHN_UNDEF) {
		t.helper = std::string(v_.symnames[ELF64_R_SYM(r.r_info)]);
		return t;
	}
	t.shndx = s.st_shndx;
	// A PC-relative field is the last 4 bytes of its instruction: the
	// target is S + A + 4 (S + A - P relative to the next instruction).
	std::uint64_t const bias = (type == R_X86_64_PC32 || type == R_X86_64_PLT32) ? 4 : 0;
	std::uint64_t const base = ELF64_ST_TYPE(s.st_info) == STT_SECTION ? 0 : s.st_value;
	t.offset = base + static_cast<std::uint64_t>(r.r_addend) + bias;
	return t;
}

Result<void> Graph::build()
{
	for (std::uint32_t i = 1; i < v_.sh.size(); i++)
		if (v_.kinds[i] == Kind::rela)
			rela_[v_.sh[i].sh_info] = i;

	// Functions, by location; aliases share one, named by a global symbol.
	for (std::uint32_t i = 1; i < v_.syms.size(); i++) {
		Elf64_Sym const &s = v_.syms[i];
		if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF)
			continue;
		std::string const name(v_.symnames[i]);
		if (name.empty())
			return bad(v_.symbol_desc(i) + ": function without a name");
		auto [it, fresh] = by_addr_.emplace(std::pair(std::uint32_t(s.st_shndx), s.st_value),
						    funcs_.size());
		if (fresh) {
			Func f;
			f.name = name;
			f.shndx = s.st_shndx;
			f.value = s.st_value;
			f.size = s.st_size;
			funcs_.push_back(std::move(f));
		} else {
			Func &f = funcs_[it->second];
			f.size = std::max(f.size, std::uint64_t(s.st_size));
			if (ELF64_ST_BIND(s.st_info) != STB_LOCAL)
				f.name = name;
		}
		if (ELF64_ST_BIND(s.st_info) != STB_LOCAL)
			funcs_[it->second].global = true;
		if (auto [n, ok] = by_name_.emplace(name, it->second); !ok && n->second != it->second)
			return refuse(v_.symbol_desc(i) + ": two functions of the same name");
	}
	std::set<std::string_view> undefined;
	for (std::uint32_t i = 1; i < v_.syms.size(); i++)
		if (v_.syms[i].st_shndx == SHN_UNDEF)
			undefined.insert(v_.symnames[i]);
	for (auto const &f : funcs_) {
		by_name_[f.name] = by_addr_.at({f.shndx, f.value});
		if (undefined.count(f.name))
			return refuse("function " + f.name + " is also an undefined symbol");
	}

	// Calls: every direct call or jump from a function's decoded code.
	for (auto &f : funcs_)
		RAX_CHECK(check_code(f));
	RAX_CHECK(address_taken());
	// IBT: every function an indirect branch may reach (the entries, which
	// the dispatcher calls, and every function whose address is taken)
	// starts with ENDBR64. LLVM leaves it out of local functions only ever
	// called directly, which no indirect branch may then reach.
	for (auto const &f : funcs_)
		if (!f.endbr && (f.global || address_taken_.count(f.name)))
			return refuse("function " + f.name + ": does not start with ENDBR64, and " +
				      (f.global ? "it is global" : "its address is taken"));
	// An indirect call may reach any function whose address is taken.
	for (auto &f : funcs_)
		if (f.indirect)
			f.callees.insert(f.callees.end(), address_taken_.begin(), address_taken_.end());
	for (auto &f : funcs_) {
		std::sort(f.callees.begin(), f.callees.end());
		f.callees.erase(std::unique(f.callees.begin(), f.callees.end()), f.callees.end());
	}
	return {};
}

// The machine code of one function, instruction by instruction from its
// first byte to its last: it returns only through
// the return thunk and branches indirectly only through the retpoline
// thunk, uses no system or vector instruction, and every direct branch
// lands on an instruction of the same function or on the start of a
// function. Collects the direct calls (and tail calls) as callees.
Result<void> Graph::check_code(Func &f)
{
	auto const code = v_.data(f.shndx);
	std::string const where = "function " + f.name;
	if (f.value > code.size() || f.size > code.size() - f.value)
		return bad(where + ": extends past the end of " + v_.section_desc(f.shndx));
	if (f.size == 0)
		return refuse(where + ": has no code");

	std::map<std::uint64_t, Elf64_Rela> relocs; // by offset, this function's
	if (std::uint32_t const r = rela_of(f.shndx))
		for (auto const &rel : v_.relas(r))
			if (rel.r_offset >= f.value && rel.r_offset - f.value < f.size)
				relocs.emplace(rel.r_offset, rel);

	auto at = [&](std::uint64_t o) {
		char buf[64];
		std::snprintf(buf, sizeof(buf), "+%#llx", static_cast<unsigned long long>(o - f.value));
		return where + buf;
	};
	std::set<std::uint64_t> starts;
	std::vector<std::pair<std::uint64_t, std::uint64_t>> local; // (insn, target)
	std::uint64_t const end = f.value + f.size;
	for (std::uint64_t o = f.value; o < end;) {
		auto const insn = x86::decode(code.subspan(o, end - o));
		if (!insn) {
			std::string bytes;
			for (std::uint64_t k = o; k < end && k < o + 8; k++) {
				char b[4];
				std::snprintf(b, sizeof(b), " %02x", code[k]);
				bytes += b;
			}
			return refuse(at(o) + ": an instruction the machine-code check does not know:" +
				      bytes);
		}
		starts.insert(o);
		Step step;
		step.at = o - f.value;
		step.flow = insn->trap ? Flow::stop : Flow::next;
		if (insn->cls == x86::Class::call_rel32)
			step.flow = Flow::call;
		else if (insn->cls == x86::Class::jmp_rel32 || insn->cls == x86::Class::jmp_rel8)
			step.flow = insn->cond ? Flow::branch : Flow::jump;
		else if (insn->cls == x86::Class::jcc_rel32)
			step.flow = Flow::branch;
		switch (insn->cls) {
		case x86::Class::ret:
			return refuse(at(o) + ": a bare return (every return must go through " +
				      RAX_THUNK_RETURN ")");
		case x86::Class::indirect:
			return refuse(at(o) + ": an indirect call or jump not through " +
				      RAX_THUNK_INDIRECT);
		case x86::Class::system:
			return refuse(at(o) + ": a privileged or system instruction");
		case x86::Class::vector:
			return refuse(at(o) + ": a vector (SSE/AVX) instruction; the kernel does not "
					      "save vector registers for a program");
		case x86::Class::endbr64:
		case x86::Class::plain:
			break;
		case x86::Class::call_rel32:
		case x86::Class::jmp_rel32:
		case x86::Class::jcc_rel32:
		case x86::Class::jmp_rel8: {
			std::uint64_t const field = o + insn->rel_at;
			std::uint64_t const next = o + insn->length;
			auto rel = relocs.find(field);
			if (rel != relocs.end()) {
				std::uint32_t const type = ELF64_R_TYPE(rel->second.r_info);
				if (insn->cls == x86::Class::jmp_rel8 ||
				    (type != R_X86_64_PLT32 && type != R_X86_64_PC32))
					return refuse(at(o) + ": a branch with a relocation of type " +
						      std::to_string(type));
				branch_sites_.emplace(f.shndx, field);
				Target const t = resolve(rel->second);
				if (!t.helper.empty()) {
					if (t.helper == RAX_THUNK_INDIRECT)
						step.reach = Reach::anywhere;
					else if (t.helper == budget_helper &&
						 insn->cls == x86::Class::call_rel32)
						step.flow = Flow::budget;
					else if (t.helper == throw_helper && !insn->cond &&
						 insn->cls != x86::Class::jcc_rel32)
						step.flow = Flow::stop;
					if (t.helper == RAX_THUNK_INDIRECT)
						f.indirect = true;
					else if (!kernel_thunk(t.helper))
						helpers_.insert(t.helper);
					if (!kernel_thunk(t.helper))
						f.callees.push_back(t.helper);
					break;
				}
				if (!is_code(v_.kinds[t.shndx]))
					return refuse(at(o) + ": a branch into " +
						      v_.section_desc(t.shndx));
				auto fn = by_addr_.find({t.shndx, t.offset});
				if (fn == by_addr_.end())
					return refuse(at(o) + ": a branch into " +
						      v_.section_desc(t.shndx) + " + " +
						      std::to_string(t.offset) +
						      ", which is not the start of a function");
				f.callees.push_back(funcs_[fn->second].name);
				step.reach = Reach::func;
				step.target = fn->second;
				break;
			}
			for (std::uint64_t k = field; k < next; k++)
				if (relocs.count(k))
					return refuse(at(o) + ": a relocation inside a branch's displacement");
			std::uint64_t const to = next + static_cast<std::uint64_t>(std::int64_t(insn->rel));
			if (to >= f.value && to < end) {
				// Inside this function; a call to its own start is recursion.
				if (insn->cls == x86::Class::call_rel32 && to == f.value)
					f.callees.push_back(f.name);
				local.emplace_back(o, to);
				step.reach = Reach::insn;
				step.target = to - f.value;
				break;
			}
			auto fn = by_addr_.find({f.shndx, to});
			if (fn == by_addr_.end() || insn->cls == x86::Class::jmp_rel8)
				return refuse(at(o) + ": a branch out of the function to " +
					      v_.section_desc(f.shndx) + " + " + std::to_string(to) +
					      ", which is not the start of a function");
			f.callees.push_back(funcs_[fn->second].name);
			step.reach = Reach::func;
			step.target = fn->second;
			break;
		}
		}
		f.steps.push_back(step);
		if (o == f.value)
			f.endbr = insn->cls == x86::Class::endbr64;
		// Relocations must not straddle instructions.
		o += insn->length;
		auto straddle = relocs.lower_bound(o - insn->length + 1);
		if (straddle != relocs.end() && straddle->first < o &&
		    straddle->first + reloc_width(ELF64_R_TYPE(straddle->second.r_info)) > o)
			return refuse(at(straddle->first) + ": a relocation across two instructions");
	}
	for (auto const &[from, to] : local)
		if (!starts.count(to))
			return refuse(at(from) + ": a branch to " + at(to).substr(where.size()) +
				      ", which is not the start of an instruction");
	return {};
}

// Every reference to a function other than a direct call or jump takes its
// address: relocations from data (vtables, tables of function pointers)
// and from code (lea). A reference into the middle of a function (a jump
// table's label) is refused: no indirect branch may land there.
Result<void> Graph::address_taken()
{
	for (std::uint32_t r = 1; r < v_.sh.size(); r++) {
		if (v_.kinds[r] != Kind::rela)
			continue;
		std::uint32_t const target = v_.sh[r].sh_info;
		if (target >= v_.sh.size() || !is_alloc(v_.kinds[target]))
			continue;
		auto const relas = v_.relas(r);
		for (std::size_t j = 0; j < relas.size(); j++) {
			if (branch_sites_.count({target, relas[j].r_offset}))
				continue;
			std::string const where = v_.section_desc(r) + ": relocation " + std::to_string(j);
			Target const t = resolve(relas[j]);
			if (!t.helper.empty()) {
				if (kernel_thunk(t.helper))
					return refuse(where + " refers to the thunk " + t.helper +
						      " other than by a direct call or jump");
				address_taken_.insert(t.helper);
				helpers_.insert(t.helper);
				continue;
			}
			if (!is_code(v_.kinds[t.shndx]))
				continue;
			auto fn = by_addr_.find({t.shndx, t.offset});
			if (fn == by_addr_.end())
				return refuse(where + ": refers to " + v_.section_desc(t.shndx) + " + " +
					      std::to_string(t.offset) +
					      ", which is not the start of a function (a jump table?)");
			address_taken_.insert(funcs_[fn->second].name);
		}
	}
	return {};
}

std::string Graph::where(std::size_t func, std::uint64_t at) const
{
	if (at == 0)
		return funcs_[func].name;
	char buf[32];
	std::snprintf(buf, sizeof(buf), "+%#llx", static_cast<unsigned long long>(at));
	return funcs_[func].name + buf;
}

// The functions that never return to their caller: from the entry, no
// path reaches a return (a jump to the return thunk), a tail call (a jump
// to a helper, to a function or through the indirect thunk) or the end of
// the function. A call continues at the next instruction unless its
// callee never returns; a call or jump to rax_throw is a stop; a call to
// rax_budget_check continues (the check returns while the budget lasts).
// Returning is the least fixed point (a return ends a finite tree of
// calls that all returned), so never returning is the greatest: start with
// every function and drop, until nothing changes, each one with a path to
// a return. Mutual recursion with no way out stays in the set, as it
// should: no call of it comes back.
//
// This is what lets the proof below skip the edge from such a call to the
// next instruction. LLVM's block placement may put a cold block (the
// saturated value of a saturating_mul, say) after a function's last call
// to a panic function and jump from it back up into code before a loop:
// in the bytes, the call "falls through" into a jump back, and the cycle
// it closes would pass no cancellation point, but no execution takes it.
std::vector<bool> Graph::never_return() const
{
	std::vector<bool> never(funcs_.size(), true);
	for (bool changed = true; changed;) {
		changed = false;
		for (std::size_t i = 0; i < funcs_.size(); i++) {
			if (!never[i])
				continue;
			Func const &f = funcs_[i];
			std::vector<bool> seen(f.steps.size(), false);
			std::vector<std::size_t> todo{0};
			bool returns = false;
			auto go = [&](std::size_t k) {
				if (k >= f.steps.size())
					returns = true; // past the end: taken as a way out
				else if (!seen[k])
					todo.push_back(k);
			};
			while (!todo.empty() && !returns) {
				std::size_t const k = todo.back();
				todo.pop_back();
				if (seen[k])
					continue;
				seen[k] = true;
				Step const &s = f.steps[k];
				switch (s.flow) {
				case Flow::stop:
					break;
				case Flow::next:
				case Flow::budget:
					go(k + 1);
					break;
				case Flow::call:
					if (!((s.reach == Reach::func && never[s.target]) ||
					      (s.reach == Reach::insn && s.target == 0 && never[i])))
						go(k + 1);
					break;
				case Flow::jump:
				case Flow::branch:
					if (s.reach != Reach::insn) {
						returns = true; // a return or a tail call
						break;
					}
					{
						auto to = std::lower_bound(
							f.steps.begin(), f.steps.end(), s.target,
							[](Step const &x, std::uint64_t at) { return x.at < at; });
						if (to == f.steps.end() || to->at != s.target)
							returns = true; // refused by the proof anyway
						else
							go(std::size_t(to - f.steps.begin()));
					}
					if (s.flow == Flow::branch)
						go(k + 1);
					break;
				}
			}
			if (returns) {
				never[i] = false;
				changed = true;
			}
		}
	}
	return never;
}

// Every cycle of the program's control flow passes a cancellation point
// (termination.rst), proved on the final machine code, whatever the
// compiler's back end did after the termination pass: the graph has a
// node per instruction of every function and an edge wherever control
// may go next (the next instruction, a branch's target, a callee's
// entry, every function whose address is taken after a call or a jump
// through the indirect thunk, and the function that starts where another
// runs past its end); a call to rax_budget_check has no edge out, and a
// call to a function that never returns (never_return()) or to rax_throw
// none to the next instruction. What
// is left must be acyclic: a loop, a recursion or a cycle through
// function pointers without a call to the check is refused, naming the
// instruction that closes it. check_code() has already refused what the
// graph could not follow (a branch into an instruction, out of its
// function elsewhere than to a function's start, an indirect branch not
// through the thunk).
Result<void> Graph::cancellation_points() const
{
	std::vector<std::size_t> base(funcs_.size() + 1, 0);
	for (std::size_t i = 0; i < funcs_.size(); i++)
		base[i + 1] = base[i] + funcs_[i].steps.size();
	std::size_t const n = base.back();
	std::vector<bool> const never = never_return();
	std::vector<std::size_t> anywhere;

	// A program that imports nothing, not even rax_budget_check, is one the
	// termination pass found made of leaves (no loop, no call:
	// termination.rst): the kernel runs it bare, each run one function's
	// straight-line code. A call or a jump from one of its functions to
	// another, or through the indirect thunk, would let a run multiply code
	// with no point and no frame at all.
	bool const bare = helpers_.empty();
	for (std::size_t i = 0; i < funcs_.size() && bare; i++)
		for (Step const &s : funcs_[i].steps)
			if ((s.flow == Flow::call || s.flow == Flow::jump || s.flow == Flow::branch) &&
			    (s.reach == Reach::func || s.reach == Reach::anywhere))
				return refuse("function " + where(i, s.at) +
					      ": a call to another function of a program that imports "
					      "nothing, not even " +
					      budget_helper +
					      "; only a program of leaves, without loops or calls, "
					      "has no cancellation point, and the kernel runs it bare");
	for (auto const &name : address_taken_)
		if (auto it = by_name_.find(name); it != by_name_.end())
			anywhere.push_back(base[it->second]);

	// The graph, in compressed rows: the edges of node u are
	// edges[first[u]..first[u + 1]).
	std::vector<std::size_t> first(n + 1, 0), edges;
	std::vector<std::size_t> owner(n);
	for (std::size_t i = 0; i < funcs_.size(); i++) {
		Func const &f = funcs_[i];
		for (std::size_t k = 0; k < f.steps.size(); k++) {
			Step const &s = f.steps[k];
			std::size_t const u = base[i] + k;
			first[u] = edges.size();
			owner[u] = i;
			if (s.flow == Flow::call || s.flow == Flow::jump || s.flow == Flow::branch) {
				switch (s.reach) {
				case Reach::none:
					break;
				case Reach::insn: {
					auto to = std::lower_bound(
						f.steps.begin(), f.steps.end(), s.target,
						[](Step const &x, std::uint64_t at) { return x.at < at; });
					if (to == f.steps.end() || to->at != s.target)
						return refuse("function " + where(i, s.at) +
							      ": a branch to no instruction");
					edges.push_back(base[i] + std::size_t(to - f.steps.begin()));
					break;
				}
				case Reach::func:
					edges.push_back(base[s.target]);
					break;
				case Reach::anywhere:
					edges.insert(edges.end(), anywhere.begin(), anywhere.end());
					break;
				}
			}
			if (s.flow != Flow::next && s.flow != Flow::call && s.flow != Flow::branch)
				continue;
			// A call to a function that never returns (never_return())
			// does not come back to the next instruction.
			if (s.flow == Flow::call &&
			    ((s.reach == Reach::func && never[s.target]) ||
			     (s.reach == Reach::insn && s.target == 0 && never[i])))
				continue;
			if (k + 1 < f.steps.size()) {
				edges.push_back(u + 1);
				continue;
			}
			// Past the end: into the function that starts there, if any.
			// A call that ends a function is to one that does not return
			// (LLVM places nothing after it); anything else is refused.
			if (auto it = by_addr_.find({f.shndx, f.value + f.size}); it != by_addr_.end())
				edges.push_back(base[it->second]);
			else if (s.flow != Flow::call)
				return refuse("function " + where(i, s.at) +
					      ": control runs past the end of the function");
		}
	}
	first[n] = edges.size();

	// A depth-first walk from every node: an edge to a node still on the
	// walk's stack closes a cycle.
	enum : std::uint8_t { white, grey, black };
	std::vector<std::uint8_t> colour(n, white);
	std::vector<std::pair<std::size_t, std::size_t>> dfs; // node, next edge
	for (std::size_t root = 0; root < n; root++) {
		if (colour[root] != white)
			continue;
		colour[root] = grey;
		dfs.emplace_back(root, first[root]);
		while (!dfs.empty()) {
			auto &[u, e] = dfs.back();
			if (e == first[u + 1]) {
				colour[u] = black;
				dfs.pop_back();
				continue;
			}
			std::size_t const from = u, v = edges[e++];
			if (colour[v] == white) {
				colour[v] = grey;
				dfs.emplace_back(v, first[v]);
				continue;
			}
			if (colour[v] == black)
				continue;
			// The cycle: the walk's stack from v to u, then v. The message
			// names the jump or call that closes it (the last one on the
			// cycle when the closing edge is a step to the next
			// instruction) and lists the cycle's jumps and calls.
			std::vector<std::size_t> cycle;
			bool in = false;
			for (auto const &[x, ignored] : dfs) {
				(void)ignored;
				in = in || x == v;
				if (in)
					cycle.push_back(x);
			}
			cycle.push_back(v);
			std::vector<std::pair<std::size_t, std::size_t>> hops;
			for (std::size_t j = 0; j + 1 < cycle.size(); j++)
				if (cycle[j + 1] != cycle[j] + 1 || owner[cycle[j]] != owner[cycle[j + 1]])
					hops.emplace_back(cycle[j], cycle[j + 1]);
			if (hops.empty())
				hops.emplace_back(from, v);
			std::size_t const named = hops.back().first;
			auto name = [&](std::size_t x) {
				std::string s = where(owner[x], funcs_[owner[x]].steps[x - base[owner[x]]].at);
				// Offsets alone inside the function the message names.
				if (owner[x] == owner[named])
					s.erase(0, funcs_[owner[x]].name.size());
				return s.empty() ? std::string("+0x0") : s;
			};
			std::string path;
			for (std::size_t j = 0; j < hops.size() && j < 8; j++)
				path += (j ? ", " : "") + name(hops[j].first) + " -> " + name(hops[j].second);
			if (hops.size() > 8)
				path += ", and " + std::to_string(hops.size() - 8) + " more";
			return refuse("function " + funcs_[owner[named]].name + name(named) +
				      ": closes a cycle of the control flow that passes no "
				      "cancellation point (a call to " +
				      budget_helper + "); the cycle goes " + path);
		}
	}
	return {};
}

Result<std::uint64_t> uleb128(std::span<std::uint8_t const> d, std::uint64_t &off,
			      std::string const &where)
{
	std::uint64_t v = 0;

	for (unsigned shift = 0;; shift += 7) {
		if (off >= d.size())
			return bad(where + ": truncated ULEB128 stack size");
		std::uint8_t const b = d[off++];
		if (shift == 63 && (b & 0x7e))
			return bad(where + ": ULEB128 stack size overflows 64 bits");
		v |= std::uint64_t(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		if (shift == 63)
			return bad(where + ": ULEB128 stack size overflows 64 bits");
	}
}

Result<void> Graph::stack_sizes()
{
	for (std::uint32_t i = 1; i < v_.sh.size(); i++) {
		if (v_.kinds[i] != Kind::stack_sizes)
			continue;
		auto const d = v_.data(i);
		std::uint32_t const r = rela_of(i);
		std::vector<Elf64_Rela> relas;
		if (r)
			relas = v_.relas(r);
		std::uint64_t off = 0;
		while (off < d.size()) {
			std::string const where = v_.section_desc(i) + " at offset " + std::to_string(off);
			if (d.size() - off < 8)
				return bad(where + ": truncated function address");
			auto rel = std::find_if(relas.begin(), relas.end(),
						[&](Elf64_Rela const &x) { return x.r_offset == off; });
			if (rel == relas.end())
				return bad(where + ": function address without a relocation");
			std::uint64_t const sym = ELF64_R_SYM(rel->r_info);
			if (ELF64_R_TYPE(rel->r_info) != R_X86_64_64 || !sym || sym >= v_.syms.size())
				return bad(where + ": malformed relocation of the function address");
			Target const t = resolve(*rel);
			off += 8;
			std::uint64_t const frame = RAX_TRY(uleb128(d, off, where));
			if (!t.helper.empty() || !is_code(v_.kinds[t.shndx]))
				return bad(where + ": the address is not in a code section");
			auto it = by_addr_.find({t.shndx, t.offset});
			if (it == by_addr_.end())
				return bad(where + ": no function at " + v_.section_desc(t.shndx) + " + " +
					   std::to_string(t.offset));
			Func &f = funcs_[it->second];
			if (f.frame && *f.frame != frame)
				return bad(where + ": second, different stack size for " + f.name);
			if (frame > max_frame)
				return refuse("function " + f.name + " has a frame of " +
					      std::to_string(frame) + " bytes, over the " +
					      std::to_string(max_frame) +
					      " a frame may have: the code has no stack probes, so a "
					      "larger frame could step over a guard page; move large "
					      "buffers into a map");
			f.frame = frame;
		}
	}
	return {};
}

std::vector<StackFrame> Graph::frames() const
{
	std::vector<StackFrame> g;

	for (auto const &f : funcs_)
		if (f.frame)
			g.push_back(StackFrame{f.name, *f.frame, f.callees});
	for (auto const &h : helpers_)
		g.push_back(StackFrame{h, 0, {}});
	return g;
}

} // namespace

Result<Analysis> analyse_compiler_object(std::span<std::uint8_t const> image,
					  std::uint64_t stack_limit)
{
	char const *op = "analyse";
	View const v = RAX_TRY(parse_container(image, Mode::compiler_object, op));
	Analysis a;

	RAX_CHECK(check_symbols(v, Mode::compiler_object, op, a.imports));
	RAX_CHECK(check_relocations(v, op));
	a.entries = RAX_TRY(parse_entries(v, op));
	a.maps = RAX_TRY(parse_maps(v, op));
	RAX_CHECK(check_imports(a.entries, a.imports, op));

	Graph g(v);
	RAX_CHECK(g.build());
	RAX_CHECK(g.cancellation_points());
	RAX_CHECK(g.stack_sizes());
	auto const frames = g.frames();
	for (auto const &e : a.entries) {
		std::string const *name = g.canonical(e.symbol);
		if (!name)
			return refuse("entry " + e.symbol + " is not a function");
		StackBound sb = RAX_TRY(stack_bound(frames, *name, stack_limit));
		sb.entry = e.symbol;
		a.stack.push_back(std::move(sb));
	}
	return a;
}

} // namespace rax
