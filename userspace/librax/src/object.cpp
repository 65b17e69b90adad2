// SPDX-License-Identifier: GPL-2.0
// The helper list (from kernel/rax/helpers.h, the single source) and the
// analysis of the object rustc emits: entry points, maps, imported
// helpers, the call graph from the code's relocations and the stack
// bound of every entry from .stack_sizes.
#include "elf.hpp"

#include <linux/rax.h>

#include <algorithm>
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
};

struct HelperInfo {
	char const *name;
	unsigned nargs;
	std::uint32_t types;
};

// kernel/rax/helpers.h, the single source of the helper list.
#define RAX_HELPER(name, nargs, types) {#name, nargs, ht_##types},
constexpr HelperInfo helper_table[] = {
#include "../../../kernel/rax/helpers.h"
};
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

struct Func {
	std::string name;
	std::uint32_t shndx = 0;
	std::uint64_t value = 0;
	std::uint64_t size = 0;
	std::optional<std::uint64_t> frame;
	std::vector<std::string> callees;
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
	std::vector<StackFrame> frames() const;
	std::string const *canonical(std::string const &name) const
	{
		auto it = by_name_.find(name);
		return it == by_name_.end() ? nullptr : &funcs_[it->second].name;
	}

private:
	Target resolve(Elf64_Rela const &r) const;
	// The function starting at @t, or nullptr when @t is inside a function
	// (a label: jump tables); an error when it is in no function at all.
	Result<Func const *> function_at(Target const &t, std::string const &where) const;
	Result<std::vector<std::string>> data_callees(std::uint32_t shndx);
	Result<void> add_reference(std::vector<std::string> &out, Target const &t,
				   std::string const &where);
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
	std::map<std::uint32_t, std::vector<std::string>> data_memo_;
	std::set<std::uint32_t> data_busy_;
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

Result<Func const *> Graph::function_at(Target const &t, std::string const &where) const
{
	auto it = by_addr_.find({t.shndx, t.offset});
	if (it != by_addr_.end())
		return &funcs_[it->second];
	for (auto const &f : funcs_)
		if (f.shndx == t.shndx && t.offset > f.value && t.offset - f.value < f.size)
			return static_cast<Func const *>(nullptr);
	return refuse(where + ": refers to " + v_.section_desc(t.shndx) + " + " +
		      std::to_string(t.offset) + ", which is in no function");
}

Result<void> Graph::add_reference(std::vector<std::string> &out, Target const &t,
				  std::string const &where)
{
	if (!t.helper.empty()) {
		out.push_back(t.helper);
		helpers_.insert(t.helper);
		return {};
	}
	if (is_code(v_.kinds[t.shndx])) {
		Func const *f = RAX_TRY(function_at(t, where));
		if (f)
			out.push_back(f->name);
		return {};
	}
	// Data: whatever function it holds the address of may be called
	// through it (function pointers, vtables).
	auto more = RAX_TRY(data_callees(t.shndx));
	out.insert(out.end(), more.begin(), more.end());
	return {};
}

Result<std::vector<std::string>> Graph::data_callees(std::uint32_t shndx)
{
	if (auto it = data_memo_.find(shndx); it != data_memo_.end())
		return it->second;
	if (!data_busy_.insert(shndx).second)
		return std::vector<std::string>{}; // a cycle of data: already being collected
	std::vector<std::string> out;
	if (std::uint32_t const r = rela_of(shndx)) {
		auto const relas = v_.relas(r);
		for (std::size_t j = 0; j < relas.size(); j++)
			RAX_CHECK(add_reference(out, resolve(relas[j]),
						v_.section_desc(r) + ": relocation " + std::to_string(j)));
	}
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	data_busy_.erase(shndx);
	// Memoise only outside cycles, where the result is complete.
	if (data_busy_.empty())
		data_memo_[shndx] = out;
	return out;
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

	// Calls: every reference from a function's bytes to a function.
	for (auto &f : funcs_) {
		std::vector<std::string> callees;
		// The assembler resolves a call or jump within one section
		// (self-recursion, or functions sharing .text) and leaves no
		// relocation: find every e8/e9 rel32 whose target is the start
		// of a function in the same section. Scanning every byte may
		// add an edge that is not a call (more conservative), never
		// miss one.
		auto const code = v_.data(f.shndx);
		for (std::uint64_t o = f.value; code.size() >= 5 && o + 5 <= f.value + f.size &&
						o + 5 <= code.size();
		     o++) {
			if (code[o] != 0xe8 && code[o] != 0xe9)
				continue;
			std::int32_t rel = static_cast<std::int32_t>(
				std::uint32_t(code[o + 1]) | std::uint32_t(code[o + 2]) << 8 |
				std::uint32_t(code[o + 3]) << 16 | std::uint32_t(code[o + 4]) << 24);
			std::int64_t const to = static_cast<std::int64_t>(o) + 5 + rel;
			if (to < 0)
				continue;
			auto it = by_addr_.find({f.shndx, static_cast<std::uint64_t>(to)});
			// A jump back to the function's own start is a loop, not a call.
			if (it != by_addr_.end() && !(code[o] == 0xe9 && funcs_[it->second].value == f.value))
				callees.push_back(funcs_[it->second].name);
		}
		std::uint32_t const r = rela_of(f.shndx);
		if (!r) {
			std::sort(callees.begin(), callees.end());
			callees.erase(std::unique(callees.begin(), callees.end()), callees.end());
			f.callees = std::move(callees);
			continue;
		}
		auto const relas = v_.relas(r);
		for (std::size_t j = 0; j < relas.size(); j++) {
			if (relas[j].r_offset < f.value || relas[j].r_offset - f.value >= f.size)
				continue;
			RAX_CHECK(add_reference(callees, resolve(relas[j]),
						"function " + f.name + ": " + v_.section_desc(r) +
							": relocation " + std::to_string(j)));
		}
		std::sort(callees.begin(), callees.end());
		callees.erase(std::unique(callees.begin(), callees.end()), callees.end());
		f.callees = std::move(callees);
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
