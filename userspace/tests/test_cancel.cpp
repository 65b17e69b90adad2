// SPDX-License-Identifier: GPL-2.0
// The proof of cancellation points on the final machine code: every cycle
// of a program's control flow (loops, recursion, cycles through function
// pointers) passes a call to rax_budget_check, or analyse_compiler_object()
// refuses the object naming the function and the offset of the jump or
// call that closes the cycle. Crafted objects for what must be refused and
// accepted; a crate of read-modify-write atomics, which LLVM's back end
// turns into cmpxchg loops, for what real code must pass.
#include <catch2/catch.hpp>

#include "../librax/src/x86.hpp"
#include "build_fixtures.hpp"
#include "elf_builder.hpp"

#include <rax/build.hpp>

#include <linux/rax.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

using namespace rax;
using namespace rax::test;

namespace {

constexpr char budget[] = "rax_budget_check";

// A function's machine code, assembled by hand: labels, branches to them
// (rel8 or rel32, fixed up when the function is done) and calls and jumps
// to symbols (functions of the object or helpers) through relocations.
struct Fn {
	std::string name;
	bool global = false;
	std::string section; // empty: .text.<name>, alone
	Bytes code;
	struct Reloc {
		std::uint64_t at; // the rel32 field
		std::string sym;
		std::uint32_t type;
	};
	std::vector<Reloc> relocs;
	std::map<std::string, std::uint64_t> labels;
	struct Fixup {
		std::uint64_t field, next;
		std::string label;
		bool wide;
	};
	std::vector<Fixup> fixups;

	explicit Fn(std::string n, bool g = false) : name(std::move(n)), global(g) {}

	std::uint64_t here() const { return code.size(); }
	Fn &bytes(std::initializer_list<std::uint8_t> b)
	{
		code.insert(code.end(), b);
		return *this;
	}
	Fn &endbr() { return bytes({0xf3, 0x0f, 0x1e, 0xfa}); }
	Fn &nop() { return bytes({0x90}); }
	Fn &label(std::string const &l)
	{
		labels[l] = here();
		return *this;
	}
	// jcc rel8 (0x70 | cc), jmp rel8 (0xeb), loop (0xe2)
	Fn &br8(std::uint8_t op, std::string const &l)
	{
		bytes({op, 0});
		fixups.push_back({here() - 1, here(), l, false});
		return *this;
	}
	Fn &jne8(std::string const &l) { return br8(0x75, l); }
	Fn &je8(std::string const &l) { return br8(0x74, l); }
	Fn &jmp8(std::string const &l) { return br8(0xeb, l); }
	Fn &jne32(std::string const &l)
	{
		bytes({0x0f, 0x85, 0, 0, 0, 0});
		fixups.push_back({here() - 4, here(), l, true});
		return *this;
	}
	Fn &jmp32(std::string const &l)
	{
		bytes({0xe9, 0, 0, 0, 0});
		fixups.push_back({here() - 4, here(), l, true});
		return *this;
	}
	Fn &reloc32(std::initializer_list<std::uint8_t> op, std::string const &sym,
		    std::uint32_t type = R_X86_64_PLT32)
	{
		bytes(op);
		relocs.push_back({here(), sym, type});
		return bytes({0, 0, 0, 0});
	}
	Fn &call(std::string const &sym) { return reloc32({0xe8}, sym); }
	Fn &tail(std::string const &sym) { return reloc32({0xe9}, sym); }
	Fn &jne_to(std::string const &sym) { return reloc32({0x0f, 0x85}, sym); }
	Fn &check() { return call(budget); }
	Fn &ret() { return tail(RAX_THUNK_RETURN); }
	Fn &call_ptr() { return call(RAX_THUNK_INDIRECT); }
	Fn &jmp_ptr() { return tail(RAX_THUNK_INDIRECT); }
	// lea r11, [rip + sym]: takes the address of @sym
	Fn &lea(std::string const &sym) { return reloc32({0x4c, 0x8d, 0x1d}, sym, R_X86_64_PC32); }
	// mov rax, [rdx]; lock cmpxchg [rdx], rcx: AtomicExpand's loop body
	Fn &cmpxchg() { return bytes({0x48, 0x8b, 0x02, 0xf0, 0x48, 0x0f, 0xb1, 0x0a}); }

	Fn &done()
	{
		for (auto const &f : fixups) {
			std::int64_t const rel = std::int64_t(labels.at(f.label)) - std::int64_t(f.next);
			if (f.wide)
				for (unsigned k = 0; k < 4; k++)
					code[f.field + k] = std::uint8_t(std::uint64_t(rel) >> (8 * k));
			else
				code[f.field] = std::uint8_t(std::int8_t(rel));
		}
		fixups.clear();
		return *this;
	}
};

// A compiler object of @fns, the first of them the kprobe entry "entry"
// (which must be global): each function in a section of its own or in the
// section it names, a .stack_sizes record each, helpers undefined.
Bytes object(std::vector<Fn> fns)
{
	ElfBuilder b;
	b.symbol("ext.cgu.0", STB_LOCAL, STT_FILE, SHN_ABS);
	std::map<std::string, std::uint32_t> secs, secsyms, syms;
	std::map<std::string, Bytes> text;
	std::map<std::string, std::uint64_t> value;
	std::vector<std::string> order;
	for (auto &f : fns) {
		f.done();
		std::string const s = f.section.empty() ? ".text." + f.name : f.section;
		if (!text.count(s))
			order.push_back(s);
		value[f.name] = text[s].size();
		text[s].insert(text[s].end(), f.code.begin(), f.code.end());
	}
	for (auto const &s : order) {
		secs[s] = b.section(s, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text[s], 16);
		secsyms[s] = b.symbol(s, STB_LOCAL, STT_SECTION, std::uint16_t(secs[s]));
	}
	for (auto const &f : fns) {
		std::string const s = f.section.empty() ? ".text." + f.name : f.section;
		syms[f.name] = b.symbol(f.name, f.global ? STB_GLOBAL : STB_LOCAL, STT_FUNC,
					std::uint16_t(secs[s]), value[f.name], f.code.size());
		Bytes ss(8, 0);
		ss.push_back(16);
		BSection st;
		st.name = ".stack_sizes";
		st.flags = SHF_LINK_ORDER;
		st.link = secs[s];
		st.data = ss;
		std::uint32_t const si = b.section(st);
		b.rela(si, 0, syms[f.name], R_X86_64_64, 0);
	}
	std::map<std::string, std::uint32_t> undef;
	for (auto const &f : fns) {
		std::string const s = f.section.empty() ? ".text." + f.name : f.section;
		for (auto const &r : f.relocs) {
			std::uint32_t sym;
			if (syms.count(r.sym)) {
				sym = syms.at(r.sym);
			} else {
				if (!undef.count(r.sym))
					undef[r.sym] = b.symbol(r.sym, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF);
				sym = undef.at(r.sym);
			}
			b.rela(secs[s], value[f.name] + r.at, sym, r.type, -4);
		}
	}
	Bytes entries;
	append_pod(entries, entry_def(prog_kprobe, fns.at(0).name));
	std::uint32_t const ent = b.section(RAX_SECTION_ENTRIES, SHT_PROGBITS,
					    SHF_ALLOC | (1U << 21) /* SHF_GNU_RETAIN */, entries, 4);
	b.symbol("ENTRIES", STB_LOCAL, STT_OBJECT, std::uint16_t(ent), 0, entries.size());
	b.section(".note.GNU-stack", SHT_PROGBITS, 0, {});
	return b.build();
}

std::string hexoff(std::uint64_t at)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "+%#llx", static_cast<unsigned long long>(at));
	return at ? buf : "+0x0";
}

void accepted(std::vector<Fn> fns)
{
	auto a = analyse_compiler_object(object(std::move(fns)), 1 << 20);
	INFO((a ? "" : a.error().to_string()));
	CHECK(a.ok());
}

// Refused, with the message naming @fn and the offset @at of the jump or
// call that closes a cycle.
void refused(std::vector<Fn> fns, std::string const &what)
{
	auto a = analyse_compiler_object(object(std::move(fns)), 1 << 20);
	CHECK_FALSE(a.ok()); // each spelling counts, the next ones still run
	if (a.ok())
		return;
	INFO(a.error().to_string());
	CHECK(a.error().code() == EINVAL);
	CHECK(a.error().message().find(what) != std::string::npos);
}

void cycle_refused(std::vector<Fn> fns, std::string const &fn, std::uint64_t at)
{
	refused(std::move(fns), "function " + fn + hexoff(at) +
					": closes a cycle of the control flow that passes no "
					"cancellation point (a call to rax_budget_check)");
}

// A recursion guard's symbol (rax::stack::recurse::<...>): recursion
// through it passes the stack bound, so what is left to refuse or accept
// is the cancellation proof's.
std::string const guard = "_RINvNtCsX_3rax5stack7recursejEB2_";

Fn entry()
{
	Fn f("entry", true);
	f.endbr().check();
	return f;
}

} // namespace

TEST_CASE("cancel: the decoder tells conditional branches and traps apart", "[x86][cancel]")
{
	struct Case {
		std::vector<std::uint8_t> bytes;
		bool cond, trap;
	};
	for (auto const &c : std::vector<Case>{{{0x75, 0x10}, true, false},
					       {{0xe2, 0xfe}, true, false},		 // loop
					       {{0xe3, 0x00}, true, false},		 // jrcxz
					       {{0x0f, 0x85, 1, 2, 3, 4}, true, false},
					       {{0xeb, 0xfe}, false, false},
					       {{0xe9, 1, 2, 3, 4}, false, false},
					       {{0xe8, 1, 2, 3, 4}, false, false},
					       {{0x0f, 0x0b}, false, true},		 // ud2
					       {{0xcc}, false, true},			 // int3
					       {{0x0f, 0xb9, 0xc0}, false, true},	 // ud1
					       {{0x90}, false, false}}) {
		INFO(rax::hex(c.bytes));
		auto const i = x86::decode(c.bytes);
		REQUIRE(i);
		CHECK(i->cond == c.cond);
		CHECK(i->trap == c.trap);
	}
}

TEST_CASE("cancel: the builder's shapes pass when every cycle has a cancellation point",
	  "[code][cancel]")
{
	// No cycle at all.
	accepted({std::move(entry().nop().ret())});
	// The termination pass's loop: the check before the back-edge, rel8 and rel32.
	Fn a = entry();
	a.label("loop").cmpxchg().check().jne8("loop").ret();
	accepted({a});
	Fn b = entry();
	b.label("loop").cmpxchg().je8("out").check().jmp32("loop").label("out").ret();
	accepted({b});
	// A check on both paths of a diamond inside the loop.
	Fn c = entry();
	c.label("loop").je8("x").check().jmp8("join").label("x").check().label("join").jne8("loop").ret();
	accepted({c});
	// Recursion (through the guard) with a check at one entry of the
	// cycle is enough.
	Fn f("f"), g(guard);
	f.endbr().check().call(guard).ret();
	g.endbr().nop().call("f").ret();
	accepted({std::move(entry().call("f").ret()), f, g});
	// A cycle through a function pointer, a check at one entry.
	Fn walk("walk"), step(guard);
	walk.endbr().check().lea(guard).call_ptr().ret();
	step.endbr().call("walk").ret();
	accepted({std::move(entry().call("walk").ret()), walk, step});
	// The check after a call to a function that loops with its own check.
	Fn spin("spin");
	spin.endbr().label("l").check().jne8("l").ret();
	accepted({std::move(entry().label("l").call("spin").check().jne8("l").ret()), spin});
}

TEST_CASE("cancel: a program without cancellation points is leaves only", "[code][cancel]")
{
	// What the termination pass makes of a program of leaves: no check at
	// all. One entry, or two, each a leaf: accepted.
	Fn leaf("entry", true);
	leaf.endbr().nop().ret();
	accepted({leaf});
	Fn other("entry2", true);
	other.endbr().nop().nop().ret();
	accepted({leaf, other});
	std::string const why = ": a call to another function of a program that imports nothing, "
				"not even rax_budget_check";
	// A call from one function to another with no check anywhere: N calls
	// of a slow leaf would run between no points at all.
	Fn caller("entry", true), slow("slow");
	caller.endbr();
	std::uint64_t const call_at = caller.here();
	caller.call("slow").call("slow").ret();
	slow.endbr().nop().ret();
	refused({caller, slow}, "function entry" + hexoff(call_at) + why);
	// A tail call.
	Fn tail("entry", true);
	tail.endbr();
	std::uint64_t const tail_at = tail.here();
	tail.tail("slow");
	refused({tail, slow}, "function entry" + hexoff(tail_at) + why);
	// Through a function pointer (the indirect thunk).
	Fn ptr("entry", true), target(guard);
	ptr.endbr().lea(guard);
	std::uint64_t const ptr_at = ptr.here();
	ptr.call_ptr().ret();
	target.endbr().nop().ret();
	refused({ptr, target}, "function entry" + hexoff(ptr_at) + why);
	// The same calls in a program with checks are the cycle proof's: accepted.
	Fn checked = entry();
	checked.call("slow").call("slow").ret();
	accepted({checked, slow});
	// And in one that imports a helper: the kernel runs it through its
	// dispatcher, and refuses it without rax_budget_check.
	Fn helper("entry", true);
	helper.endbr().call("rax_jiffies64").call("slow").ret();
	accepted({helper, slow});
}

TEST_CASE("cancel: a backward branch without a cancellation point is refused", "[code][cancel]")
{
	// What AtomicExpand made of fetch_max: the retry loop, rel8.
	Fn a = entry();
	a.label("loop").cmpxchg();
	std::uint64_t const a_at = a.here();
	a.jne8("loop").ret();
	cycle_refused({a}, "entry", a_at);
	// rel32.
	Fn b = entry();
	b.nop().label("loop").cmpxchg();
	std::uint64_t const b_at = b.here();
	b.jne32("loop").ret();
	cycle_refused({b}, "entry", b_at);
	// jmp to itself.
	Fn c = entry();
	std::uint64_t const c_at = c.here();
	c.label("self").jmp8("self");
	cycle_refused({c}, "entry", c_at);
	// The loop instruction.
	Fn d = entry();
	d.label("loop").nop();
	std::uint64_t const d_at = d.here();
	d.br8(0xe2, "loop").ret();
	cycle_refused({d}, "entry", d_at);
	// The loop in a callee, with checks before and after it, not in it.
	Fn e("_RNv3ext4spin");
	e.endbr().check().label("loop").cmpxchg();
	std::uint64_t const e_at = e.here();
	e.jne8("loop").check().ret();
	cycle_refused({std::move(entry().call("_RNv3ext4spin").ret()), e}, "_RNv3ext4spin", e_at);
	// A loop around a call to a function that has the check: the
	// callee's check is not on the caller's cycle.
	Fn leaf("leaf");
	leaf.endbr().check().ret();
	Fn f = entry();
	f.label("loop").call("leaf");
	std::uint64_t const f_at = f.here();
	f.jne8("loop").ret();
	cycle_refused({f, leaf}, "entry", f_at);
}

TEST_CASE("cancel: a cycle with the check on one path only is refused", "[code][cancel]")
{
	// Two ways back to the loop's head, the check on one.
	Fn a = entry();
	a.label("loop").cmpxchg().je8("quick").check().jmp8("loop").label("quick");
	std::uint64_t const a_at = a.here();
	a.jmp8("loop");
	cycle_refused({a}, "entry", a_at);
	// A diamond inside the loop, the check on one arm.
	Fn b = entry();
	b.label("loop").je8("x").check().jmp8("join").label("x").nop().label("join");
	std::uint64_t const b_at = b.here();
	b.jne8("loop").ret();
	cycle_refused({b}, "entry", b_at);
	// The check on the loop's exit only.
	Fn c = entry();
	c.label("loop").cmpxchg();
	std::uint64_t const c_at = c.here();
	c.jne8("loop").check().ret();
	cycle_refused({c}, "entry", c_at);
	// A conditional tail call to the check is not a call to it: the
	// path that does not take it goes round.
	Fn d = entry();
	d.label("loop").jne_to(budget);
	std::uint64_t const d_at = d.here();
	d.jmp8("loop");
	cycle_refused({d}, "entry", d_at);
	// The check reached through a function pointer is not a cancellation
	// point the proof can see.
	Fn e = entry();
	e.label("loop").lea(budget).call_ptr();
	std::uint64_t const e_at = e.here();
	e.jne8("loop").ret();
	cycle_refused({e}, "entry", e_at);
	// Checks in a callee on one of two paths: the other path is refused.
	Fn g = entry();
	g.label("loop").je8("other").call("leaf").label("other");
	std::uint64_t const g_at = g.here();
	g.jne32("loop").ret();
	Fn leaf("leaf");
	leaf.endbr().check().ret();
	cycle_refused({g, leaf}, "entry", g_at);
}

TEST_CASE("cancel: recursion without a check at an entry on the cycle is refused",
	  "[code][cancel]")
{
	// Mutual recursion by calls: f -> g -> f.
	Fn f("f"), g("g");
	f.endbr().nop().call("g").ret();
	g.endbr().nop();
	std::uint64_t const g_at = g.here();
	g.call("f").ret();
	cycle_refused({std::move(entry().call("f").ret()), f, g}, "g", g_at);
	// By tail calls.
	Fn f2("f"), g2("g");
	f2.endbr().nop().tail("g");
	std::uint64_t const g2_at = g2.endbr().here();
	g2.tail("f");
	cycle_refused({std::move(entry().call("f").ret()), f2, g2}, "g", g2_at);
	// Direct recursion.
	Fn r("_RNv3ext4fact");
	std::uint64_t const r_at = r.endbr().nop().here();
	r.call("_RNv3ext4fact").ret();
	cycle_refused({std::move(entry().call("_RNv3ext4fact").ret()), r}, "_RNv3ext4fact", r_at);
	// A conditional tail call back to itself.
	Fn t("t");
	std::uint64_t const t_at = t.endbr().here();
	t.jne_to("t").ret();
	cycle_refused({std::move(entry().call("t").ret()), t}, "t", t_at);
	// The check in the cycle's functions, but after the recursive call.
	Fn late("late");
	std::uint64_t const late_at = late.endbr().here();
	late.call("late").check().ret();
	cycle_refused({std::move(entry().call("late").ret()), late}, "late", late_at);
	// Three functions, none with a check: x -> y -> z -> x.
	Fn x("x"), y("y"), z("z");
	x.endbr().call("y").ret();
	y.endbr().call("z").ret();
	z.endbr().nop().call("x").ret();
	cycle_refused({std::move(entry().call("x").ret()), x, y, z}, "z", 5);
	// The entry itself on the cycle, its check at its start: passed.
	Fn e("entry", true), back(guard);
	e.endbr().check().call(guard).ret();
	back.endbr().call("entry").ret();
	accepted({e, back});
}

TEST_CASE("cancel: a cycle through an indirect jump or call is refused", "[code][cancel]")
{
	// An indirect tail call to itself, by pointer.
	Fn a("a");
	std::uint64_t const a_at = a.endbr().lea("a").here();
	a.jmp_ptr();
	cycle_refused({std::move(entry().call("a").ret()), a}, "a", a_at);
	// An indirect call to a function that calls back.
	Fn b("b"), cb("cb");
	b.endbr().lea("cb");
	b.call_ptr().ret();
	cb.endbr().call("b").ret();
	// The walk starts at b: the call back from cb closes the cycle.
	cycle_refused({std::move(entry().call("b").ret()), b, cb}, "cb", 4);
	// A function pointer taken in one function, called in another.
	Fn taker = entry();
	taker.lea("victim").call("caller").ret();
	Fn caller("caller"), victim("victim");
	caller.endbr().call_ptr().ret();
	victim.endbr().call("caller").ret();
	cycle_refused({taker, caller, victim}, "victim", 4);
	// Indirect jumps not through the thunk: jmp rax, a jump table.
	Fn t1 = entry();
	t1.bytes({0xff, 0xe0}).ret();
	refused({t1}, "function entry+0x9: an indirect call or jump not through");
	Fn t2 = entry();
	t2.bytes({0xff, 0x24, 0xc5, 0, 0, 0, 0}).ret();
	refused({t2}, "function entry+0x9: an indirect call or jump not through");
}

TEST_CASE("cancel: a cycle entered by a forward jump is refused", "[code][cancel]")
{
	// jmp over the head into a later block that jumps back.
	Fn a = entry();
	a.jmp8("b").label("a").nop().label("b").nop();
	std::uint64_t const a_at = a.here();
	a.jmp8("a");
	cycle_refused({a}, "entry", a_at);
	// rel32, and the way back a conditional branch.
	Fn b = entry();
	b.jmp32("later").label("head").cmpxchg().label("later").nop();
	std::uint64_t const b_at = b.here();
	b.jne32("head").ret();
	cycle_refused({b}, "entry", b_at);
	// Irreducible: two ways into the cycle.
	Fn c = entry();
	c.je8("second").label("first").nop().label("second").nop();
	std::uint64_t const c_at = c.here();
	c.jne8("first").ret();
	cycle_refused({c}, "entry", c_at);
	// Across two functions of one section: f runs past its end into g,
	// which tail-calls f.
	Fn f("f"), g("g");
	f.section = g.section = ".text.shared";
	f.endbr().nop();
	g.endbr();
	std::uint64_t const g_at = g.here();
	g.tail("f");
	cycle_refused({std::move(entry().call("f").ret()), f, g}, "g", g_at);
}

TEST_CASE("cancel: control that runs past the end of a function is refused", "[code][cancel]")
{
	Fn f("f");
	f.endbr().nop();
	refused({std::move(entry().call("f").ret()), f},
		"function f+0x4: control runs past the end of the function");
	// A call that ends a function is to one that does not return.
	Fn g("g");
	g.endbr().call("rax_throw");
	accepted({std::move(entry().call("g").ret()), g});
}

TEST_CASE("cancel: a call to a function that never returns does not go on to the next instruction",
	  "[code][cancel]")
{
	// What block placement made of a saturating_mul before a loop and a
	// panic: the cold block after the call to the panic function, which
	// jumps back before the loop. The panic function checks and calls
	// the panic handler, which calls rax_throw; neither returns.
	Fn pf("panic_fmt"), handler("begin_unwind");
	pf.endbr().check().call("begin_unwind");
	handler.endbr().check().nop().call("rax_throw");
	Fn a = entry();
	a.label("head").nop().je8("panic").label("loop").check().jne8("loop").label("panic");
	a.call("panic_fmt").label("cold").nop().jmp8("head");
	accepted({a, pf, handler});
	// rax_throw called or tail-called directly.
	Fn b = entry();
	b.label("head").nop().je8("out").call("rax_throw").jmp8("head").label("out").ret();
	accepted({b});
	Fn tail("panic_fmt");
	tail.endbr().check().tail("rax_throw");
	Fn c = entry();
	c.label("head").nop().je8("out").call("panic_fmt").jmp8("head").label("out").ret();
	accepted({c, tail});
	// A callee that spins for ever (its loop checked) never returns either,
	// nor does a mutual recursion with no way out.
	Fn spin("spin");
	spin.endbr().label("l").check().jmp8("l");
	Fn d = entry();
	d.label("head").nop().je8("out").call("spin").jmp8("head").label("out").ret();
	accepted({d, spin});
	Fn f("f"), g(guard);
	f.endbr().check().call(guard);
	g.endbr().check().call("f");
	Fn e = entry();
	e.label("head").nop().je8("out").call("f").jmp8("head").label("out").ret();
	accepted({e, f, g});
}

TEST_CASE("cancel: a call to a function that may return still goes on to the next instruction",
	  "[code][cancel]")
{
	// The same shape, each callee with a way back to its caller: the
	// jump back closes a cycle (a callee's check does not count).
	auto shape = [](std::string const &callee, std::uint64_t *at) {
		Fn a = entry();
		a.label("head").nop().je8("out").call(callee);
		*at = a.here();
		a.jmp8("head").label("out").ret();
		return a;
	};
	std::uint64_t at = 0;
	// It checks and returns.
	Fn r("r");
	r.endbr().check().ret();
	Fn a = shape("r", &at);
	cycle_refused({a, r}, "entry", at);
	// It throws on one path only.
	Fn one("one");
	one.endbr().check().je8("back").call("rax_throw").label("back").ret();
	Fn b = shape("one", &at);
	cycle_refused({b, one}, "entry", at);
	// It ends in a call to a helper that returns: it runs past its end.
	Fn past("past");
	past.endbr().check().call("rax_ktime_get_ns");
	Fn c = shape("past", &at);
	cycle_refused({c, past}, "entry", at);
	// It tail-calls a helper other than rax_throw.
	Fn tc("tc");
	tc.endbr().check().tail("rax_ktime_get_ns");
	Fn d = shape("tc", &at);
	cycle_refused({d, tc}, "entry", at);
	// It calls a function that may return, then nothing.
	Fn outer("outer");
	outer.endbr().check().call("r");
	Fn e = shape("outer", &at);
	cycle_refused({e, outer, r}, "entry", at);
	// A conditional jump to rax_throw: the path that does not take it
	// goes round.
	Fn f = entry();
	f.label("head").nop().jne_to("rax_throw");
	std::uint64_t const f_at = f.here();
	f.jmp8("head");
	cycle_refused({f}, "entry", f_at);
	// A call through a function pointer, even if the one function whose
	// address is taken never returns.
	Fn never("never");
	never.endbr().check().call("rax_throw");
	Fn g = entry();
	g.lea("never").label("head").nop().je8("out").call_ptr();
	std::uint64_t const g_at = g.here();
	g.jmp8("head").label("out").ret();
	cycle_refused({g, never}, "entry", g_at);
}

TEST_CASE("build: loops followed by a panic, their bound from overflow-checked arithmetic",
	  "[build][cancel]")
{
	// Each of saturating_mul, checked_mul and a loop { if .. break } puts
	// code after the call to the panic function that jumps back before
	// its loop; the proof must see that the call does not return.
	auto r = rax::build(rax::test::fixture_options("noreturn_after_loops"));
	INFO((r.ok() ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	CHECK(r->analysis.entries.size() == 8);
	CHECK(std::count(r->analysis.imports.begin(), r->analysis.imports.end(), budget) == 1);
}

TEST_CASE("build: read-modify-write atomics build, their retry loops checked", "[build][cancel]")
{
	auto r = rax::build(rax::test::fixture_options("atomic_rmw_loops"));
	INFO((r.ok() ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	auto image = rax::read_file(r->output);
	REQUIRE(image.ok());
	// The loops are there (lock cmpxchg, with or without REX), so the
	// proof had something to prove.
	unsigned loops = 0;
	Bytes const &img = *image;
	for (std::size_t i = 0; i + 3 < img.size(); i++) {
		std::size_t j = i + 1;
		if (img[i] != 0xf0)
			continue;
		if ((img[j] & 0xf0) == 0x40 || img[j] == 0x66)
			j++;
		if ((img[j] & 0xf0) == 0x40)
			j++;
		if (j + 1 < img.size() && img[j] == 0x0f && (img[j + 1] == 0xb1 || img[j + 1] == 0xb0))
			loops++;
	}
	CHECK(loops >= 20);
	CHECK(std::count(r->analysis.imports.begin(), r->analysis.imports.end(), budget) == 1);
}
